import { SimulatedClock } from "../../src/simulator/index.ts";

interface Timer {
  at: number;
  /** Creation order: timers due at the same instant fire in the order they were set. */
  order: number;
  resolve: () => void;
}

/** libuv requests still running (file system work, closing handles, lookups): the process is not idle. */
const busyResource = /^FSReq|Req$|^GetAddrInfo|^WriteWrap$|^ShutdownWrap$/;

/** Event-loop turns without clock activity or running requests before the process counts as idle. */
const quietTurns = 3;

/**
 * One virtual clock for a test, shared by the client (its `now` and `sleep` options) and the simulator (its
 * `clock` option; this is a frozen SimulatedClock that also schedules timers). Time moves only through
 * `advance`, or, after `autoAdvance()`, by itself: whenever the process is idle (no clock use and no file
 * system or other libuv request for a few event-loop turns) it jumps to the next pending timer. So a
 * Retry-After, a pacing slot, a backoff or an injected latency costs no real time, and a request that is on
 * its way is never overtaken by the clock.
 */
export class VirtualClock extends SimulatedClock {
  #timers: Timer[] = [];
  #created = 0;
  /** Bumped by every use of the clock: the idle check's sign of life. */
  #activity = 0;
  #auto = false;
  #running = false;
  readonly #start: number;
  /** Every wait asked for, in order (a test can hold a client to its retry policy with it). */
  readonly slept: number[] = [];

  /** Starts at `start` (epoch ms). Default: the real time, so tokens stamped with Date.now() agree with it. */
  constructor(start = Date.now()) {
    super({ frozen: true, start });
    this.#start = start;
  }

  /** Virtual milliseconds passed since the clock was made. */
  elapsed(): number {
    return super.now() - this.#start;
  }

  override now(): number {
    this.#activity++;
    return super.now();
  }

  /** Resolves once the clock has moved `ms` on (at once for 0 or less); rejects with the signal's reason if it aborts first. */
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.#activity++;
    this.slept.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: super.now() + Math.max(0, ms),
        order: this.#created++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
      this.#fireDue();
      this.#kick();
    });
  }

  /** Moves time on and fires every timer that has come due. */
  override advance(milliseconds: number): number {
    const now = super.advance(milliseconds);
    this.#fireDue();
    return now;
  }

  /** Timers set and not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** From now on time moves by itself, to the next timer whenever the process is idle. Returns the function that stops it. */
  autoAdvance(): () => void {
    this.#auto = true;
    this.#kick();
    return () => {
      this.#auto = false;
    };
  }

  #fireDue(): void {
    const now = super.now();
    const due = this.#timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at || a.order - b.order);
    if (due.length === 0) return;
    this.#timers = this.#timers.filter((t) => t.at > now);
    this.#activity++;
    for (const timer of due) timer.resolve();
  }

  #kick(): void {
    if (!this.#auto || this.#running || this.#timers.length === 0) return;
    this.#running = true;
    void this.#run().finally(() => {
      this.#running = false;
      this.#kick();
    });
  }

  async #run(): Promise<void> {
    while (this.#auto && this.#timers.length > 0) {
      await this.#idle();
      const next = Math.min(...this.#timers.map((t) => t.at));
      if (!this.#auto || !Number.isFinite(next)) return;
      this.advance(Math.max(0, next - super.now()));
    }
  }

  /** Resolves once the clock has not been used, and no libuv request has been running, for `quietTurns` event-loop turns. */
  async #idle(): Promise<void> {
    for (let quiet = 0; quiet < quietTurns; ) {
      const seen = this.#activity;
      // A timer turn rather than setImmediate: the loop may then wait in its poll phase for I/O on its way, and does not spin.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const busy = process.getActiveResourcesInfo().some((name) => busyResource.test(name));
      quiet = seen === this.#activity && !busy ? quiet + 1 : 0;
    }
  }
}
