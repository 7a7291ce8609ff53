import { joinPointer } from "../../spec/pointer.ts";
import { operationLabel, operationsOf } from "../model.ts";
import type { Rule } from "../rule.ts";

/** The characters Microsoft's validator rejects in a summary (RestrictedCharactersInSummary, seen in PowerPlatformConnectors PR #1095). */
const restricted = /[/\\<>*%&?]/g;

export const operationSummaryCharacters: Rule = {
  id: "operation-summary-characters",
  severity: "error",
  doc: "An operation summary contains none of / \\ < > * % & ? (RestrictedCharactersInSummary).",
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
