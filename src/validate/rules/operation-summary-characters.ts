import { sources } from "../evidence.ts";
import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** The characters Microsoft's validator rejects in a summary (RestrictedCharactersInSummary, seen in PowerPlatformConnectors PR #1095). */
const restricted = /[/\\<>*%&?]/g;

export const operationSummaryCharacters: Rule = {
  id: "operation-summary-characters",
  severity: "error",
  doc: "An operation summary contains none of / \\ < > * % & ? (RestrictedCharactersInSummary).",
  why: "The gate refuses these characters in an action's title.",
  evidence: [{ says: "Gate message: \"Summary string contains any of the restricted characters [/\\\\<>*%&?]\"", url: sources.pr(1095) }, { says: "RestrictedCharactersInSummary.", url: sources.validatorRules }],
  example: { fail: "summary: Get an order/line", pass: "summary: Get an order (with its lines)" },
  *check({ definition }) {
    for (const entry of operationsOf(definition)) {
      const summary = entry.operation.summary;
      if (typeof summary !== "string") continue;
      const found = [...new Set(summary.match(restricted) ?? [])];
      if (found.length === 0) continue;
      yield {
        message: `the summary of ${operationLabel(entry)} contains ${found.map((c) => `'${c}'`).join(", ")}, which Power Platform rejects`,
        pointer: joinPointer(entry.pointer, "summary"),
        document: "apiDefinition",
      };
    }
  },
};
