import { randomUUID } from "node:crypto";
import { executionStatusPhase, FnoError, type ExecutionPhase, type FnoClient } from "../client/index.ts";
import { errorCodes, ToolError } from "../errors/index.ts";

/**
 * Executions of the data management package API and the polling they need: an execution's status, an exported
 * package's URL, an error-keys file's URL. Each poll is bounded by attempts and by time, and waits with backoff
 * between attempts, so a job that never finishes (or a URL that never comes) ends in a clear error, not a loop.
 */

export interface PollPolicy {
  /** First wait between two polls; doubles up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Polls in all, the first one included. */
  maxAttempts: number;
  /** No poll starts once this much time has passed since the first. */
  timeoutMs: number;
}

/**
 * RIS polls every DelayBetweenStatusCheck for at most 100 attempts, Microsoft's Logic App sample every 15 s for
 * up to 1 hour; here: 2 s doubling to 30 s, for up to 1 hour (about 130 polls).
 */
export const defaultPollPolicy: PollPolicy = { firstDelayMs: 2_000, maxDelayMs: 30_000, maxAttempts: 200, timeoutMs: 60 * 60_000 };

/** Where waits come from: the client's clock by default (FnoClient.clock), a virtual clock in tests. */
export interface PollClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A poll ran out of attempts or time; the work may still finish on the F&O side. */
export class PollGaveUpError extends ToolError {
  readonly last: string;
  constructor(message: string, last: string) {
    super(errorCodes.incomplete, message);
    this.name = "PollGaveUpError";
    this.last = last;
  }
}

export interface PollOptions {
  policy?: Partial<PollPolicy> | undefined;
  /** Default: the client's (FnoClient.clock), so a client on a virtual clock polls on it too. */
  clock?: PollClock | undefined;
  signal?: AbortSignal | undefined;
}

/** One poll's answer: done with a value, or not yet, with what was seen (for the error when polling gives up). */
export type PollAnswer<T> = { done: true; value: T } | { done: false; seen: string };

/**
 * Calls `poll` until it is done, waiting with backoff between calls. `what` names what is awaited ("export
 * DG-… to finish") and `then` says what the user can do when polling gives up.
 */
export async function pollUntil<T>(what: string, then: string, poll: () => Promise<PollAnswer<T>>, options: PollOptions & { clock: PollClock }): Promise<T> {
  const policy = { ...defaultPollPolicy, ...options.policy };
  const clock = options.clock;
  const started = clock.now();
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const answer = await poll();
    if (answer.done) return answer.value;
    const elapsed = clock.now() - started;
    if (attempt >= policy.maxAttempts || elapsed + delay > policy.timeoutMs) {
      const seconds = Math.round(elapsed / 1000);
      throw new PollGaveUpError(`gave up waiting for ${what} after ${attempt} polls in ${seconds} s (last answer: ${answer.seen}); ${then}`, answer.seen);
    }
    await clock.sleep(delay, options.signal);
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
}

/**
 * An execution ID chosen by the client, as RIS makes them (`<group>-<time>-<GUID>`): known before the call, so
 * after a call that may or may not have reached F&O the execution can be looked up instead of started twice.
 */
export function newExecutionId(definitionGroupId: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/\.\d+Z$/, "").replace(/:/g, "-").replace("T", "_");
  return `${definitionGroupId}-${stamp}-${randomUUID()}`;
}

/** A name safe as (part of) a file name on Windows and POSIX alike: reserved characters become `_`. */
export function fileSafe(name: string): string {
  const safe = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, "_").replace(/[. ]+$/, "");
  return safe === "" || safe.startsWith(".") ? `_${safe}` : safe;
}

/** An execution that ended in Failed, Canceled or Unknown: the work was not done. */
export class ExecutionFailedError extends ToolError {
  readonly executionId: string;
  readonly status: string;
  constructor(message: string, executionId: string, status: string) {
    super(errorCodes.incomplete, message);
    this.name = "ExecutionFailedError";
    this.executionId = executionId;
    this.status = status;
  }
}

