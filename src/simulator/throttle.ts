import type { EndpointName } from "./endpoints.ts";

export interface ThrottleOptions {
  /** Sustained requests per second the bucket refills with. */
  ratePerSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  burst: number;
  /** Endpoints that draw from the bucket. Default: every F&O endpoint (not the token endpoint). */
  endpoints?: EndpointName[];
}

/**
 * A token bucket on the simulated clock. F&O's real throttling is resource-based and answers 429 with
 * `Retry-After` in seconds (fno-api.md §4.3); a bucket gives the same signal, predictably.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: ThrottleOptions, now: number) {
    this.#ratePerMs = options.ratePerSecond / 1000;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#updatedAt = now;
  }

  /** Takes a token: returns 0 when admitted, otherwise the milliseconds until a token will be there. */
  take(now: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#ratePerMs);
    this.#updatedAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.#ratePerMs;
  }
}

/**
 * Remembers, per client, until when the simulator asked it to wait, so requests arriving sooner can be
 * counted as "early". A client is keyed by what identifies it to the service (its client ID), not by
 * its connection: a well-behaved client holds back every request, not just the one that was refused.
 */
export class RetryAfterLedger {
  readonly #notBefore = new Map<string, number>();

  announce(client: string, notBefore: number): void {
    this.#notBefore.set(client, Math.max(notBefore, this.#notBefore.get(client) ?? 0));
  }

  isEarly(client: string, now: number): boolean {
    return now < (this.#notBefore.get(client) ?? 0);
  }
}

/**
 * The `Retry-After` value for a wait of `seconds`, and the instant it tells the client to wait for.
 * HTTP dates have whole-second resolution, so the date is rounded up: waiting until it is always enough.
 */
export function retryAfter(
  seconds: number,
  format: "seconds" | "http-date",
  now: number,
): { header: string; notBefore: number } {
  const whole = Math.max(0, Math.ceil(seconds));
  if (format === "seconds") return { header: String(whole), notBefore: now + whole * 1000 };
  const notBefore = Math.ceil((now + whole * 1000) / 1000) * 1000;
  return { header: new Date(notBefore).toUTCString(), notBefore };
}
