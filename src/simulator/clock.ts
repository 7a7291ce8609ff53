import { setTimeout as realTimer } from "node:timers/promises";

/**
 * The simulator's notion of "now". Visibility timeouts, token expiry, import progress, the throttle's
 * token bucket and Retry-After windows are all computed from it on demand (no timers), so a test can
 * freeze time and move it forward instead of waiting 30 minutes for a redelivery.
 */
export interface ClockOptions {
  /** When true, time stands still except through `advance`. Default false: wall-clock time plus the offset. */
  frozen?: boolean;
  /** The simulated time at start, as epoch milliseconds. Default: the real time. */
  start?: number;
}

/** The last moment the clock can reach: 9999-12-31T23:59:59.999Z, the end of four-digit ISO years. */
export const maxSimulatedTime = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export class SimulatedClock {
  readonly frozen: boolean;
  #base: number;
  #offset = 0;

  constructor(options: ClockOptions = {}) {
    this.frozen = options.frozen ?? false;
    const start = options.start ?? Date.now();
    // A frozen clock keeps its start as the base; a running one keeps the distance from real time.
    this.#base = this.frozen ? start : start - Date.now();
  }

  now(): number {
    return this.frozen ? this.#base + this.#offset : Date.now() + this.#base + this.#offset;
  }

  /**
   * Moves simulated time forward; moving it back would let expired tokens and delivered messages revive.
   * Refused, with the clock unchanged, past `maxSimulatedTime`: beyond it times cannot be shown or compared
   * exactly, and since the clock never goes back, that state could not be left.
   */
  advance(milliseconds: number): number {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(`clock can only move forward by a finite number of milliseconds, got ${milliseconds}`);
    }
    const latest = maxSimulatedTime - this.now();
    if (milliseconds > latest) {
      throw new RangeError(`clock can move forward by at most ${latest} ms more (to ${new Date(maxSimulatedTime).toISOString()}), got ${milliseconds}`);
    }
    this.#offset += milliseconds;
    return this.now();
  }

  /**
   * Waits `milliseconds` (injected latency). In real time, frozen or not: nothing else would move a frozen
   * clock. A test's virtual clock overrides it to wait on its own timers (test/support/virtual-clock.ts).
   */
  sleep(milliseconds: number): Promise<void> {
    return realTimer(milliseconds);
  }
}