export interface AwaitOptions extends PollOptions {
  clock: PollClock;
  onStatus?: ((status: string) => void) | undefined;
}

/** Polls GetExecutionSummaryStatus until the execution is final (anything but NotRun, Executing or an unrecognised value). */
export async function awaitExecution(client: FnoClient, executionId: string, what: string, options: AwaitOptions): Promise<{ status: string; phase: Exclude<ExecutionPhase, "running" | "unrecognised"> }> {
  const call = options.signal ? { signal: options.signal } : {};
  return pollUntil(
    `${what} to finish`,
    "it may still be running in F&O: check it with the execution ID on the Data management workspace",
    async () => {
      const status = await client.getExecutionSummaryStatus(executionId, call);
      options.onStatus?.(status);
      const phase = executionStatusPhase(status);
      return phase === "running" || phase === "unrecognised" ? { done: false, seen: status } : { done: true, value: { status, phase } };
    },
    options,
  );
}

/** The error for an execution that ended in failure, with F&O's execution errors and the summary page's link when they can be had. */
export async function executionFailure(client: FnoClient, executionId: string, what: string, status: string, call: { signal?: AbortSignal }): Promise<ExecutionFailedError> {
  const details: string[] = [];
  try {
    const { raw, errors } = await client.getExecutionErrors(executionId, call);
    const messages = (errors ?? []).map((e) => (e as { ErrorMessage?: unknown }).ErrorMessage).filter((m): m is string => typeof m === "string" && m !== "");
    if (messages.length > 0) details.push(`errors: ${messages.slice(0, 5).join("; ")}${messages.length > 5 ? ` (and ${messages.length - 5} more)` : ""}`);
    else if (raw.trim() !== "" && raw.trim() !== "[]") details.push(`errors: ${raw.slice(0, 500)}`);
  } catch (err) {
    details.push(`the execution errors could not be read (${(err as Error).message})`);
  }
  try {
    const page = await client.getExecutionSummaryPageUrl(executionId, call);
    if (page !== "") details.push(`summary: ${page}`);
  } catch {
    // The link is a convenience; the status and the errors already say what happened.
  }
  return new ExecutionFailedError(`${what} ended as ${status}${details.length > 0 ? `; ${details.join("; ")}` : ""}`, executionId, status);
}

/**
 * Starts an execution with an action that is never re-sent once it may have reached F&O (ImportFromPackage,
 * ExportToPackage: each runs a batch job), under an execution ID chosen before the call. When the answer is lost
 * (no response, 502, 504), that ID is looked up: if F&O knows it, the execution started and `executionId` is it;
 * if not, the error says the `what` did not start and that running the command again is safe. Otherwise
 * `executionId` is what the action answered.
 */
export async function startOnce(client: FnoClient, chosenId: string, what: "import" | "export", send: () => Promise<string>, call: { signal?: AbortSignal }): Promise<{ executionId: string; lookedUp: boolean }> {
  try {
    return { executionId: await send(), lookedUp: false };
  } catch (err) {
    if (!(err instanceof FnoError) || !answerLost(err)) throw err;
    if (await executionExists(client, chosenId, call)) return { executionId: chosenId, lookedUp: true };
    throw new ToolError(errorCodes.remote, `${err.message}; the environment has no execution ${chosenId}, so the ${what} did not start: running the command again is safe`, { cause: err });
  }
}

/**
 * Whether F&O knows an execution ID. For one it has no record of, GetExecutionSummaryStatus answers 500 ("Execution
 * details were not found", RIS issue #71) or Unknown; any other failure of the lookup itself is reported as it is.
 */
export async function executionExists(client: FnoClient, executionId: string, call: { signal?: AbortSignal }): Promise<boolean> {
  try {
    return (await client.getExecutionSummaryStatus(executionId, call)).trim().toLowerCase() !== "unknown";
  } catch (err) {
    if (err instanceof FnoError && err.status === 500) return false;
    throw err;
  }
}

/** A failure after which an action may or may not have reached F&O: no answer at all, or a gateway's 502/504. */
function answerLost(err: FnoError): boolean {
  return err.status === undefined || err.status === 502 || err.status === 504;
}
