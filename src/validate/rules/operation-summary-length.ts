import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Certification's limit (certification-submission.md); Microsoft's validator text says 120, so 80 is the safe one. */
export const maxSummaryLength = 80;

export const operationSummaryLength: Rule = {
  id: "operation-summary-length",
  severity: "warning",
  doc: `An operation summary has at most ${maxSummaryLength} characters (certification; OperationSummaryTooLong).`,
  why: "Long titles are cut in the designer. A warning: the gate's OperationSummaryTooLong says 'should be fewer than 120 characters for improved readability', and 80 is the certification guideline, not a refusal.",
  evidence: [{ says: "OperationSummaryTooLong: \"The operation 'summary' should be fewer than {0} characters for improved readablity.\"", url: sources.validatorRules }, { says: "Summaries of at most 80 characters.", url: sources.submission }],
  example: { fail: "summary: Get an order with all of its lines, its customer, its invoices and its shipment details", pass: "summary: Get an order" },
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
