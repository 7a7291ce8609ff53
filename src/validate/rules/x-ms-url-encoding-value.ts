import { sources } from "../evidence.ts";
import { extensionValueRule } from "../extension-value.ts";

export const xMsUrlEncodingValue = extensionValueRule({
  id: "x-ms-url-encoding-value",
  severity: "warning",
  doc: "x-ms-url-encoding is 'single' (the default) or 'double'.",
  why: "Another value leaves the encoding of the path parameter to the platform's default. No source shows the platform refusing one.",
  evidence: [{ says: "x-ms-url-encoding: single (the default) or double.", url: sources.extensions }],
  example: { fail: "x-ms-url-encoding: none", pass: "x-ms-url-encoding: double" },
  key: "x-ms-url-encoding",
  values: ["single", "double"],
});
