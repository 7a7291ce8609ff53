import type { Command } from "commander";
import { loadJobsConfig } from "../../jobs/config.ts";
import { jobStatuses, type JobStatus } from "../../jobs/status.ts";
import { CliError, ExitCode } from "../errors.ts";

interface JobsFlags {
  config: string;
  json?: boolean;
}

export function registerJobs(program: Command): void {
  program
    .command("jobs")
    .description("Show each job of a jobs file: kind, environment, schedule, last run (time, result, counts), next run, last error")
    .requiredOption("--config <file>", "the jobs file")
    .option("--json", "print the statuses as one JSON array")
    .action(async (flags: JobsFlags) => {
      const config = loadJobsConfig(flags.config);
      const statuses = await jobStatuses(config, Date.now());
      process.stdout.write(flags.json ? JSON.stringify(statuses, null, 2) + "\n" : statuses.map(describe).join("\n"));
      const damaged = statuses.filter((s) => s.problem !== undefined);
      if (damaged.length > 0) throw new CliError(`${damaged.length} job state file(s) could not be read: ${damaged.map((s) => s.job).join(", ")}`, ExitCode.unreadable);
    });
}

function describe(s: JobStatus): string {
  const lines = [`${s.job}: ${s.kind} on ${s.environment}, schedule "${s.schedule}"${s.timezone !== undefined ? ` (${s.timezone})` : ""}`];
  if (s.problem !== undefined) lines.push(`  PROBLEM: ${s.problem}`);
  if (s.now === "running") lines.push(`  running since ${s.runningSince}`);
  if (s.now === "interrupted") lines.push(`  interrupted: the run started ${s.runningSince} was cut off (its process is gone); the next run records it and goes on`);
  if (s.lastRun) {
    const counts = Object.entries(s.lastRun.counts).map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push(`  last run: ${s.lastRun.startedAt} → ${s.lastRun.endedAt} ${s.lastRun.result}${counts ? ` (${counts})` : ""}${s.lastRun.unfinished > 0 ? `, ${s.lastRun.unfinished} left for the next run` : ""}`);
  } else if (s.problem === undefined) {
    lines.push("  last run: never");
  }
  lines.push(`  runs: ${s.runs}, failed in a row: ${s.failuresInARow}, skipped (still running when due): ${s.skipped}`);
  lines.push(`  next run: ${s.nextRun ?? "never (the schedule has ended)"}${s.missed ? " (a due time was missed: a runner started now runs it at once)" : ""}`);
  if (s.lastError) lines.push(`  last error: ${s.lastError.at}: ${s.lastError.message}`);
  return lines.join("\n") + "\n";
}
