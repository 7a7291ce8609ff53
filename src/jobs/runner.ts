/**
 * The unattended job runner: runs the jobs of a jobs file on their cron schedules (or each once), each against
 * its environment, with its state in one durable file per job. What it guarantees:
 * - a job never overlaps itself: a due time that finds the previous run still going is skipped and counted
 *   (Quartz's DisallowConcurrentExecution), and a per-job lock keeps a second process from running it too;
 * - different jobs run at once, at most `maxConcurrentJobs`;
 * - a failed run never stops or pauses a job (the RIS complaint): it is recorded and the next due time runs;
 * - a job that cannot run (its entry in the file wrong, its secret unset, its folder unreadable, its state file
 *   damaged) is reported and the other jobs go on; a job whose entry is wrong is reported at the start and never
 *   started, so nothing of it is touched; a folder that cannot be used is warned of at the start too, but the job
 *   still runs (the folder may be mounted by a later run, whose kind checks it again);
 * - a stop (SIGTERM, SIGINT) stops scheduling, aborts the running jobs' signal and waits, bounded, for them.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { FnoClient, RetryEvent } from "../client/index.ts";
import { FolderLock } from "../workflows/folder-lock.ts";
import { readClientSecret, unrunnableError, type EnvironmentConfig, type JobConfig, type JobsConfig, type LogLevel, type UnrunnableJob } from "./config.ts";
import { folderProblem } from "./folders.ts";
import type { JobContext, JobLogEvent } from "./kind.ts";
import { systemClock, sleepUntil, type Clock } from "./schedule.ts";
import { jobDir, JobStateFile, readStateFile, stateFileName, type RunnerRecord, type RunResult, type RunSummary, type Trigger } from "./state.ts";

/** An environment with its secret read, as the host signs in to it. */
export interface ResolvedEnvironment {
  name: string;
  url: string;
  tenant: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string | undefined;
}

/** What the runner takes from the program around it (the CLI, a test): signing in and removing credentials from text. */
export interface JobsHost {
  /** A client signed in to the environment, whose transport retries transient failures, 429s and expired tokens. */
  connect(environment: ResolvedEnvironment, onRetry: (event: RetryEvent) => void): Promise<FnoClient>;
  /** `text` without credentials, the given secret values among them. */
  redact(text: string, secrets: readonly string[]): string;
}

/** One log line: the runner's and the kinds' events, with the job and environment they concern. Never holds a secret. */
export interface RunnerLogLine {
  time: string;
  level: LogLevel;
  message: string;
  job?: string;
  environment?: string;
  [field: string]: unknown;
}

export interface RunJobsOptions {
  config: JobsConfig;
  host: JobsHost;
  /** Run each selected job once, now, and return; otherwise run them on their schedules until `signal` aborts. */
  once?: boolean;
  /** The names of the jobs to run (an unrunnable one is reported as not started); default: all. */
  jobs?: readonly string[];
  /** Aborted to stop: scheduling stops, the running jobs' signal aborts, and the runner waits (bounded) for them. */
  signal?: AbortSignal;
  log(line: RunnerLogLine): void;
  clock?: Clock;
  /** Where `{ env: VARIABLE }` secrets are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What became of one due run. */
export interface RunOutcome {
  job: string;
  result: RunResult | "not started";
  /** Why it failed or did not start. */
  error?: string;
  summary?: RunSummary;
}

export interface RunJobsResult {
  outcomes: RunOutcome[];
  /** Jobs still running when the shutdown grace ran out: their state holds their last completed step. */
  abandoned: string[];
  /** Due times skipped because the job's previous run was still going. */
  skipped: number;
  /**
   * once: 0 when every run did all its work, 1 otherwise. Scheduled: 0 after a clean stop, 1 when a run was
   * abandoned or a selected job was unrunnable.
   */
  exitCode: 0 | 1;
}

/** Runs the jobs (see the module comment); resolves after `once` runs end, or after a stop. */
export async function runJobs(options: RunJobsOptions): Promise<RunJobsResult> {
  const runner = new Runner(options);
  return options.once ? runner.runOnce() : runner.runScheduled();
}

class Runner {
  readonly #config: JobsConfig;
  readonly #host: JobsHost;
  readonly #clock: Clock;
  readonly #env: NodeJS.ProcessEnv;
  readonly #stop: AbortSignal;
  readonly #write: (line: RunnerLogLine) => void;
  readonly #jobs: JobConfig[];
  /** Selected jobs whose entries are wrong: reported at the start, never run. */
  readonly #unrunnable: UnrunnableJob[];
  readonly #slots: Slots;
  /** Secret values read so far: removed from every log line. */
  readonly #secrets = new Set<string>();
  readonly #clients = new Map<string, { secret: string; client: Promise<FnoClient> }>();
  /** Runs going on (or waiting for a slot), by job name. */
  readonly #active = new Map<string, Promise<RunOutcome>>();
  /** Skips not yet written to the job's record (only a run holding the job's lock writes it). */
  readonly #unrecordedSkips = new Map<string, number>();
  readonly #outcomes: RunOutcome[] = [];
  #skipped = 0;

