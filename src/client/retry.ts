/**
 * The one retry policy of the client: which answers and failures are retried, how often, for how long, and the
 * waits between attempts (Retry-After, else capped exponential backoff with jitter). The transport applies it;
 * nothing above the transport retries an HTTP status or a failed connection again.
 */

export interface RetryOptions {
  /** Attempts in all, the first one included, for one call (a download's resumes included). */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt (its wait included). */
  maxElapsedMs: number;
  /** First backoff ceiling; doubles each attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** "full": uniform in [0, ceiling]; "none": the ceiling itself (deterministic, for tests and tools). */
  jitter: "full" | "none";
  /** Answers in which the server refused the call: retried for every call, after Retry-After when it gives one. */
  refusedStatuses: readonly number[];
  /** Answers that may come after the call had an effect: retried only for calls that are safe to repeat. */
  transientStatuses: readonly number[];
  /**
   * Error codes meaning the connection was never established, so nothing reached the server: retried for every
   * call. Any other network failure (a reset, a closed socket) is retried only for calls that are safe to repeat.
   */
  notConnectedCodes: readonly string[];
  /** The wait on a 429 that gives no Retry-After. */
  retryAfterDefaultMs: number;
}

/** Microsoft's retry sample for F&O waits 30 s when a 429 carries no Retry-After (docs/platform-assumptions.md, "Errors and throttling"). */
export const retryAfterDefaultMs = 30_000;

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 6,
  maxElapsedMs: 5 * 60_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: "full",
  refusedStatuses: [429, 503],
  transientStatuses: [502, 504],
  notConnectedCodes: ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"],
  retryAfterDefaultMs,
};

/**
 * Attempts and time used by one call. A call that takes several requests (a download that resumes after its
 * body broke off) shares one budget, so the policy bounds the call, not each request.
 */
export class RetryBudget {
  readonly #options: RetryOptions;
  readonly #now: () => number;
  readonly started: number;
  /** Attempts started so far. */
  attempts = 0;

  constructor(options: RetryOptions, now: () => number) {
    this.#options = options;
    this.#now = now;
    this.started = now();
  }

  /** Counts one more attempt. */
  begin(): number {
    return ++this.attempts;
  }

  /** Whether another attempt may start after waiting `delayMs`. */
  allows(delayMs: number): boolean {
    return this.attempts < this.#options.maxAttempts && this.#now() + delayMs - this.started <= this.#options.maxElapsedMs;
  }

  /** The backoff before the next attempt. */
  backoff(random: () => number): number {
    return backoffDelay(this.attempts, this.#options, random);
  }
}

/**
 * Retry-After as milliseconds from `nowMs`: either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The wait before retry number `retry` (1 for the first retry): up to min(max, base·2^(retry-1)), jittered as configured. */
export function backoffDelay(retry: number, options: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs"> & Partial<Pick<RetryOptions, "jitter">>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return options.jitter === "none" ? ceiling : Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
