import { extensionValueRule } from "../extension-value.ts";

export const xMsUrlEncodingValue = extensionValueRule({
  id: "x-ms-url-encoding-value",
  severity: "error",
  doc: "x-ms-url-encoding is 'single' (the default) or 'double'.",
  key: "x-ms-url-encoding",
  values: ["single", "double"],
});
