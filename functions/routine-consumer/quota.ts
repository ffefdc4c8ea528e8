/** One `quota_remaining` / `quota_max` the API reported, and when. */
interface Observation {
  readonly at: number;
  readonly remaining: number;
  readonly max: number | undefined;
}

/** How long an observation counts: the quota is per IP, and Lambda's outbound IP changes. */
export const QUOTA_WINDOW_MS = 60 * 60 * 1000;

/**
 * The daily quota as this instance has seen it. The API counts the quota per IP and Lambda's outbound
 * IP is not fixed, so answers may come from different counters: the governor acts on the lowest
 * `quota_remaining` of the last hour, never on the latest alone.
 */
export class QuotaWatch {
  readonly #observations: Observation[] = [];

  observe(remaining: number, max: number | undefined, at = Date.now()): void {
    // One observation per 10 s (the lowest), so a busy hour keeps at most 360.
    const last = this.#observations.at(-1);
    if (last !== undefined && at - last.at < 10_000) {
      this.#observations[this.#observations.length - 1] = {
        at: last.at,
        remaining: Math.min(last.remaining, remaining),
        max: max ?? last.max,
      };
    } else this.#observations.push({ at, remaining, max });
  }

  /** The newest observation, to share with the other instances; undefined until the API has said. */
  latest(): { remaining: number; max: number | undefined; at: number } | undefined {
    const last = this.#observations.at(-1);
    return last === undefined ? undefined : { ...last };
  }

  /**
   * Drops what was seen before `at`: after a pause the API named (a quota that ran out starts again
   * when it ends), older observations no longer say anything about the quota.
   */
  forgetBefore(at: number): void {
    while ((this.#observations[0]?.at ?? at) < at) this.#observations.shift();
  }

  /** The lowest recent `quota_remaining` and the latest `quota_max`; undefined until the API has said. */
  lowest(now = Date.now()): { remaining: number; max: number | undefined } | undefined {
    while ((this.#observations[0]?.at ?? now) < now - QUOTA_WINDOW_MS) this.#observations.shift();
    if (this.#observations.length === 0) return undefined;
    const remaining = this.#observations.reduce((low, o) => Math.min(low, o.remaining), Infinity);
    const max = this.#observations.findLast((o) => o.max !== undefined)?.max;
    return { remaining, max };
  }

  /** True while the lowest recent `quota_remaining` is below `fraction` of `quota_max` (10,000 when unknown). */
  belowReserve(fraction: number, now = Date.now()): boolean {
    const seen = this.lowest(now);
    return seen !== undefined && seen.remaining < fraction * (seen.max ?? 10_000);
  }
}
