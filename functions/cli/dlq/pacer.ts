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
 * Paces sends to at most `ratePerSecond` messages a second: the k-th message (from 0) is not sent before
 * `k / ratePerSecond` seconds after the first, and a batch waits for the slot of its first message, so a
 * batch holds at most `batchSize` (ratePerSecond rounded down, 1 to 10) messages. Without a rate it
 * never waits and batches hold 10.
 */
export class Pacer {
  readonly #intervalMs: number | undefined;
  readonly #clock: Clock;
  #start: number | undefined;
  #sent = 0;
  /** The most messages one send may carry. */
  readonly batchSize: number;

  constructor(ratePerSecond: number | undefined, clock: Clock = systemClock) {
    this.#intervalMs = ratePerSecond === undefined ? undefined : 1000 / ratePerSecond;
    this.#clock = clock;
    this.batchSize = ratePerSecond === undefined ? 10 : Math.min(10, Math.max(1, Math.floor(ratePerSecond)));
  }

  /** Waits until `count` more messages (at most batchSize) may be sent, and counts them as sent. */
  async take(count: number): Promise<void> {
    if (this.#intervalMs === undefined || count <= 0) return;
    this.#start ??= this.#clock.now();
    const slot = this.#start + this.#sent * this.#intervalMs;
    const wait = slot - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait);
    this.#sent += count;
  }
}
