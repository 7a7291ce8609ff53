import { Cron } from "croner";
import { sleep } from "../client/index.ts";

/** Time as the runner sees it: the system clock, or a virtual one in tests. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

/**
 * The longest single wait: the runner wakes at least this often and recomputes from `now()`, so a wall clock
 * that jumps (NTP, a suspended machine) or a due time beyond setTimeout's 24.8-day limit is still met.
 */
const longestNapMs = 60_000;

/** Waits until `clock.now()` reaches `at`; rejects with the signal's reason if it aborts first. */
export async function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  for (let left = at - clock.now(); left > 0; left = at - clock.now()) {
    await clock.sleep(Math.min(left, longestNapMs), signal);
  }
  signal.throwIfAborted();
}

/**
 * A job's cron schedule. croner parses the expression (five fields, or six with seconds first; `@hourly` and
 * the like) and computes due times, daylight-saving changes included; the runner keeps its own timers so that
 * time can be injected.
 */
export class Schedule {
  readonly expression: string;
  readonly timezone: string | undefined;
  readonly #cron: Cron;

  /** Throws an Error saying what is wrong with the expression, or that it never comes due. */
  constructor(expression: string, timezone?: string) {
    if (timezone !== undefined) {
      try {
        new Intl.DateTimeFormat("en", { timeZone: timezone });
      } catch {
        throw new Error(`'${timezone}' is not an IANA time zone (such as Europe/Amsterdam or UTC)`);
      }
    }
    try {
      // paused and without a function: croner sets no timer, it only computes due times.
      this.#cron = new Cron(expression, { paused: true, mode: "5-or-6-parts", ...(timezone ? { timezone } : {}) });
    } catch (err) {
      throw new Error(`'${expression}' is not a cron expression: ${(err as Error).message.replace(/^CronPattern: /, "")}`);
    }
    if (this.#cron.nextRun(new Date(0)) === null) throw new Error(`'${expression}' never comes due`);
    this.expression = expression;
    this.timezone = timezone;
  }

  /** The first due time strictly after `time` (epoch ms), or undefined when there is none (a pattern that ends). */
  nextAfter(time: number): number | undefined {
    return this.#cron.nextRun(new Date(time))?.getTime();
  }
}
