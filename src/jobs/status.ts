import path from "node:path";
import { FolderLock } from "../workflows/folder-lock.ts";
import { folderProblem } from "./folders.ts";
import { isUsableName, type JobsConfig, type UnrunnableJob } from "./config.ts";
import { jobDir, readStateFile, stateFileName, type RunnerRecord, type RunSummary } from "./state.ts";

/** One job as `fno-connector jobs` shows it, read from the configuration and the job's state file. */
export interface JobStatus {
  job: string;
  kind: string;
  environment: string;
  schedule: string;
  timezone?: string;
  stateFile: string;
  /** "running" when a live process holds the job's lock mid-run; "interrupted" when the run's process is gone. */
  now: "idle" | "running" | "interrupted" | "never run";
  runningSince?: string;
  lastRun?: RunSummary;
  lastError?: { at: string; message: string };
  runs: number;
  failuresInARow: number;
  skipped: number;
  /** The next due time from now; `missed` when a due time passed since the last run started (a runner runs it at its start). */
  nextRun?: string;
  missed: boolean;
  /** Why the state file could not be read (the job does not run until it is repaired or moved away). */
  problem?: string;
  /** Why its folder cannot be used now, with where the file sets it: a warning (the job runs, and each run tries again). */
  folderProblem?: string;
}

/**
 * A job whose entry in the file is wrong: what the entry says, why it does not run, and what its state file (named
 * by the job's name) says of its runs before, when it has one.
 */
export interface UnrunnableJobStatus {
  job: string;
  kind?: string;
  environment?: string;
  schedule?: string;
  timezone?: string;
  now: "not runnable";
  /** Each problem with its file, line and key. */
  configProblems: string[];
  /** Absent when the name cannot name a file (one of its problems): such a job has no state file. */
  stateFile?: string;
  lastRun?: RunSummary;
  lastError?: { at: string; message: string };
  runs?: number;
  /** Why its state file could not be read. */
  problem?: string;
}

/** Every job's status, the unrunnable ones last; reads state files only (no lock is taken, and nothing is written). */
export async function jobStatuses(config: JobsConfig, now: number): Promise<(JobStatus | UnrunnableJobStatus)[]> {
  const unrunnable = Promise.all(config.unrunnable.map((job) => unrunnableStatus(config, job)));
  const runnable = await Promise.all(
    config.jobs.map(async (job): Promise<JobStatus> => {
      const dir = jobDir(config.stateDir, job.name);
      const stateFile = path.join(dir, stateFileName);
      const folder = await folderProblem(job);
      const base = {
        job: job.name,
        kind: job.kind.kind,
        environment: job.environment.name,
        schedule: job.schedule.expression,
        ...(job.schedule.timezone !== undefined ? { timezone: job.schedule.timezone } : {}),
        stateFile,
        ...(folder !== undefined ? { folderProblem: folder } : {}),
      };
      const next = job.schedule.nextAfter(now);
      const nextRun = next !== undefined ? { nextRun: new Date(next).toISOString() } : {};
      let record: RunnerRecord | undefined;
      try {
        record = (await readStateFile(stateFile, job.name, job.kind.kind))?.runner;
      } catch (err) {
        return { ...base, now: "idle", runs: 0, failuresInARow: 0, skipped: 0, missed: false, ...nextRun, problem: (err as Error).message };
      }
      if (!record) return { ...base, now: "never run", runs: 0, failuresInARow: 0, skipped: 0, missed: false, ...nextRun };
      const lastStart = record.current?.startedAt ?? record.lastRun?.startedAt;
      const dueSinceLastStart = lastStart === undefined ? undefined : job.schedule.nextAfter(Date.parse(lastStart));
      // The job's lock, not the PID in the record: a PID is reused (a restarted container's runner is PID 1 again),
      // and the lock also knows when its process started.
      const running = record.current !== undefined && FolderLock.liveHolder(dir) !== undefined;
      return {
        ...base,
        now: record.current === undefined ? "idle" : running ? "running" : "interrupted",
        ...(record.current ? { runningSince: record.current.startedAt } : {}),
        ...(record.lastRun ? { lastRun: record.lastRun } : {}),
        ...(record.lastError ? { lastError: record.lastError } : {}),
        runs: record.runs,
        failuresInARow: record.failuresInARow,
        skipped: record.skipped,
        ...nextRun,
        missed: !running && dueSinceLastStart !== undefined && dueSinceLastStart <= now,
      };
    }),
  );
  return [...runnable, ...(await unrunnable)];
}

/**
 * An unrunnable job's entry and its runs before, from its state file as it is: read only (no lock, nothing made or
 * written), and of whatever kind it was (its kind may be what is now wrong).
 */
async function unrunnableStatus(config: JobsConfig, job: UnrunnableJob): Promise<UnrunnableJobStatus> {
  const status: UnrunnableJobStatus = { job: job.name, ...job.written, now: "not runnable", configProblems: job.problems };
  if (!isUsableName(job.name)) return status;
  const stateFile = path.join(jobDir(config.stateDir, job.name), stateFileName);
  let record: RunnerRecord | undefined;
  try {
    record = (await readStateFile(stateFile, job.name))?.runner;
  } catch (err) {
    return { ...status, stateFile, problem: (err as Error).message };
  }
  if (!record) return { ...status, stateFile };
  return {
    ...status,
    stateFile,
    runs: record.runs,
    ...(record.lastRun ? { lastRun: record.lastRun } : {}),
    ...(record.lastError ? { lastError: record.lastError } : {}),
  };
}
