import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorCodes, ToolError } from "../errors/index.ts";
import { flushFolder } from "../workflows/durable.ts";
import type { DurableState } from "./kind.ts";

/** How a run came about. */
export type Trigger = "schedule" | "missed" | "once";

/** How a run ended: did all it could, left work for a later run, threw, or was cut off (a crash, a kill). */
export type RunResult = "ok" | "unfinished" | "failed" | "interrupted";

export interface RunSummary {
  trigger: Trigger;
  startedAt: string;
  endedAt: string;
  result: RunResult;
  counts: Record<string, number>;
  unfinished: number;
  error?: string;
}

/** The runner's own record of a job, kept in the job's state file beside the kind's state. */
export interface RunnerRecord {
  /** Runs that ended (interrupted ones included). */
  runs: number;
  /** Runs that failed in a row; 0 after a run that did not fail. */
  failuresInARow: number;
  /** Due times skipped because the job's previous run was still going. */
  skipped: number;
  /** The run going on now, or cut off by a crash when no process runs it any more. */
  current?: { trigger: Trigger; startedAt: string; pid: number };
  lastRun?: RunSummary;
  lastError?: { at: string; message: string };
  /** When the runner that last ran the job planned its next run. */
  nextRun?: string;
}

const stateFormat = 1;

interface StateFileContent {
  format: typeof stateFormat;
  job: string;
  kind: string;
  runner: RunnerRecord;
  state: unknown;
}

export const stateFileName = "state.json";

/** The folder of one job's files (its state file and its lock) in the state folder. */
export function jobDir(stateDir: string, job: string): string {
  return path.join(stateDir, job);
}

/** A state file that cannot be used: never reset silently, since the job would repeat or lose work. */
export class StateFileError extends ToolError {
  constructor(file: string, problem: string) {
    super(
      errorCodes.unreadable,
      `state file ${file} ${problem}; it was left as it is: the job does not run until it is repaired or moved away ` +
        "(moved away, the job starts afresh, as if it had never run)",
    );
    this.name = "StateFileError";
  }
}

/**
 * One job's durable state file: the kind's state and the runner's record, rewritten whole on every change (a
 * temporary file, flushed, renamed over the old one, the folder flushed), so after a crash it holds the
 * state before or after a change, never a mix. Writes go one at a time. Only a process holding the job's lock
 * opens it for writing, so no other process's change is lost.
 */
export class JobStateFile<State> implements DurableState<State> {
  readonly file: string;
  #content: StateFileContent;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, content: StateFileContent) {
    this.file = file;
    this.#content = content;
  }

  /** Opens (or starts) the state of `job`; a damaged file, or one of another job or kind, is a StateFileError. */
  static async open<State>(dir: string, job: string, kind: string, initialState: () => State): Promise<JobStateFile<State>> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, stateFileName);
    // A write cut short by a crash: the state file itself was not replaced and is whole.
    await rm(temporaryFile(file), { force: true });
    const content = (await readStateFile(file, job, kind)) ?? { format: stateFormat, job, kind, runner: emptyRecord(), state: initialState() };
    return new JobStateFile(file, content);
  }

  get(): State {
    return this.#content.state as State;
  }

  update(next: State): Promise<void> {
    return this.#write({ ...this.#content, state: next });
  }

  get record(): RunnerRecord {
    return this.#content.runner;
  }

  updateRecord(next: RunnerRecord): Promise<void> {
    return this.#write({ ...this.#content, runner: next });
  }

  /** Resolves once `content` is on disk; changes are written in the order they were made. */
  #write(content: StateFileContent): Promise<void> {
    this.#content = content;
    const text = JSON.stringify(content, null, 2) + "\n";
    const written = this.#writing.then(() => writeDurably(this.file, text));
    // The next write waits for this one, whether it worked or not; the caller sees this one's failure.
    this.#writing = written.catch(() => undefined);
    return written;
  }
}

function emptyRecord(): RunnerRecord {
  return { runs: 0, failuresInARow: 0, skipped: 0 };
}

function temporaryFile(file: string): string {
  return `${file}.tmp`;
}

async function writeDurably(file: string, text: string): Promise<void> {
  const temporary = temporaryFile(file);
  await writeFile(temporary, text, { flush: true });
  await rename(temporary, file);
  await flushFolder(path.dirname(file));
}

/** A job's state file as it is on disk, for status output: undefined when the job has never run. */
export async function readStateFile(file: string, job: string, kind?: string): Promise<StateFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError(file, `cannot be read: ${(err as Error).message}`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(file, `is damaged (not JSON: ${(err as Error).message})`);
  }
  const c = content as Partial<StateFileContent> | null;
  if (c === null || typeof c !== "object" || c.format !== stateFormat || typeof c.runner !== "object" || c.runner === null || !("state" in c)) {
    throw new StateFileError(file, `is damaged (not a job state file of format ${stateFormat})`);
  }
  if (c.job !== job) throw new StateFileError(file, `belongs to job '${String(c.job)}', not '${job}'`);
  if (kind !== undefined && c.kind !== kind) {
    throw new StateFileError(file, `holds the state of a '${String(c.kind)}' job, but job '${job}' is now of kind '${kind}'`);
  }
  return c as StateFileContent;
}
