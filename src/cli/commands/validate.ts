import path from "node:path";
import type { Command } from "commander";
import { CliError, ExitCode } from "../errors.ts";
import { formatFinding } from "../format.ts";
import { rules, validateDirectory, type Finding } from "../../validate/index.ts";
import { parseRuleOptions, withLevels } from "../../validate/config.ts";
import { toSarif } from "../../validate/sarif.ts";
import { SpecLoadError } from "../../spec/load.ts";

/** `--format json` prints exactly these keys per finding; file and line only when known. */
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

/** `--format json` when the source cannot be read: what is wrong and, when known, the file, line, column and pointer. */
function jsonLoadError(error: SpecLoadError, cwd: string) {
  return {
    kind: error.kind,
    message: error.reason,
    ...(error.position === undefined ? {} : { file: path.relative(cwd, error.position.file), line: error.position.line, column: error.position.column }),
    ...(error.pointer === undefined ? {} : { pointer: error.pointer }),
  };
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const formats = ["text", "json", "sarif"] as const;

/**
 * `fno-connector validate [DIR] [--format text|json|sarif] [--rule id=level ...]`: exit 0 when clean or only
 * warnings, 1 on any error finding, 2 when a file, the folder's .fno-validate.yaml or an option cannot be read
 * (SpecLoadError, reported by the program with file:line:column; json and sarif also print it, see jsonLoadError
 * and toSarif).
 */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("Check a connector source folder or compiled package against Swagger 2.0 and Power Platform rules")
    .argument("[dir]", "connector source (apiDefinition.yaml) or package (apiDefinition.swagger.json) folder", "connector")
    .option("--format <format>", `output: ${formats.join(", ")}`, "text")
    .option("--json", "same as --format json")
    .option("--rule <id=level>", "set a rule to off, warning or error (repeatable; wins over .fno-validate.yaml)", (v: string, all: string[]) => [...all, v], [])
    .action((dir: string, options: { format: string; json?: boolean; rule: string[] }) => {
      const format = options.json ? "json" : options.format;
      if (!(formats as readonly string[]).includes(format)) {
        throw new CliError(`--format ${format}: use one of ${formats.join(", ")}`, ExitCode.unreadable);
      }
      let levels;
      try {
        levels = parseRuleOptions(options.rule, rules);
      } catch (error) {
        throw new CliError((error as Error).message, ExitCode.unreadable);
      }
      const cwd = process.cwd();
      let report;
      try {
        report = validateDirectory(dir, levels);
      } catch (error) {
        // Machine-readable formats still print a document, saying what could not be read and where; exit 2 as before.
        if (error instanceof SpecLoadError && format !== "text") {
          const document = format === "json" ? { findings: [], error: jsonLoadError(error, cwd) } : toSarif([], rules, cwd, error);
          process.stdout.write(JSON.stringify(document, null, 2) + "\n");
        }
        throw error;
      }
      if (format === "json") {
        process.stdout.write(JSON.stringify({ findings: report.findings.map((f) => jsonFinding(f, cwd)) }, null, 2) + "\n");
      } else if (format === "sarif") {
        const ran = withLevels(rules, report.levels);
        process.stdout.write(JSON.stringify(toSarif(report.findings, ran, cwd), null, 2) + "\n");
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
