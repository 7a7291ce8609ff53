import type { Command } from "commander";
import { loadJobsConfig } from "../../jobs/config.ts";
import type { RunSummary } from "../../jobs/state.ts";
import { jobStatuses, type JobStatus, type UnrunnableJobStatus } from "../../jobs/status.ts";
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
      const folderless = statuses.filter((s) => s.now !== "not runnable" && s.folderProblem !== undefined);
      if (folderless.length > 0) {
        // Not an exit code: such a job runs, and a folder on a share may be mounted by its next due time.
        process.stderr.write(`fno-connector: warning: ${folderless.length} job(s) have a folder that cannot be used now (they still run, and each run tries again): ${folderless.map((s) => s.job).join(", ")}\n`);
      }
      const damaged = statuses.filter((s) => s.problem !== undefined);
      const unrunnable = statuses.filter((s) => s.now === "not runnable");
      const reasons = [
        ...(damaged.length > 0 ? [`${damaged.length} job state file(s) could not be read: ${damaged.map((s) => s.job).join(", ")}`] : []),
        ...(unrunnable.length > 0 ? [`${unrunnable.length} job(s) cannot run, their entries in ${config.file} being wrong: ${unrunnable.map((s) => s.job).join(", ")}`] : []),
      ];
      // A state file that cannot be read is input that could not be read (2); a wrong entry, input that is wrong (1).
      if (reasons.length > 0) throw new CliError(reasons.join("; "), damaged.length > 0 ? ExitCode.unreadable : ExitCode.failed);
    });
}

function describe(s: JobStatus | UnrunnableJobStatus): string {
  if (s.now === "not runnable") {
    const what = [s.kind, s.environment && `on ${s.environment}`, s.schedule && `schedule "${s.schedule}"`].filter(Boolean).join(" ");
    const lines = [`${s.job}: ${what}`, "  NOT RUNNABLE (the other jobs run): its entry is wrong:", ...s.configProblems.map((p) => `    ${p}`)];
    if (s.problem !== undefined) lines.push(`  PROBLEM: ${s.problem}`);
    // What it did while its entry was right: shown only when it ran (a job that never ran has nothing to show).
    if (s.lastRun) lines.push(lastRunLine(s.lastRun));
    if (s.runs !== undefined && s.runs > 0) lines.push(`  runs: ${s.runs}`);
    if (s.lastError) lines.push(`  last error: ${s.lastError.at}: ${s.lastError.message}`);
    return lines.join("\n") + "\n";
  }
  const lines = [`${s.job}: ${s.kind} on ${s.environment}, schedule "${s.schedule}"${s.timezone !== undefined ? ` (${s.timezone})` : ""}`];
  if (s.problem !== undefined) lines.push(`  PROBLEM: ${s.problem}`);
  if (s.folderProblem !== undefined) lines.push(`  FOLDER: ${s.folderProblem}`);
  if (s.now === "running") lines.push(`  running since ${s.runningSince}`);
  if (s.now === "interrupted") lines.push(`  interrupted: the run started ${s.runningSince} was cut off (its process is gone); the next run records it and goes on`);
  if (s.lastRun) lines.push(lastRunLine(s.lastRun));
  else if (s.problem === undefined) lines.push("  last run: never");
  lines.push(`  runs: ${s.runs}, failed in a row: ${s.failuresInARow}, skipped (still running when due): ${s.skipped}`);
  lines.push(`  next run: ${s.nextRun ?? "never (the schedule has ended)"}${s.missed ? " (a due time was missed: a runner started now runs it at once)" : ""}`);
  if (s.lastError) lines.push(`  last error: ${s.lastError.at}: ${s.lastError.message}`);
  return lines.join("\n") + "\n";
}

function lastRunLine(run: RunSummary): string {
  const counts = Object.entries(run.counts).map(([k, v]) => `${k}=${v}`).join(" ");
  return `  last run: ${run.startedAt} → ${run.endedAt} ${run.result}${counts ? ` (${counts})` : ""}${run.unfinished > 0 ? `, ${run.unfinished} left for the next run` : ""}`;
}
