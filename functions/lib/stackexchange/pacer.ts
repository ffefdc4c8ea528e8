import { CallNotAttemptedError, ErrorCategory } from '../errors';
import type { ApiMethod } from './api-method';

export type PauseCause = 'backoff' | 'throttled' | 'configuration' | 'circuit_open';

interface Pause {
  readonly until: number;
  readonly cause: PauseCause;
}

const CATEGORY_BY_CAUSE: Readonly<Record<PauseCause, ErrorCategory>> = {
  backoff: ErrorCategory.Throttled,
  throttled: ErrorCategory.Throttled,
  configuration: ErrorCategory.Configuration,
  circuit_open: ErrorCategory.Transient,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Decides when the next request may go out: a request-rate budget (evenly spaced slots, so no burst
 * ever exceeds it) and per-method pauses (the API's `backoff`, throttle bans, configuration errors,
 * an open circuit). A request is never started if it would have to wait past the caller's deadline.
 */
export class Pacer {
  readonly #intervalMs: number;
  readonly #pauses = new Map<ApiMethod, Pause>();
  readonly #now: () => number;
  #nextSlot = 0;

  constructor(requestsPerSecond: number, now: () => number = Date.now) {
    if (!(requestsPerSecond > 0))
      throw new RangeError(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
    this.#intervalMs = 1000 / requestsPerSecond;
    this.#now = now;
  }

  /** Pauses a method until `until` (epoch ms). A longer pause already in force is kept. */
  pause(method: ApiMethod, until: number, cause: PauseCause): void {
    const current = this.#pauses.get(method);
    if (current === undefined || current.until < until) this.#pauses.set(method, { until, cause });
  }

  /** The pause in force for a method, if any. */
  pausedUntil(method: ApiMethod): { until: number; cause: PauseCause } | undefined {
    const pause = this.#pauses.get(method);
    if (pause === undefined || pause.until <= this.#now()) return undefined;
    return pause;
  }

  /**
   * Waits for the method's pause to end and for a rate slot, then returns. Throws
   * CallNotAttemptedError (and reserves nothing) if that would end after `deadline` minus `minimumMs`.
   */
  async acquire(method: ApiMethod, deadline: number, minimumMs = 0): Promise<void> {
    for (;;) {
      const now = this.#now();
      const pause = this.pausedUntil(method);
      if (pause !== undefined) {
        if (pause.until + minimumMs > deadline) {
          throw new CallNotAttemptedError({
            method,
            blockedBy: pause.cause,
            retryAt: pause.until,
            category: CATEGORY_BY_CAUSE[pause.cause],
          });
        }
        await sleep(pause.until - now);
        continue;
      }
      const slot = Math.max(now, this.#nextSlot);
      if (slot + minimumMs > deadline) {
        throw new CallNotAttemptedError({ method, blockedBy: 'deadline', category: ErrorCategory.Transient });
      }
      this.#nextSlot = slot + this.#intervalMs;
      // Timers have a 1 ms granularity: a slot less than 1 ms away is taken now rather than after a timer.
      if (slot - now >= 1) await sleep(slot - now);
      // A pause may have started while this request waited for its slot: check again.
      if (this.pausedUntil(method) === undefined) return;
    }
  }
}

/** Full-jitter exponential backoff: a random delay in [0, min(cap, base * 2^attempt)). */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
) {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
