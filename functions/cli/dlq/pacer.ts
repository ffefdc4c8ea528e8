/** Time as the pacer sees it: injectable, so that tests assert on the schedule without waiting. */
export interface Clock {
  /** Milliseconds since some fixed point. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Paces sends to at most `ratePerSecond` messages a second: a batch of n messages sent at t lets the
 * next one go at t + n / ratePerSecond seconds, never sooner, and time lost elsewhere (a slow receive)
 * is not made up by a burst. A batch holds at most `batchSize` messages (the rate rounded down, 1 to
 * 10). Without a rate it never waits and batches hold 10.
 */
export class Pacer {
  readonly #intervalMs: number | undefined;
  readonly #clock: Clock;
  #next: number | undefined;
  /** The most messages one send may carry. */
  readonly batchSize: number;

  constructor(ratePerSecond: number | undefined, clock: Clock = systemClock) {
    this.#intervalMs = ratePerSecond === undefined ? undefined : 1000 / ratePerSecond;
    this.#clock = clock;
    this.batchSize = ratePerSecond === undefined ? 10 : Math.min(10, Math.max(1, Math.floor(ratePerSecond)));
  }

  /** Waits until `count` more messages (at most batchSize) may be sent, and counts them as sent now. */
  async take(count: number): Promise<void> {
    if (this.#intervalMs === undefined || count <= 0) return;
    const wait = this.#next === undefined ? 0 : this.#next - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait);
    this.#next = Math.max(this.#clock.now(), this.#next ?? 0) + count * this.#intervalMs;
  }
}
