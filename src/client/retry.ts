/** Retry timing: Retry-After parsing and capped exponential backoff with full jitter. Pure functions. */

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** No retry starts once this much time has passed since the first attempt. */
  maxElapsedMs: number;
  /** First backoff ceiling; doubles each attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 6,
  maxElapsedMs: 5 * 60_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

/** F&O's own sample waits 30 s when a 429 carries no Retry-After (fno-api.md §4.3). */
export const retryAfterDefaultMs = 30_000;

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

/** The wait before retry number `retry` (1 for the first retry): uniform in [0, min(max, base·2^(retry-1))]. */
export function backoffDelay(retry: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
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
