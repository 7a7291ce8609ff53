import { sources } from "../evidence.ts";
import { isInternal, operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const operationSummary: Rule = {
  id: "operation-summary",
  severity: "error",
  doc: "Every visible operation has a summary: it is the action's title in the designer.",
  why: "The summary is the action's title in the designer.",
  evidence: [{ says: "Gate message: \"The 'summary' property is required. ValuePath: /paths/\u2026/post\"", url: sources.pr(609) }],
  example: { fail: "post:\n  operationId: CreateOrder", pass: "post:\n  operationId: CreateOrder\n  summary: Create an order" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      // Internal operations (dynamic-value sources, webhook plumbing) never appear in the designer.
      if (isInternal(entry.operation)) continue;
      const summary = entry.operation.summary;
      if (typeof summary === "string" && summary.trim() !== "") continue;
      yield { message: `${operationLabel(entry)} has no summary`, pointer: entry.pointer, document: "apiDefinition" };
    }
  },
};
