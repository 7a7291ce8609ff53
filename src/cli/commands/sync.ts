import type { Command } from "commander";
import { defaultConcurrency, syncExports } from "../../workflows/export-sync.ts";
import { addConnectionOptions, createClient, resolveConnection, type ConnectionFlags } from "../connection.ts";
import { CliError, ExitCode } from "../errors.ts";
import { formatBytes, syncProgress } from "../progress.ts";
import { requireOutputFolder } from "../paths.ts";
import { integerOption } from "../options.ts";

/** More parallel requests than this only meet F&O's throttling sooner (and each holds a socket and a file). */
const maxConcurrency = { min: 1, max: 64 };

interface SyncFlags extends ConnectionFlags {
  activity: string;
  out: string;
  concurrency: number;
  extract?: boolean;
  json?: boolean;
}

export function registerSync(program: Command): void {
  addConnectionOptions(
    program
      .command("sync")
      .description("Drain an export queue: dequeue, download, store durably and acknowledge every package until the queue is empty")
      .requiredOption("--activity <id>", "activity ID of the recurring export job")
      .requiredOption("--out <dir>", "folder for the packages (a journal in <dir>/.fno-sync makes reruns safe)")
      .addOption(integerOption("--concurrency <n>", "messages worked on at once", maxConcurrency).default(defaultConcurrency))
      .option("--extract", "also unzip each package into <dir>/<CorrelationId>/ (unsafe archives are refused)")
      .option("--json", "print a JSON summary at the end instead of progress"),
  ).action(async (flags: SyncFlags) => {
    requireOutputFolder(flags.out, "--out");
    const client = await createClient(resolveConnection(flags));
    const progress = syncProgress(process.stderr, flags.json ? "quiet" : process.stderr.isTTY ? "tty" : "lines");
    const summary = await syncExports({
      client,
      activityId: flags.activity,
      outDir: flags.out,
      concurrency: flags.concurrency,
      extract: flags.extract ?? false,
      onEvent: progress.onEvent,
    });
    progress.done();
    if (flags.json) process.stdout.write(JSON.stringify(summary) + "\n");
    else {
      process.stdout.write(
        `${summary.stored} stored, ${summary.duplicates} already stored, ${summary.acknowledged} acknowledged, ` +
          `${summary.problems.length} problem(s), ${formatBytes(summary.bytes)} in ${summary.seconds.toFixed(1)} s → ${summary.outDir}\n`,
      );
    }
    for (const { correlationId, keptAs } of summary.replaced) {
      process.stderr.write(`fno-connector: the file under ${correlationId}'s package name did not hold that package; it was kept as ${keptAs}\n`);
    }
    const notExtracted = summary.problems.filter((p) => p.stage === "extract").length;
    const reasons = [
      ...(summary.unfinished > 0
        ? [`${summary.unfinished} message(s) were not completed and stay in the queue (they return after the visibility timeout); rerun sync later`]
        : []),
      ...(notExtracted > 0 ? [`${notExtracted} package(s) were stored and acknowledged but not extracted (see the problems above)`] : []),
    ];
    if (reasons.length > 0) throw new CliError(reasons.join("; "), ExitCode.failed);
  });
}
