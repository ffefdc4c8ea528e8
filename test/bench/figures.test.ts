import {
  callCeiling,
  callFloor,
  callsPerDay,
  hoursUntilQuotaSpent,
  perTickFlush,
  timeToRevoke,
} from '../../tools/bench/figures';

describe('call floor', () => {
  it('is one call per maxHold when routine tokens are few', () => {
    // 36 routine tokens in 180 s, L = 60 s: ceil(36/20) = 2 < ceil(180/60) = 3
    expect(callFloor({ routineTokens: 36, urgentTokens: 0, seconds: 180, maxHoldSeconds: 60 })).toBe(3);
  });

  it('is ceil(R/20) when calls fill faster than maxHold, plus one call per urgent token', () => {
    // 353 routine tokens: 18 calls; 7 urgent tokens go alone
    expect(callFloor({ routineTokens: 353, urgentTokens: 7, seconds: 180, maxHoldSeconds: 60 })).toBe(25);
  });

  it('needs no routine call without routine tokens', () => {
    expect(callFloor({ routineTokens: 0, urgentTokens: 2, seconds: 180, maxHoldSeconds: 60 })).toBe(2);
  });

  it('allows 1.15 x the floor + 1', () => {
    expect(callCeiling(20)).toBe(24);
    expect(callCeiling(4)).toBeCloseTo(5.6, 10);
  });
});

describe('quota figures', () => {
  it('extends the calls of a run to a day', () => {
    expect(callsPerDay(10, 180)).toBe(4800);
  });

  it('tells the hours until the daily quota is spent', () => {
    expect(hoursUntilQuotaSpent(20_000)).toBe(12);
    expect(hoursUntilQuotaSpent(2500, 10_000)).toBe(96);
    expect(hoursUntilQuotaSpent(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('time to revoke', () => {
  it('takes p50, p95 (nearest rank) and max over confirmed tokens, and counts the others', () => {
    // Prepare: 20 tokens sent at 0, confirmed after 1..19 s; one never confirmed
    const sent = new Map<string, number>();
    const confirmed = new Map<string, number>();
    for (let i = 1; i <= 19; i++) {
      sent.set(`t${i}`, 1000);
      confirmed.set(`t${i}`, 1000 + i * 1000);
    }
    sent.set('lost', 0);
    confirmed.set('other lane', 5);
    // Act
    const time = timeToRevoke(sent, confirmed);
    // Assess
    expect(time).toEqual({ tokens: 20, confirmed: 19, p50: 10, p95: 19, max: 19 });
  });

  it('has no percentiles without a confirmed token', () => {
    expect(timeToRevoke(new Map([['t', 0]]), new Map())).toEqual({
      tokens: 1,
      confirmed: 0,
      p50: undefined,
      p95: undefined,
      max: undefined,
    });
  });
});

describe('per-tick flush model', () => {
  it('sends everything each run finds: a partial call per tick, one call per urgent token', () => {
    // Prepare: 25 routine tokens in the first tick, 5 in the second, 1 urgent; tick 60 s
    const arrivals = [
      ...Array.from({ length: 25 }, (_, i) => ({ atMs: 1000 + i * 2000, urgent: false })),
      ...Array.from({ length: 5 }, (_, i) => ({ atMs: 61_000 + i * 1000, urgent: false })),
      { atMs: 70_000, urgent: true },
    ];
    // Act
    const model = perTickFlush(arrivals, {
      tokensPerSecond: 0.25,
      seconds: 120,
      tickSeconds: 60,
      maxHoldSeconds: 60,
    });
    // Assess: run at 60 s sends 25 (2 calls), run at 120 s sends 5 (1 call), + 1 urgent
    expect(model.calls).toBe(4);
    expect(model.floor).toBe(3); // max(ceil(30/20), ceil(120/60)) + 1
    expect(model.tokensPerCall).toBe(31 / 4);
    expect(model.routine.max).toBe(59);
    expect(model.routine.p50).toBe(39); // 15th of 11, 13, ..., 59 and 55..59
  });

  it('sends a token that arrives exactly at a run with that run', () => {
    const model = perTickFlush([{ atMs: 60_000, urgent: false }], {
      tokensPerSecond: 1,
      seconds: 60,
      tickSeconds: 60,
      maxHoldSeconds: 60,
    });
    expect(model.routine.max).toBe(0);
  });
});
