import { sources } from "../evidence.ts";
import { extensionValueRule } from "../extension-value.ts";

export const xMsVisibilityValue = extensionValueRule({
  id: "x-ms-visibility-value",
  severity: "warning",
  doc: "x-ms-visibility is 'important', 'advanced' or 'internal'; absent or '' means normal.",
  why: "Another value is not one of the designer's three visibilities. A warning: certified connectors write 'Advanced' (CognitiveServicesQuestionAnswering) and '' (StaffCircle) and import, and no source shows the platform refusing a value.",
  evidence: [{ says: "x-ms-visibility: important, advanced or internal.", url: sources.extensions }],
  example: { fail: "x-ms-visibility: hidden", pass: "x-ms-visibility: advanced" },
  key: "x-ms-visibility",
  // '' is how certified connectors (StaffCircle, 50 properties) write "normal" explicitly.
  values: ["important", "advanced", "internal", ""],
});