  constructor(options: RunJobsOptions) {
    this.#config = options.config;
    this.#host = options.host;
    this.#clock = options.clock ?? systemClock;
    this.#env = options.env ?? process.env;
    this.#stop = options.signal ?? new AbortController().signal;
    this.#write = options.log;
    this.#slots = new Slots(this.#config.maxConcurrentJobs);
    const names = [...this.#config.jobs, ...this.#config.unrunnable].map((j) => j.name);
    const selected = options.jobs ?? names;
    const unknown = selected.find((name) => !names.includes(name));
    if (unknown !== undefined) throw new Error(`no job '${unknown}' in ${this.#config.file}; the jobs are: ${names.join(", ")}`);
    this.#jobs = this.#config.jobs.filter((j) => selected.includes(j.name));
    this.#unrunnable = this.#config.unrunnable.filter((j) => selected.includes(j.name));
  }

  async runOnce(): Promise<RunJobsResult> {
    this.#reportUnrunnable();
    const runs = Promise.all(
      this.#jobs.map(async (job) => {
        await this.#warnOfFolder(job);
        return this.#start(job, "once");
      }),
    );
    await Promise.race([runs, aborted(this.#stop)]);
    const abandoned = await this.#drain();
    const failed = abandoned.length > 0 || this.#outcomes.some((o) => o.result !== "ok");
    return this.#result(failed ? 1 : 0, abandoned);
  }

  async runScheduled(): Promise<RunJobsResult> {
    this.#log("info", `runner started: ${this.#jobs.length} job(s), state in ${this.#config.stateDir}`, { pid: process.pid });
    this.#reportUnrunnable();
    await Promise.all(this.#jobs.map((job) => this.#schedule(job)));
    const abandoned = await this.#drain();
    this.#log("info", abandoned.length === 0 ? "runner stopped" : `runner stopped, abandoning ${abandoned.join(", ")}`);
    return this.#result(abandoned.length === 0 && this.#unrunnable.length === 0 ? 0 : 1, abandoned);
  }

  /** Each selected job whose entry is wrong: an error line naming file, line and key, and its outcome "not started". */
  #reportUnrunnable(): void {
    for (const job of this.#unrunnable) {
      const error = unrunnableError(this.#config.file, job).message;
      this.#log("error", error, { job: job.name, ...(job.written.environment !== undefined ? { environment: job.written.environment } : {}) });
      this.#outcomes.push({ job: job.name, result: "not started", error });
    }
  }

  /**
   * A job's folder that cannot be used now, said before its first run with where the file sets it. Only a warning:
   * the job runs, its run fails and the next due time tries again, as without this check (a share may be mounted
   * later). Each job waits for its own check only, so a folder on a share that hangs holds up no other job.
   */
  async #warnOfFolder(job: JobConfig): Promise<void> {
    const problem = await folderProblem(job);
    if (problem !== undefined) this.#log("warn", `${problem}; the job still runs, and each run tries the folder again`, { job: job.name, environment: job.environment.name });
  }

  #result(exitCode: 0 | 1, abandoned: string[]): RunJobsResult {
    return { outcomes: this.#outcomes, abandoned, skipped: this.#skipped, exitCode };
  }

  /** One job's due times until the stop: a due time that finds the last run still going is skipped. */
  async #schedule(job: JobConfig): Promise<void> {
    await this.#warnOfFolder(job);
    const missed = await this.#missedRun(job);
    let due = missed ? this.#clock.now() : job.schedule.nextAfter(this.#clock.now());
    let trigger: Trigger = missed ? "missed" : "schedule";
    this.#log("info", missed ? "a run was missed while the runner was not running: running now" : `next run ${iso(due)}`, { job: job.name });
    while (due !== undefined && !this.#stop.aborted) {
      try {
        await sleepUntil(this.#clock, due, this.#stop);
      } catch {
        return; // stopped
      }
      if (this.#active.has(job.name)) {
        this.#skipped++;
        this.#unrecordedSkips.set(job.name, (this.#unrecordedSkips.get(job.name) ?? 0) + 1);
        this.#log("warn", `run due ${iso(due)} skipped: the previous run is still going`, { job: job.name, environment: job.environment.name });
      } else {
        void this.#start(job, trigger);
      }
      trigger = "schedule";
      due = job.schedule.nextAfter(Math.max(due, this.#clock.now()));
    }
  }

  /** True when a due time passed since the job's last run started (the runner was down then). A job that never ran waits for its first due time. */
  async #missedRun(job: JobConfig): Promise<boolean> {
    try {
      const content = await readStateFile(path.join(jobDir(this.#config.stateDir, job.name), stateFileName), job.name);
      const lastStart = content?.runner.current?.startedAt ?? content?.runner.lastRun?.startedAt;
      if (lastStart === undefined) return false;
      const due = job.schedule.nextAfter(Date.parse(lastStart));
      return due !== undefined && due <= this.#clock.now();
    } catch {
      return false; // a damaged state file is reported when the job is due
    }
  }

  /** Starts a run of `job` and records it as active until it ends. */
  #start(job: JobConfig, trigger: Trigger): Promise<RunOutcome> {
    const run = this.#run(job, trigger)
      // A failure outside the kind's run (the state file cannot be written): that run's outcome, never an unhandled rejection.
      .catch((err: unknown): RunOutcome => {
        const error = this.#redact(err instanceof Error ? err.message : String(err));
        this.#log("error", `run failed: ${error}`, { job: job.name, environment: job.environment.name });
        return { job: job.name, result: "failed", error };
      })
      .then((outcome) => {
        this.#outcomes.push(outcome);
        return outcome;
      });
    this.#active.set(job.name, run);
    void run.finally(() => this.#active.delete(job.name));
    return run;
  }

  async #run(job: JobConfig, trigger: Trigger): Promise<RunOutcome> {
    const at = { job: job.name, environment: job.environment.name };
    let releaseSlot: () => void;
    try {
      releaseSlot = await this.#slots.acquire(this.#stop);
    } catch {
      return { job: job.name, result: "not started", error: "stopped before a slot was free" };
    }
    try {
      const dir = jobDir(this.#config.stateDir, job.name);
      let lock: FolderLock;
      try {
        await mkdir(dir, { recursive: true });
        lock = await FolderLock.acquire(dir, { what: `job '${job.name}'`, holder: "another runner" });
      } catch (err) {
        const error = `not started: ${this.#redact((err as Error).message)}`;
        this.#log("warn", error, at);
        return { job: job.name, result: "not started", error };
      }
      try {
        return await this.#runLocked(job, trigger, dir);
      } finally {
        lock.release();
      }
    } finally {
      releaseSlot();
    }
  }

  /** A run under the job's lock: its state file read afresh (another process may have run the job), the run recorded. */
  async #runLocked(job: JobConfig, trigger: Trigger, dir: string): Promise<RunOutcome> {
    const at = { job: job.name, environment: job.environment.name };
    let state: JobStateFile<unknown>;
    try {
      state = await JobStateFile.open(dir, job.name, job.kind.kind, () => job.kind.initialState());
    } catch (err) {
      const error = this.#redact((err as Error).message);
      this.#log("error", `not started: ${error}`, at);
      return { job: job.name, result: "not started", error };
    }
    const startedAt = iso(this.#clock.now());
    const skips = this.#unrecordedSkips.get(job.name) ?? 0;
    this.#unrecordedSkips.delete(job.name);
    await state.updateRecord({ ...closeInterrupted(state.record, startedAt), skipped: state.record.skipped + skips, current: { trigger, startedAt, pid: process.pid } });
    this.#log("info", `run started (${trigger})`, { ...at, kind: job.kind.kind });

    let summary: RunSummary;
    try {
      const client = await this.#client(job.environment);
      const context: JobContext<unknown> = {
        job: job.name,
        environment: job.environment.name,
        client,
        state,
        signal: this.#stop,
        log: (event) => this.#kindLog(job, event),
        now: () => this.#clock.now(),
      };
      const outcome = await job.kind.run(context, job.settings);
      const unfinished = outcome.unfinished ?? 0;
      summary = { trigger, startedAt, endedAt: iso(this.#clock.now()), result: unfinished > 0 ? "unfinished" : "ok", counts: outcome.counts, unfinished };
    } catch (err) {
      const error = this.#redact(err instanceof Error ? err.message : String(err));
      summary = { trigger, startedAt, endedAt: iso(this.#clock.now()), result: "failed", counts: {}, unfinished: 0, error };
    }
    const nextRun = job.schedule.nextAfter(this.#clock.now());
    const { current: _ended, ...record } = state.record;
    const failed = summary.result === "failed";
    try {
      await state.updateRecord({
        ...record,
        runs: record.runs + 1,
        failuresInARow: failed ? record.failuresInARow + 1 : 0,
        lastRun: summary,
        ...(failed ? { lastError: { at: summary.endedAt, message: summary.error! } } : {}),
        ...(nextRun !== undefined ? { nextRun: iso(nextRun) } : {}),
      });
    } catch (err) {
      this.#log("error", `the run's record could not be written to ${state.file}: ${this.#redact((err as Error).message)}`, at);
    }
    const message =
      summary.result === "failed" ? `run failed: ${summary.error}; the next run is ${nextRun === undefined ? "never (the schedule has ended)" : iso(nextRun)}`
      : summary.result === "unfinished" ? `run ended with ${summary.unfinished} item(s) left for the next run`
      : "run ended";
    this.#log(failed ? "error" : summary.result === "unfinished" ? "warn" : "info", message, { ...at, counts: summary.counts, ...(summary.unfinished > 0 ? { unfinished: summary.unfinished } : {}) });
    return { job: job.name, result: summary.result, summary, ...(summary.error !== undefined ? { error: summary.error } : {}) };
  }

  /** The environment's client, made once per secret value: jobs on one environment share its token and its pacing. */
  async #client(environment: EnvironmentConfig): Promise<FnoClient> {
    const secret = readClientSecret(environment, this.#env);
    this.#secrets.add(secret);
    const cached = this.#clients.get(environment.name);
    if (cached?.secret === secret) return cached.client;
    const client = this.#host.connect(
      { name: environment.name, url: environment.url, tenant: environment.tenant, clientId: environment.clientId, clientSecret: secret, authorityHost: environment.authorityHost },
      (event) => this.#log("info", `retrying ${event.operation} in ${event.delayMs} ms (attempt ${event.attempt}): ${event.reason}`, { environment: environment.name }),
    );
    this.#clients.set(environment.name, { secret, client });
    client.catch(() => this.#clients.delete(environment.name));
    return client;
  }

  /** Waits for the running jobs: after a stop at most the shutdown grace; returns those still running then. */
  async #drain(): Promise<string[]> {
    if (!this.#stop.aborted) await Promise.allSettled(this.#active.values());
    if (this.#active.size === 0) return [];
    const graceMs = this.#config.shutdownGraceSeconds * 1000;
    this.#log("info", `stopping: waiting up to ${this.#config.shutdownGraceSeconds} s for ${[...this.#active.keys()].join(", ")}`);
    const timer = new AbortController();
    await Promise.race([Promise.allSettled(this.#active.values()), this.#clock.sleep(graceMs, timer.signal).catch(() => undefined)]);
    timer.abort();
    return [...this.#active.keys()];
  }

  #kindLog(job: JobConfig, event: JobLogEvent): void {
    const { level, message, ...fields } = event;
    this.#log(level, message, { ...fields, job: job.name, environment: job.environment.name });
  }

  #log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    const line: RunnerLogLine = { time: iso(this.#clock.now()), level, message, ...fields };
    this.#write(redactValues(line, (text) => this.#redact(text)) as RunnerLogLine);
  }

  #redact(text: string): string {
    return this.#host.redact(text, [...this.#secrets]);
  }
}

/** A record whose last run was cut off (the process running it died) closed as interrupted. */
function closeInterrupted(record: RunnerRecord, now: string): RunnerRecord {
  if (!record.current) return record;
  const { current, ...rest } = record;
  const error = `the process running it (${current.pid}) stopped before the run ended`;
  return {
    ...rest,
    runs: rest.runs + 1,
    failuresInARow: rest.failuresInARow + 1,
    lastRun: { trigger: current.trigger, startedAt: current.startedAt, endedAt: now, result: "interrupted", counts: {}, unfinished: 0, error },
    lastError: { at: now, message: error },
  };
}

/** Every string in a log line's values passed through `redact`. */
function redactValues(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValues(v, redact));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v, redact)]));
  return value;
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function iso(time: number | undefined): string {
  return time === undefined ? "never" : new Date(time).toISOString();
}

/** At most `size` holders at once; the others wait in order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves with the release function once a slot is free; rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    const release = () => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(release);
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(grant), 1);
        reject(signal.reason);
      };
      this.#waiting.push(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
