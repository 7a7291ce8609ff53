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
 * Which of those requests could not have known (in flight), decided in this order:
 * - received before the announcing answer was sent (by receipt number, whatever time its latency or token
 *   request took since): in flight;
 * - on the connection that carried the announcement: early, however soon it comes (HTTP/1.1 sends one request
 *   at a time per connection, so the client had read the answer);
 * - on another connection: in flight if it arrives within `graceMs` of the announcement on the simulator's
 *   clock. The server cannot see when another connection's request left the client; with a running clock the
 *   grace is 100 ms of real time (`inFlightGraceMs`). A clock that moves only when told (frozen, or a test's
 *   virtual clock) does not move while a request is on its way, so its grace is 0: only a request at the
 *   announcement's own instant is in flight.
 */
export type Punctuality = "on-time" | "early" | "in-flight";

export const inFlightGraceMs = 100;

/** One request as the ledger sees it: its receipt number (from `receive`), arrival time and connection. */
export interface Arrival {
  receipt: number;
  now: number;
  connection: object;
}

export class RetryAfterLedger {
  readonly #graceMs: number;
  readonly #announced = new Map<string, { notBefore: number; at: number; connection: object; receivedBefore: number }>();
  #received = 0;

  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Numbers a request as it arrives, before anything else is done with it. */
  receive(): number {
    return this.#received++;
  }

  announce(client: string, notBefore: number, now: number, connection: object): void {
    const previous = this.#announced.get(client);
    this.#announced.set(client, { notBefore: Math.max(notBefore, previous?.notBefore ?? 0), at: now, connection, receivedBefore: this.#received });
  }

  check(client: string, arrival: Arrival): Punctuality {
    const announced = this.#announced.get(client);
    if (!announced || arrival.now >= announced.notBefore) return "on-time";
    if (arrival.receipt < announced.receivedBefore) return "in-flight";
    if (arrival.connection !== announced.connection && arrival.now - announced.at <= this.#graceMs) return "in-flight";
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
