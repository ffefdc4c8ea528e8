/** What the daily quota says about one request. */
export type QuotaVerdict =
  /** The request spends one call; `remaining` is what is left after it (what `quota_remaining` says). */
  | { readonly spent: true; readonly remaining: number }
  /** The quota is spent: the request is refused and spends nothing; it comes back in `retryInSeconds`. */
  | { readonly spent: false; readonly retryInSeconds: number };

/**
 * The API's daily quota, shared by every caller on the IP: each request spends one call; the request that
 * spends the last one is served, and from then on every request is refused (throttle_violation, "more
 * requests available in N seconds"), spending nothing, until the quota comes back `resetMs` after it ran out.
 * Other applications on the IP can spend it too (`spend`). Times are Date.now() milliseconds.
 */
export class DailyQuota {
  readonly #max: number;
  readonly #resetMs: number;
  #remaining: number;
  /** When a spent quota comes back; undefined while some is left. */
  #resetAt: number | undefined;

  constructor(max: number, resetMs: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`quotaMax must be a whole number >= 1, got ${max}`);
    if (!(resetMs >= 0))
      throw new RangeError(`quotaResetSeconds must not be negative, got ${resetMs / 1000}`);
    this.#max = max;
    this.#resetMs = resetMs;
    this.#remaining = max;
  }

  get max(): number {
    return this.#max;
  }

  /** Calls left at `now` (a spent quota whose time has come is back to `max`). */
  remaining(now: number): number {
    this.#comeBackIfDue(now);
    return this.#remaining;
  }

  /** Whole seconds (at least 1) until a spent quota comes back, or undefined while some is left. */
  secondsUntilReset(now: number): number | undefined {
    this.#comeBackIfDue(now);
    return this.#resetAt === undefined ? undefined : secondsLeft(this.#resetAt, now);
  }

  /** One request arriving at `now`: spends a call if one is left. */
  take(now: number): QuotaVerdict {
    const retryInSeconds = this.secondsUntilReset(now);
    if (retryInSeconds !== undefined) return { spent: false, retryInSeconds };
    this.#spend(1, now);
    return { spent: true, remaining: this.#remaining };
  }

  /** Calls spent by other applications on the same IP (never below 0). */
  spend(calls: number, now: number): void {
    if (!Number.isInteger(calls) || calls < 0)
      throw new RangeError(`calls must be a whole number >= 0, got ${calls}`);
    this.#comeBackIfDue(now);
    if (this.#resetAt === undefined) this.#spend(calls, now);
  }

  /** The whole quota, at once. */
  reset(): void {
    this.#remaining = this.#max;
    this.#resetAt = undefined;
  }

  #spend(calls: number, now: number): void {
    this.#remaining = Math.max(0, this.#remaining - calls);
    if (this.#remaining === 0) this.#resetAt = now + this.#resetMs;
  }

  #comeBackIfDue(now: number): void {
    if (this.#resetAt !== undefined && now >= this.#resetAt) this.reset();
  }
}

/** Whole seconds until `until`, rounded up, at least 1 (the API never says "in 0 seconds"). */
export function secondsLeft(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}
