/**
 * Client-side pacing after throttling (additive increase, multiplicative decrease). Waiting out one
 * Retry-After is not enough under a sustained limit: a client that resumes at full speed is throttled
 * again at once, and every 429 stalls all its calls for a whole Retry-After. After the first 429 the
 * pacer spaces calls at slightly under the rate the server had been accepting, lowers that rate a little
 * on each further 429 and raises it slowly while none come, so the client settles just below the limit.
 */
export interface PacerOptions {
  /** Rate multiplier on a 429. */
  decrease: number;
  /** Requests per second added per second without a 429. */
  increasePerSecond: number;
  /** Window over which the accepted rate is measured at the first 429. */
  windowMs: number;
}

export const defaultPacerOptions: PacerOptions = { decrease: 0.9, increasePerSecond: 0.25, windowMs: 1000 };

export class Pacer {
  readonly #options: PacerOptions;
  /** Requests per second, or undefined while the server has not throttled this client. */
  #rate: number | undefined;
  #nextSlot = 0;
  #lastIncrease = 0;
  #lastDecrease = 0;
  /** Times of recent accepted responses (within windowMs), oldest first. */
  #accepted: number[] = [];

  constructor(options: Partial<PacerOptions> = {}) {
    this.#options = { ...defaultPacerOptions, ...options };
  }

  get rate(): number | undefined {
    return this.#rate;
  }

  /** Milliseconds the next call must wait for its slot, reserving that slot. */
  reserve(now: number): number {
    if (this.#rate === undefined) return 0;
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + 1000 / this.#rate;
    return slot - now;
  }

  accepted(now: number): void {
    this.#accepted.push(now);
    while (this.#accepted.length > 0 && this.#accepted[0]! < now - this.#options.windowMs) this.#accepted.shift();
    if (this.#rate !== undefined) {
      this.#rate += (this.#options.increasePerSecond * (now - this.#lastIncrease)) / 1000;
      this.#lastIncrease = now;
    }
  }

  /**
   * A 429 arrived for a request sent at `sentAt`. Requests already in flight when the rate was last lowered
   * get their 429s too; those do not lower it again.
   */
  throttled(now: number, sentAt: number): void {
    if (this.#rate === undefined) {
      const recent = this.#accepted.filter((t) => t >= now - this.#options.windowMs).length;
      this.#rate = Math.max(1, (recent * 1000) / this.#options.windowMs) * this.#options.decrease;
    } else if (sentAt >= this.#lastDecrease) {
      this.#rate = Math.max(0.5, this.#rate * this.#options.decrease);
    } else {
      return;
    }
    this.#lastDecrease = now;
    this.#lastIncrease = now;
  }
}
