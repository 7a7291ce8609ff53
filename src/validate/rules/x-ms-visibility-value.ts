import { extensionValueRule } from "../extension-value.ts";

export const xMsVisibilityValue = extensionValueRule({
  id: "x-ms-visibility-value",
  severity: "error",
  doc: "x-ms-visibility is 'important', 'advanced' or 'internal'; absent or '' means normal.",
  key: "x-ms-visibility",
  // '' is how certified connectors (StaffCircle, 50 properties) write "normal" explicitly.
  values: ["important", "advanced", "internal", ""],
});
