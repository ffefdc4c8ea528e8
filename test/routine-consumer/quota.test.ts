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
});
