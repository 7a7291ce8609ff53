import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

export const summaryNotDescription: Rule = {
  id: "summary-not-description",
  severity: "warning",
  doc: "An operation's description says more than its summary: the two must differ (coding standards).",
  why: "The description is the action's help text; repeating the title says nothing more.",
  evidence: [{ says: "The summary and description must differ.", url: sources.codingStandards }],
  example: { fail: "summary: Get an order\ndescription: Get an order", pass: "summary: Get an order\ndescription: Returns one order with its lines." },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const { summary, description } = entry.operation;
      if (typeof summary !== "string" || typeof description !== "string") continue;
      if (summary.trim().toLowerCase() !== description.trim().toLowerCase()) continue;
      yield {
        message: `the description of ${operationLabel(entry)} repeats its summary; describe what the action does in a sentence`,
        pointer: joinPointer(entry.pointer, "description"),
        document: "apiDefinition",
      };
    }
  },
};
