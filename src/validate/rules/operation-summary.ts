import { operationLabel, operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

export const operationSummary: Rule = {
  id: "operation-summary",
  severity: "error",
  doc: "Every visible operation has a summary: it is the action's title in the designer.",
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      // Internal operations (dynamic-value sources, webhook plumbing) never appear in the designer.
      if (entry.operation["x-ms-visibility"] === "internal") continue;
      const summary = entry.operation.summary;
      if (typeof summary === "string" && summary.trim() !== "") continue;
      yield { message: `${operationLabel(entry)} has no summary`, pointer: entry.pointer, document: "apiDefinition" };
    }
  },
};
