import { type ApiMethod, startSimulator } from '../../tools/simulator';
import { MethodBackoff, RateLimiter } from '../../tools/simulator/throttle';
import { get, sleep, useSimulator } from './support';

const PATHS: Record<ApiMethod, string> = {
  invalidate: 'access-tokens/abc/invalidate',
  read: 'access-tokens/abc',
  deauthenticate: 'apps/abc/de-authenticate',
};

describe('simulator: backoff', () => {
  const context = useSimulator({ backoffSeconds: 5 });

  it.each(['invalidate', 'read', 'deauthenticate'] as const)(
    'blocks %s alone after a backoff, and records each violation',
    async (method) => {
      // Prepare
      const { sim } = context;
      sim.injectFault('backoff', { method });
      await get(sim, PATHS[method]);

      // Act
      const violation = await get(sim, PATHS[method]);
      const others = await Promise.all(
        (Object.keys(PATHS) as ApiMethod[]).filter((m) => m !== method).map((m) => get(sim, PATHS[m])),
      );

      // Assess
      expect(violation.status).toBe(400);
      expect(violation.body).toMatchObject({ error_id: 502, error_name: 'throttle_violation' });
      expect(violation.body?.error_message).toMatch(/more requests available in [45] seconds$/);
      expect(others.map((o) => o.status)).toEqual([200, 200]);
      expect(sim.requests[1]).toMatchObject({ method, backoffViolation: true, throttleViolation: false });
      expect(sim.stats()).toMatchObject({ backoffViolations: 1, errorsByName: { throttle_violation: 1 } });
    },
  );

  it('lets the method be called again once the backoff is over', async () => {
    // Prepare
    const sim = await context.restart({ backoffSeconds: 1 });
    sim.injectFault('backoff');
    await get(sim, PATHS.invalidate);

    // Act
    await sleep(1_050);
    const after = await get(sim, PATHS.invalidate);

    // Assess
    expect(after.status).toBe(200);
    expect(sim.stats().backoffViolations).toBe(0);
  });

  it('does not consume injected faults on requests it refuses', async () => {
    // Prepare
    const { sim } = context;
    sim.injectFault('backoff', { method: 'read' });
    await get(sim, PATHS.read);
    sim.injectFault('internal_error', { method: 'read' });

    // Act
    const refused = await get(sim, PATHS.read);

    // Assess
    expect(refused.body?.error_message).toMatch(/^violation of backoff parameter/);
    expect(sim.requests[1]?.fault).toBeUndefined();
  });
});

describe('simulator: request-rate throttle and ban', () => {
  const context = useSimulator({ maxRequestsPerSecond: 3, banSeconds: 0.6 });

  it('bans a client over the rate, answers every request during the ban, then lets it back', async () => {
    // Prepare
    const { sim } = context;

    // Act
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await get(sim, PATHS.invalidate));
    const duringBan = await get(sim, PATHS.read);
    await sleep(650);
    const afterBan = await get(sim, PATHS.invalidate);

    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 400, 400]);
    expect(answers[3]?.body).toMatchObject({
      error_id: 502,
      error_name: 'throttle_violation',
      error_message: 'too many requests from this IP, more requests available in 1 seconds',
    });
    expect(duringBan.body?.error_name).toBe('throttle_violation');
    expect(afterBan.status).toBe(200);
    expect(sim.requests.map((r) => r.throttleViolation)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(sim.stats()).toMatchObject({ throttleViolations: 3, successfulCalls: 4 });
  });

  it('counts a rolling second: requests spread out are fine', async () => {
    // Prepare
    const { sim } = context;

    // Act
    for (let i = 0; i < 3; i++) await get(sim, PATHS.invalidate);
    await sleep(1_020);
    for (let i = 0; i < 3; i++) await get(sim, PATHS.invalidate);

    // Assess
    expect(sim.stats().throttleViolations).toBe(0);
  });

  it('reports the seconds left of a long ban', async () => {
    // Prepare
    const sim = await startSimulator({ maxRequestsPerSecond: 1, banSeconds: 30 });

    // Act
    await get(sim, PATHS.invalidate);
    const banned = await get(sim, PATHS.invalidate);
    await sim.close();

    // Assess
    expect(banned.body?.error_message).toBe(
      'too many requests from this IP, more requests available in 30 seconds',
    );
  });
});

describe('throttle rules (no server)', () => {
  it('keeps a window and a ban per client address', () => {
    // Prepare
    const limiter = new RateLimiter(2, 10_000);

    // Act
    const a = [0, 100, 200].map((now) => limiter.check('10.0.0.1', now).violation);
    const b = [200, 300].map((now) => limiter.check('10.0.0.2', now).violation);
    const aLater = limiter.check('10.0.0.1', 9_000);
    const aAfterBan = limiter.check('10.0.0.1', 10_300);

    // Assess
    expect(a).toEqual([false, false, true]);
    expect(b).toEqual([false, false]);
    expect(aLater).toEqual({ violation: true, retryInSeconds: 2 });
    expect(aAfterBan.violation).toBe(false);
  });

  it('keeps the longest backoff per method', () => {
    // Prepare
    const backoff = new MethodBackoff();

    // Act
    backoff.block('read', 5_000);
    backoff.block('read', 2_000);

    // Assess
    expect(backoff.blockedFor('read', 1_000)).toBe(4);
    expect(backoff.blockedFor('read', 4_999)).toBe(1);
    expect(backoff.blockedFor('read', 5_000)).toBeUndefined();
    expect(backoff.blockedFor('invalidate', 1_000)).toBeUndefined();
    expect(backoff.blockedFor('unknown', 1_000)).toBeUndefined();
  });
});
