import { QUOTA_WINDOW_MS, QuotaWatch } from '../../functions/routine-consumer/quota';

describe('QuotaWatch', () => {
  const t0 = 1_700_000_000_000;

  it('knows nothing until the API has said, and is then not below the reserve', () => {
    const quota = new QuotaWatch();
    expect(quota.lowest(t0)).toBeUndefined();
    expect(quota.belowReserve(0.5, t0)).toBe(false);
  });

  it('acts on the lowest quota_remaining of the last hour (answers may come from other IPs)', () => {
    // Prepare
    const quota = new QuotaWatch();
    quota.observe(9000, 10_000, t0);
    quota.observe(4000, 10_000, t0 + 60_000); // another IP's counter
    quota.observe(8990, 10_000, t0 + 120_000);
    // Act / Assess
    expect(quota.lowest(t0 + 130_000)).toEqual({ remaining: 4000, max: 10_000 });
    expect(quota.belowReserve(0.5, t0 + 130_000)).toBe(true);
    expect(quota.belowReserve(0.3, t0 + 130_000)).toBe(false);
  });

  it('forgets observations older than the window', () => {
    const quota = new QuotaWatch();
    quota.observe(100, 10_000, t0);
    quota.observe(9000, 10_000, t0 + QUOTA_WINDOW_MS / 2);
    expect(quota.belowReserve(0.5, t0 + QUOTA_WINDOW_MS + 1)).toBe(false);
  });

  it('keeps one observation per 10 s, the lowest', () => {
    const quota = new QuotaWatch();
    for (let i = 0; i < 1000; i++) quota.observe(5000 - i, undefined, t0 + i);
    expect(quota.lowest(t0 + 1000)).toEqual({ remaining: 4001, max: undefined });
    expect(quota.belowReserve(0.5, t0 + 1000)).toBe(true); // 10,000 assumed when quota_max is unknown
  });

  it('groups observations by 10 s from the first of a group: the lowest counts, and the group ages from its first', () => {
    // Prepare: t0 and t0 + 9.999 s form one group (at t0); t0 + 10 s starts the next.
    const quota = new QuotaWatch();
    quota.observe(5000, 10_000, t0);
    quota.observe(4000, 10_000, t0 + 9_999);
    quota.observe(6000, 10_000, t0 + 10_000);
    // Act / Assess: within the hour, the group's lowest; once t0 is an hour old, the 4000 goes with its group.
    expect(quota.lowest(t0 + 10_000)).toEqual({ remaining: 4000, max: 10_000 });
    expect(quota.lowest(t0 + QUOTA_WINDOW_MS + 1)).toEqual({ remaining: 6000, max: 10_000 });
  });

  it('keeps the lowest of a group whichever came first', () => {
    const quota = new QuotaWatch();
    quota.observe(4000, 10_000, t0);
    quota.observe(5000, 10_000, t0 + 1000);
    expect(quota.lowest(t0 + 2000)).toEqual({ remaining: 4000, max: 10_000 });
  });

  it('adds a later observation close to the newest group to that group, not to an older one', () => {
    // Prepare: groups at t0, t0 + 20 s and t0 + 40 s; then 100 at t0 + 45 s (the group of t0 + 40 s).
    const quota = new QuotaWatch();
    quota.observe(9000, 10_000, t0);
    quota.observe(9000, 10_000, t0 + 20_000);
    quota.observe(9000, 10_000, t0 + 40_000);
    quota.observe(100, 10_000, t0 + 45_000);
    // Act / Assess: the 100 ages with the group of t0 + 40 s.
    expect(quota.lowest(t0 + 40_000 + QUOTA_WINDOW_MS)).toEqual({ remaining: 100, max: 10_000 });
    expect(quota.lowest(t0 + 40_000 + QUOTA_WINDOW_MS + 1)).toBeUndefined();
  });

  it('keeps the known quota_max when a later observation has none, and takes a later one that has it', () => {
    const grouped = new QuotaWatch();
    grouped.observe(5000, 20_000, t0);
    grouped.observe(4000, undefined, t0 + 1000);
    expect(grouped.lowest(t0 + 2000)).toEqual({ remaining: 4000, max: 20_000 });
    grouped.observe(3000, 30_000, t0 + 2000);
    expect(grouped.lowest(t0 + 3000)).toEqual({ remaining: 3000, max: 30_000 });

    const apart = new QuotaWatch();
    apart.observe(5000, 20_000, t0);
    apart.observe(4000, undefined, t0 + 60_000);
    expect(apart.lowest(t0 + 70_000)).toEqual({ remaining: 4000, max: 20_000 });
    apart.observe(3500, 25_000, t0 + 120_000);
    apart.observe(3400, undefined, t0 + 180_000);
    expect(apart.lowest(t0 + 190_000)).toEqual({ remaining: 3400, max: 25_000 });
  });

  it('counts an observation exactly an hour old, not one older', () => {
    const quota = new QuotaWatch();
    quota.observe(100, 10_000, t0);
    expect(quota.lowest(t0 + QUOTA_WINDOW_MS)).toEqual({ remaining: 100, max: 10_000 });
    expect(quota.lowest(t0 + QUOTA_WINDOW_MS + 1)).toBeUndefined();
    expect(QUOTA_WINDOW_MS).toBe(3_600_000);
  });

  it('is below the reserve only strictly below fraction x quota_max, assuming 10,000 when the API did not say', () => {
    const at = (remaining: number, max: number | undefined) => {
      const quota = new QuotaWatch();
      quota.observe(remaining, max, t0);
      return quota.belowReserve(0.5, t0 + 1);
    };
    expect(at(5000, 10_000)).toBe(false);
    expect(at(4999, 10_000)).toBe(true);
    expect(at(9000, 20_000)).toBe(true);
    expect(at(10_000, 20_000)).toBe(false);
    expect(at(4999, undefined)).toBe(true);
    expect(at(5000, undefined)).toBe(false);
  });

  it('gives the newest observation to share (a copy), or nothing before the API has said', () => {
    const quota = new QuotaWatch();
    expect(quota.latest()).toBeUndefined();
    quota.observe(800, 10_000, t0);
    quota.observe(700, undefined, t0 + 60_000);
    const latest = quota.latest();
    expect(latest).toEqual({ remaining: 700, max: undefined, at: t0 + 60_000 });
    quota.observe(600, 10_000, t0 + 120_000);
    expect(latest).toEqual({ remaining: 700, max: undefined, at: t0 + 60_000 });
  });

  it('forgets what it saw before a time (a named pause that ended), keeping that instant and later', () => {
    const quota = new QuotaWatch();
    quota.observe(0, 10_000, t0);
    quota.observe(50, 10_000, t0 + 60_000);
    quota.observe(9000, 10_000, t0 + 120_000);
    quota.forgetBefore(t0 + 60_000);
    expect(quota.lowest(t0 + 130_000)).toEqual({ remaining: 50, max: 10_000 });
    quota.forgetBefore(t0 + 60_001);
    expect(quota.lowest(t0 + 130_000)).toEqual({ remaining: 9000, max: 10_000 });
    quota.forgetBefore(t0 + 200_000);
    expect(quota.lowest(t0 + 200_000)).toBeUndefined();
    expect(quota.latest()).toBeUndefined();
  });
});
