import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

/** Certification's limit (certification-submission.md); Microsoft's validator text says 120, so 80 is the safe one. */
export const maxSummaryLength = 80;

export const operationSummaryLength: Rule = {
  id: "operation-summary-length",
  severity: "error",
  doc: `An operation summary has at most ${maxSummaryLength} characters (certification; OperationSummaryTooLong).`,
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const summary = entry.operation.summary;
      if (typeof summary !== "string" || summary.length <= maxSummaryLength) continue;
      yield {
        message: `the summary of ${operationLabel(entry)} has ${summary.length} characters; at most ${maxSummaryLength} are allowed`,
        pointer: joinPointer(entry.pointer, "summary"),
        document: "apiDefinition",
      };
    }
  },
};
