import { startSimulator } from '../../tools/simulator';
import { DailyQuota } from '../../tools/simulator/quota';
import { get, sleep, useSimulator } from './support';

const INVALIDATE = (tokens: readonly string[]) => `access-tokens/${tokens.join(';')}/invalidate`;
const SPENT = {
  error_id: 502,
  error_name: 'throttle_violation',
  items: [],
  quota_max: 3,
  quota_remaining: 0,
} as const;

describe('simulator: a quota that runs out', () => {
  const context = useSimulator({ quotaMax: 3 });

  it('serves the call that spends the last of the quota, then refuses every call, invalidating nothing', async () => {
    // Prepare
    const { sim } = context;
    const tokens = sim.issueTokens(4);
    // Act
    const served = [];
    for (const token of tokens.slice(0, 3)) served.push(await get(sim, INVALIDATE([token])));
    const refused = await get(sim, INVALIDATE([tokens[3] as string]));
    // Assess
    expect(served.map((answer) => [answer.status, answer.body?.quota_remaining])).toEqual([
      [200, 2],
      [200, 1],
      [200, 0],
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      ...SPENT,
      error_message: 'too many requests from this IP, more requests available in 80000 seconds',
    });
    expect(sim.tokenState(tokens[3] as string)).toBe('live');
    expect(sim.requests[3]).toMatchObject({ status: 400, quotaExhausted: true, throttleViolation: false });
    expect(sim.stats()).toMatchObject({
      successfulCalls: 3,
      invalidated: 3,
      quotaRemaining: 0,
      quotaRefusals: 1,
      quotaResetInSeconds: 80_000,
      errorsByName: { throttle_violation: 1 },
    });
  });

  it('refuses every method and path alike while spent, and spends nothing', async () => {
    // Prepare
    const { sim } = context;
    const [token = ''] = sim.issueTokens(1);
    sim.spendQuota(3);
    // Act
    const answers = await Promise.all(
      [INVALIDATE([token]), `access-tokens/${token}`, `apps/${token}/de-authenticate`, 'users/1'].map(
        (path) => get(sim, path),
      ),
    );
    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400]);
    for (const answer of answers) expect(answer.body).toMatchObject(SPENT);
    expect(sim.tokenState(token)).toBe('live');
    expect(sim.stats()).toMatchObject({
      quotaRemaining: 0,
      quotaRefusals: 4,
      invalidated: 0,
      deauthenticated: 0,
    });
  });

  it('neither draws injected faults nor counts towards the request rate while spent', async () => {
    // Prepare
    const sim = await context.restart({ quotaMax: 3, maxRequestsPerSecond: 2 });
    sim.spendQuota(3);
    sim.injectFault('internal_error');
    for (let i = 0; i < 3; i++) await get(sim, 'access-tokens/abc');
    sim.resetQuota();
    // Act
    const after = await get(sim, 'access-tokens/abc');
    // Assess
    expect(after.body).toMatchObject({ error_name: 'internal_error', quota_remaining: 2 });
    expect(sim.stats()).toMatchObject({ throttleViolations: 0, faultsInjected: 1, quotaRefusals: 3 });
  });

  it('comes back on its own the configured seconds after it ran out, counting N down meanwhile', async () => {
    // Prepare
    const sim = await context.restart({ quotaMax: 3, quotaResetSeconds: 2.5 });
    sim.spendQuota(2);
    await get(sim, 'access-tokens/abc'); // spends the last call
    const spentAt = Date.now();
    const secondsIn = (answer: { body?: { error_message?: string } | undefined }) =>
      Number(/available in (\d+) seconds$/.exec(answer.body?.error_message ?? '')?.[1]);
    // Act
    const first = await get(sim, 'access-tokens/abc');
    await sleep(1_100);
    const later = await get(sim, 'access-tokens/abc');
    await sleep(spentAt + 2_600 - Date.now());
    const back = await get(sim, 'access-tokens/abc');
    // Assess
    expect(secondsIn(first)).toBe(3);
    expect(secondsIn(later)).toBeGreaterThanOrEqual(1);
    expect(secondsIn(later)).toBeLessThan(3);
    expect(back).toMatchObject({ status: 200, body: { quota_max: 3, quota_remaining: 2 } });
    expect(sim.stats().quotaResetInSeconds).toBeUndefined();
  });

  it('comes back at once on resetQuota() or reset()', async () => {
    // Prepare
    const { sim } = context;
    sim.spendQuota(3);
    // Act
    sim.resetQuota();
    const afterResetQuota = await get(sim, 'access-tokens/abc');
    sim.spendQuota(3);
    sim.reset();
    const afterReset = await get(sim, 'access-tokens/abc');
    // Assess
    expect(afterResetQuota).toMatchObject({ status: 200, body: { quota_remaining: 2 } });
    expect(afterReset).toMatchObject({ status: 200, body: { quota_remaining: 2 } });
  });

  it('lets other applications on the IP spend the quota from outside, never below 0', async () => {
    // Prepare
    const sim = await context.restart({ quotaMax: 100 });
    // Act
    sim.spendQuota(99);
    const last = await get(sim, 'access-tokens/abc');
    const refused = await get(sim, 'access-tokens/abc');
    sim.resetQuota();
    sim.spendQuota(1_000);
    // Assess
    expect(last).toMatchObject({ status: 200, body: { quota_remaining: 0 } });
    expect(refused).toMatchObject({
      status: 400,
      body: { error_name: 'throttle_violation', quota_remaining: 0 },
    });
    expect(sim.stats()).toMatchObject({ quotaRemaining: 0, quotaResetInSeconds: 80_000 });
    expect(() => sim.spendQuota(-1)).toThrow('calls must be a whole number >= 0, got -1');
    expect(() => sim.spendQuota(1.5)).toThrow(RangeError);
  });

  it.each([
    [{ quotaMax: 0 }, 'quotaMax must be a whole number >= 1, got 0'],
    [{ quotaResetSeconds: -1 }, 'quotaResetSeconds must not be negative, got -1'],
  ])('refuses %j', async (options, message) => {
    // Act
    const start = startSimulator(options);
    // Assess
    await expect(start).rejects.toThrow(message);
  });
});

describe('daily quota rules (no server)', () => {
  it('spends one call a request, refuses from the one after the last until it comes back', () => {
    // Prepare
    const quota = new DailyQuota(2, 10_000);
    // Act
    const verdicts = [0, 100, 200, 9_300, 10_100, 10_200].map((now) => quota.take(now));
    // Assess
    expect(verdicts).toEqual([
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
      { spent: false, retryInSeconds: 10 },
      { spent: false, retryInSeconds: 1 },
      { spent: true, remaining: 1 },
      { spent: true, remaining: 0 },
    ]);
  });

  it('starts the wait when spending from outside leaves nothing, and does not restart it', () => {
    // Prepare
    const quota = new DailyQuota(10, 5_000);
    // Act
    quota.spend(4, 0);
    const partly = quota.remaining(0);
    quota.spend(6, 1_000);
    quota.spend(6, 3_000);
    // Assess
    expect(partly).toBe(6);
    expect(quota.secondsUntilReset(3_000)).toBe(3);
    expect(quota.remaining(5_999)).toBe(0);
    expect(quota.remaining(6_000)).toBe(10);
    expect(quota.secondsUntilReset(6_000)).toBeUndefined();
  });
});
