import path from "node:path";
import type { Finding } from "../validate/finding.ts";

/** One finding as a line a terminal or editor can jump to: `file:line  severity  rule  message  (pointer)`. */
export function formatFinding(finding: Finding, cwd: string = process.cwd()): string {
  const where = finding.file ? `${path.relative(cwd, finding.file)}${finding.line ? `:${finding.line}` : ""}` : finding.document;
  return `${where}  ${finding.severity}  ${finding.rule}  ${finding.message}  (${finding.pointer || "/"})`;
}
