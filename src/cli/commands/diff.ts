import path from "node:path";
import type { Command } from "commander";
import { CliError, ExitCode } from "../errors.ts";
import { diffConnectors, readConnector, readConnectorAt, type Change, type LoadedVersion, type Side } from "../../diff/index.ts";
import type { SourcePosition } from "../../spec/load.ts";

type Located = Side & { file?: string; line?: number };

function located(side: Side | undefined, version: Partial<LoadedVersion>, cwd: string): Located | undefined {
  if (!side) return undefined;
  const at: SourcePosition | undefined = version.locate?.(side);
  return { ...side, ...(at ? { file: path.relative(cwd, at.file), line: at.line } : {}) };
}

function where(side: Located | undefined): string {
  if (!side) return "-";
  return `${side.file ? `${side.file}:${side.line} ` : ""}${side.pointer || "/"}`;
}

/**
 * `fno-connector diff OLD NEW [--json]` or `fno-connector diff DIR --against REF`: exit 1 when anything breaks
 * makers' flows, 0 otherwise, 2 when a version cannot be read.
 */
export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("Compare two versions of a connector (source or package folders) for changes that break existing flows")
    .argument("<old>", "the earlier version's folder (with --against: the folder to compare with its own history)")
    .argument("[new]", "the later version's folder")
    .option("--against <ref>", "compare the folder with itself at this git revision")
    .option("--json", "print the changes as JSON")
    .action((first: string, second: string | undefined, options: { against?: string; json?: boolean }) => {
      if ((second === undefined) === (options.against === undefined)) {
        throw new CliError("give two folders (OLD NEW), or one folder and --against REF", ExitCode.unreadable);
      }
      const cwd = process.cwd();
      const oldVersion: Partial<LoadedVersion> & { definition: unknown; properties: unknown } =
        options.against !== undefined ? readConnectorAt(first, options.against) : readConnector(first);
      const newVersion = readConnector(second ?? first);
      const changes = diffConnectors(oldVersion, newVersion).map((c: Change) => ({
        ...c,
        old: located(c.old, oldVersion, cwd),
        new: located(c.new, newVersion, cwd),
      }));
      const breaking = changes.filter((c) => c.class === "breaking").length;
      if (options.json) {
        process.stdout.write(JSON.stringify({ breaking: breaking > 0, changes }, null, 2) + "\n");
      } else {
        for (const c of changes) {
          process.stdout.write(`${c.class}  ${c.operation ?? "(connector)"}  ${c.message}  (old: ${where(c.old)}; new: ${where(c.new)})\n`);
        }
        const counts = (["breaking", "warning", "safe"] as const).map((k) => `${changes.filter((c) => c.class === k).length} ${k}`);
        process.stdout.write(`${counts.join(", ")}\n`);
      }
      if (breaking > 0) throw new CliError(`${breaking} change${breaking === 1 ? " breaks" : "s break"} existing flows`, ExitCode.failed);
    });
}
