import { secondsLeft } from './quota';
import type { ApiMethod } from './types';

/** What the rate limiter says about one request. */
export type ThrottleVerdict =
  | { readonly violation: false }
  | { readonly violation: true; readonly retryInSeconds: number };

const WINDOW_MS = 1000;

/** Arrival times of one client inside the rolling window: a queue with a moving head. */
class Window {
  #times: number[] = [];
  #head = 0;

  /** Drops arrivals older than the window, then counts the rest. */
  countSince(cutoff: number): number {
    while (this.#head < this.#times.length && (this.#times[this.#head] as number) <= cutoff) this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head;
  }

  add(at: number): void {
    this.#times.push(at);
  }
}

/**
 * The API's request-rate rule: more than `maxPerSecond` requests in a rolling second from one address
 * is a violation and bans the address for `banMs`; every request during the ban is a violation too.
 * Requests refused during a ban do not count towards the window; the window starts empty after a ban.
 */
export class RateLimiter {
  readonly #maxPerSecond: number;
  readonly #banMs: number;
  readonly #windows = new Map<string, Window>();
  readonly #bannedUntil = new Map<string, number>();

  constructor(maxPerSecond: number, banMs: number) {
    if (!(maxPerSecond >= 1))
      throw new RangeError(`maxRequestsPerSecond must be at least 1, got ${maxPerSecond}`);
    if (!(banMs >= 0)) throw new RangeError(`banSeconds must not be negative, got ${banMs / 1000}`);
    this.#maxPerSecond = maxPerSecond;
    this.#banMs = banMs;
  }

  /** Records one request from `address` at `now` (ms) and judges it. */
  check(address: string, now: number): ThrottleVerdict {
    const until = this.#bannedUntil.get(address);
    if (until !== undefined) {
      if (until > now) return { violation: true, retryInSeconds: secondsLeft(until, now) };
      this.#bannedUntil.delete(address);
    }
    let window = this.#windows.get(address);
    if (window === undefined) {
      window = new Window();
      this.#windows.set(address, window);
    }
    const recent = window.countSince(now - WINDOW_MS);
    window.add(now);
    if (recent < this.#maxPerSecond) return { violation: false };
    this.#bannedUntil.set(address, now + this.#banMs);
    this.#windows.delete(address); // the ban ends with a clean slate
    return { violation: true, retryInSeconds: secondsLeft(now + this.#banMs, now) };
  }

  clear(): void {
    this.#windows.clear();
    this.#bannedUntil.clear();
  }
}

/** The `backoff` the API asked for, per method: until when each method must not be called. */
export class MethodBackoff {
  readonly #until = new Map<ApiMethod, number>();

  block(method: ApiMethod, until: number): void {
    this.#until.set(method, Math.max(until, this.#until.get(method) ?? 0));
  }

  /** Whole seconds (at least 1) the method stays blocked at `now`, or undefined when it is free. */
  blockedFor(method: ApiMethod | 'unknown', now: number): number | undefined {
    if (method === 'unknown') return undefined;
    const until = this.#until.get(method);
    return until !== undefined && until > now ? secondsLeft(until, now) : undefined;
  }

  clear(): void {
    this.#until.clear();
  }
}
