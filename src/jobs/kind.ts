import type { FnoClient } from "../client/index.ts";

/**
 * The contract between the job runner (schedule, environments, durable state, logs, shutdown) and the job
 * kinds (what one run of a download, upload, monitor, export-package or import-package job does). The runner
 * owns everything a kind must not care about; a kind owns its folders and its own state's shape.
 */

/** One structured log line; `run --log json` prints it as JSON, otherwise as text. Never holds a secret. */
export interface JobLogEvent {
  level: "info" | "warn" | "error";
  message: string;
  [field: string]: unknown;
}

/**
 * A job's state, kept in one durable file. `update` returns once the new state is on disk (written to a
 * temporary file, flushed, renamed over the old one, folder flushed), so after a crash the file holds either
 * the state before or after the update, never a mix.
 */
export interface DurableState<State> {
  get(): State;
  update(next: State): Promise<void>;
}

export interface JobContext<State> {
  /** The job's name in the configuration. */
  job: string;
  /** The name of the environment the job runs against. */
  environment: string;
  /** Signed in to that environment; its transport retries transient failures, 429s and expired tokens. */
  client: FnoClient;
  state: DurableState<State>;
  /** Aborted on SIGTERM or SIGINT: finish or safely abandon the current step, then return. */
  signal: AbortSignal;
  log(event: JobLogEvent): void;
  now(): number;
}

/** What one run did, for the status file and `jobs` output: counts by name, e.g. `{ uploaded: 3, failed: 1 }`. */
export interface JobOutcome {
  counts: Record<string, number>;
  /**
   * Items this run had to leave for a later one (a transient failure the transport gave up on, a step cut short
   * by the signal); 0 or absent when it did all it could. `run --once` exits 1 when any run leaves some. An item
   * F&O itself rejected (a file moved to error/) is done, not unfinished.
   */
  unfinished?: number;
}

export interface JobKind<Settings, State> {
  /** The value of `kind:` in jobs.yaml. */
  kind: string;
  /**
   * JSON Schema (draft-07, ajv) of the job's own keys, besides the runner's common ones (name, kind, environment,
   * schedule). A relative `folder` reaches `run` already resolved against the jobs file's folder.
   */
  settingsSchema: Record<string, unknown>;
  /**
   * How a run uses the job's `folder`, for the check `jobs` and `run`'s start make before any run: "inbox", files
   * are taken from it, so it must already be a folder this process can read and write; "output", files are stored
   * in it, so it is made when missing, and the nearest folder above it must be writable. Absent: no folder.
   */
  folderUse?: "inbox" | "output";
  /** The state of a job that has never run. */
  initialState(): State;
  /**
   * One run. Work a transient failure interrupts is left for the next run (it must not throw for a 429 or a
   * timeout the transport gave up on: record it, count it, and return); it throws only when the job cannot
   * run at all (its folder is unreadable), which the runner reports while the other jobs keep running.
   */
  run(context: JobContext<State>, settings: Settings): Promise<JobOutcome>;
}
