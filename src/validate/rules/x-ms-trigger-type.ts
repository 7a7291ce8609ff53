import { extensionValueRule } from "../extension-value.ts";

export const xMsTriggerType = extensionValueRule({
  id: "x-ms-trigger-type",
  severity: "error",
  doc: "x-ms-trigger is 'single' (the response is one item) or 'batch' (the response is an array of items).",
  key: "x-ms-trigger",
  values: ["single", "batch"],
});
