import path from "node:path";
import type { Command } from "commander";
import { CliError, ExitCode } from "../errors.ts";
import { formatFinding } from "../format.ts";
import { validateDirectory, type Finding } from "../../validate/index.ts";

/** `--json` prints exactly these keys per finding; file and line only when known. */
function jsonFinding(finding: Finding, cwd: string) {
  return {
    rule: finding.rule,
    severity: finding.severity,
    message: finding.message,
    pointer: finding.pointer,
    ...(finding.file === undefined ? {} : { file: path.relative(cwd, finding.file) }),
    ...(finding.line === undefined ? {} : { line: finding.line }),
  };
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `fno-connector validate [DIR] [--json]`: exit 0 when clean or only warnings, 1 on any error finding,
 * 2 when a file cannot be read or parsed (SpecLoadError, reported by the program with file:line:column).
 */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("Check a connector source folder or compiled package against Swagger 2.0 and Power Platform rules")
    .argument("[dir]", "connector source (apiDefinition.yaml) or package (apiDefinition.swagger.json) folder", "connector")
    .option("--json", "print the findings as JSON")
    .action((dir: string, options: { json?: boolean }) => {
      const cwd = process.cwd();
      const report = validateDirectory(dir);
      if (options.json) {
        process.stdout.write(JSON.stringify({ findings: report.findings.map((f) => jsonFinding(f, cwd)) }, null, 2) + "\n");
      } else {
        for (const finding of report.findings) process.stdout.write(formatFinding(finding, cwd) + "\n");
        const files = [report.files.definition, report.files.properties].map((f) => path.relative(cwd, f)).join(", ");
        process.stdout.write(`${count(report.errorCount, "error")}, ${count(report.warningCount, "warning")} in ${files}\n`);
      }
      if (report.errorCount > 0) {
        throw new CliError(`${dir} is not a valid connector: ${count(report.errorCount, "error")}`, ExitCode.failed);
      }
    });
}
