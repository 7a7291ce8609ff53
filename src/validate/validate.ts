import type { SourcePosition } from "../spec/load.ts";
import type { Finding } from "./finding.ts";
import type { ConnectorDocuments, Rule } from "./rule.ts";
import { rules as allRules } from "./rules/index.ts";

/** Maps a JSON pointer in each document back to the source line it came from (the compiler passes its source maps). */
export interface DocumentLocators {
  apiDefinition?: (pointer: string) => SourcePosition | undefined;
  apiProperties?: (pointer: string) => SourcePosition | undefined;
}

/**
 * Runs every rule over a connector's two documents. Pure: the same documents give the same findings,
 * ordered by document, then source line, then rule order.
 */
export function validateDocuments(
  documents: ConnectorDocuments,
  locate: DocumentLocators = {},
  rules: readonly Rule[] = allRules,
): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const violation of rule.check(documents)) {
      const position = locate[violation.document]?.(violation.pointer);
      findings.push({
        rule: rule.id,
        severity: rule.severity,
        message: violation.message,
        pointer: violation.pointer,
        document: violation.document,
        ...(position ? { file: position.file, line: position.line } : {}),
      });
    }
  }
  // Array.prototype.sort is stable, so findings on one line keep rule order.
  return findings.sort(bySourceOrder);
}

function bySourceOrder(a: Finding, b: Finding): number {
  if (a.document !== b.document) return a.document === "apiDefinition" ? -1 : 1;
  if (a.line === b.line) return 0;
  if (a.line === undefined) return 1;
  if (b.line === undefined) return -1;
  return a.line - b.line;
}
