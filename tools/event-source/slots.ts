/**
 * The event source's concurrency cap: `limit` invocations at once. Pollers ask `whenFree` before they
 * read (no reads at the cap); a poller holding a batch waits in `acquire` for a slot of its own.
 * Waits end early (false) when `signal` aborts.
 */
export class Slots {
  readonly limit: number;
  #busy = 0;
  #peak = 0;
  readonly #listeners = new Set<() => void>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get busy(): number {
    return this.#busy;
  }

  /** Most invocations that ran at once. */
  get peak(): number {
    return this.#peak;
  }

  get full(): boolean {
    return this.#busy >= this.limit;
  }

  /** Resolves true once a slot is free, false when `signal` aborts first. */
  async whenFree(signal: AbortSignal): Promise<boolean> {
    while (this.full) if (!(await this.#released(signal))) return false;
    return true;
  }

  /** Takes a slot once one is free; false when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    // Check and take in the same turn: two waiters woken together never both take the last slot.
    while (this.full) if (!(await this.#released(signal))) return false;
    this.#busy += 1;
    this.#peak = Math.max(this.#peak, this.#busy);
    return true;
  }

  release(): void {
    this.#busy -= 1;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }

  /** Resolves true at the next release, false when `signal` aborts first. */
  #released(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onRelease = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        this.#listeners.delete(onRelease);
        resolve(false);
      };
      this.#listeners.add(onRelease);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
