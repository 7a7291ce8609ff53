import { sources } from "../evidence.ts";
import { extensionValueRule } from "../extension-value.ts";

export const xMsTriggerType = extensionValueRule({
  id: "x-ms-trigger-type",
  severity: "warning",
  doc: "x-ms-trigger is 'single' (the response is one item) or 'batch' (the response is an array of items).",
  why: "The designer reads 'single' as one item and 'batch' as an array of items. Microsoft's 2020 schema lists only these two, but no source shows the platform refusing another value.",
  evidence: [{ says: "apiDefinition.swagger.schema.json: x-ms-trigger enum batch, single.", url: sources.definitionSchema }],
  example: { fail: "x-ms-trigger: polling", pass: "x-ms-trigger: single" },
  key: "x-ms-trigger",
  values: ["single", "batch"],
});
