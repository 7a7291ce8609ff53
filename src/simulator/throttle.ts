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
 * `Retry-After` in seconds (docs/platform-assumptions.md, "F&O API behaviour"); a bucket gives the same
 * signal, predictably.
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
 *
 * A request that arrives on another connection within `inFlightGraceMs` of the announcement may have
 * left the client before the client could read it; it is counted apart as in flight, not as early. A
 * request on the connection that carried the announcement was sent after the client read it (HTTP/1.1
 * sends one request at a time per connection), so it is early however soon it comes.
 */
export type Punctuality = "on-time" | "early" | "in-flight";

export const inFlightGraceMs = 100;

export class RetryAfterLedger {
  readonly #announced = new Map<string, { notBefore: number; at: number; connection: object }>();

  announce(client: string, notBefore: number, now: number, connection: object): void {
    const previous = this.#announced.get(client);
    this.#announced.set(client, { notBefore: Math.max(notBefore, previous?.notBefore ?? 0), at: now, connection });
  }

  check(client: string, now: number, connection: object): Punctuality {
    const announced = this.#announced.get(client);
    if (!announced || now >= announced.notBefore) return "on-time";
    if (connection !== announced.connection && now - announced.at < inFlightGraceMs) return "in-flight";
    return "early";
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
