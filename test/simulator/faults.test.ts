import { FAULT_KINDS, type FaultKind } from '../../tools/simulator';
import { get, sleep, useSimulator } from './support';

describe('simulator: faults and latency', () => {
  const context = useSimulator();

  it.each([
    ['internal_error', 500],
    ['temporarily_unavailable', 503],
    ['write_failed', 407],
    ['duplicate_request', 409],
    ['throttle_violation', 502],
    ['bad_parameter', 400],
    ['access_denied', 403],
    ['no_method', 404],
    ['key_required', 405],
    ['access_token_required', 401],
    ['invalid_access_token', 402],
  ] as const)('injects %s as HTTP 400 with error_id %i, once, leaving tokens alone', async (fault, id) => {
    // Prepare
    const { sim } = context;
    const [token] = sim.issueTokens(1) as [string];
    sim.injectFault(fault);

    // Act
    const faulted = await get(sim, `access-tokens/${token}/invalidate`);
    const next = await get(sim, `access-tokens/${token}/invalidate`);

    // Assess
    expect(faulted.status).toBe(400);
    expect(faulted.type).toBe('application/json; charset=utf-8');
    expect(faulted.body).toMatchObject({
      error_id: id,
      error_name: fault,
      error_message: expect.any(String),
      quota_max: 10_000,
      quota_remaining: 9_999,
      items: [],
    });
    expect(next.status).toBe(200);
    expect(sim.requests[0]).toMatchObject({ status: 400, fault, errorName: fault });
    expect(sim.stats()).toMatchObject({ faultsInjected: 1, invalidated: 1 });
  });

  it('says how long to wait in an injected throttle_violation (banSeconds), without banning', async () => {
    // Prepare
    const sim = await context.restart({ banSeconds: 45 });
    sim.injectFault('throttle_violation');

    // Act
    const faulted = await get(sim, 'access-tokens/abc/invalidate');
    const next = await get(sim, 'access-tokens/abc/invalidate');

    // Assess
    expect(faulted.body?.error_message).toBe(
      'too many requests from this IP, more requests available in 45 seconds',
    );
    expect(next.status).toBe(200);
    expect(sim.stats().throttleViolations).toBe(0);
  });

  it('serves an uncompressed HTML 503 page for html_503', async () => {
    // Prepare
    const { sim } = context;
    sim.injectFault('html_503');

    // Act
    const { status, type, text, body } = await get(sim, 'access-tokens/abc/invalidate');

    // Assess
    expect(status).toBe(503);
    expect(type).toBe('text/html; charset=utf-8');
    expect(text).toMatch(/^<!DOCTYPE html>.*Service Unavailable/);
    expect(body).toBeUndefined();
    expect(sim.requests[0]).toMatchObject({ status: 503, fault: 'html_503' });
  });

  it('destroys the socket without an answer for connection_reset', async () => {
    // Prepare
    const { sim } = context;
    const [token] = sim.issueTokens(1) as [string];
    sim.injectFault('connection_reset');

    // Act
    const outcome = fetch(`${sim.url}/access-tokens/${token}/invalidate`);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(sim.requests[0]).toMatchObject({ status: 0, fault: 'connection_reset', itemsReturned: 0 });
    expect(sim.tokenState(token)).toBe('live');
  });

  it('holds a request for timeoutMs on timeout, then destroys the socket', async () => {
    // Prepare
    const sim = await context.restart({ timeoutMs: 200 });
    sim.injectFault('timeout');
    const started = Date.now();

    // Act
    const outcome = await fetch(`${sim.url}/access-tokens/abc/invalidate`).catch((error: unknown) => error);

    // Assess
    expect(outcome).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sim.requests[0]).toMatchObject({ status: 0, fault: 'timeout' });
  });

  it('closes quickly with a held timeout request and a pending latency pause', async () => {
    // Prepare
    const sim = await context.restart({ timeoutMs: 60_000 });
    sim.injectFault('timeout');
    const held = fetch(`${sim.url}/access-tokens/abc/invalidate`).catch((error: unknown) => error);
    await sleep(50);
    sim.setLatency(60_000);
    const slow = fetch(`${sim.url}/access-tokens/abc`).catch((error: unknown) => error);
    await sleep(50);
    const started = Date.now();

    // Act
    await sim.close();

    // Assess
    expect(Date.now() - started).toBeLessThan(500);
    expect(await held).toMatchObject({ name: 'TypeError' });
    expect(await slow).toMatchObject({ name: 'TypeError' });
    await sim.close(); // a second close is harmless
  });

  it('answers normally with backoff for the backoff fault', async () => {
    // Prepare
    const sim = await context.restart({ backoffSeconds: 7 });
    const [token] = sim.issueTokens(1);
    sim.injectFault('backoff');

    // Act
    const { status, body } = await get(sim, `access-tokens/${token}/invalidate`);

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ backoff: 7, items: [expect.objectContaining({ access_token: token })] });
    expect(sim.requests[0]).toMatchObject({ fault: 'backoff', status: 200 });
  });

  it('injects for one method only when asked, and `times` times, in the order injected', async () => {
    // Prepare
    const { sim } = context;
    sim.injectFault('internal_error', { method: 'read', times: 2 });
    sim.injectFault('write_failed');

    // Act
    const names: (string | undefined)[] = [];
    for (const path of [
      'access-tokens/a/invalidate',
      'access-tokens/a',
      'access-tokens/a',
      'access-tokens/a',
    ]) {
      names.push((await get(sim, path)).body?.error_name);
    }

    // Assess
    expect(names).toEqual(['write_failed', 'internal_error', 'internal_error', undefined]);
  });

  it('prefers injected faults to random ones, and stops random faults with setFaults(undefined)', async () => {
    // Prepare
    const sim = await context.restart({ faults: { rate: 1, kinds: ['write_failed'] } });
    sim.injectFault('duplicate_request');

    // Act
    const first = await get(sim, 'access-tokens/a/invalidate');
    const second = await get(sim, 'access-tokens/a/invalidate');
    sim.setFaults(undefined);
    const third = await get(sim, 'access-tokens/a/invalidate');

    // Assess
    expect([first, second, third].map((a) => a.body?.error_name)).toEqual([
      'duplicate_request',
      'write_failed',
      undefined,
    ]);
  });

  it('draws random faults at about the given rate from the given kinds', async () => {
    // Prepare
    const sim = await context.restart({ maxRequestsPerSecond: 1_000 });
    const kinds: FaultKind[] = ['internal_error', 'temporarily_unavailable'];
    sim.setFaults({ rate: 0.3, kinds });

    // Act
    for (let i = 0; i < 100; i++) await get(sim, 'access-tokens/a/invalidate');

    // Assess
    const faulted = sim.requests.filter((r) => r.fault !== undefined);
    expect(faulted.length).toBeGreaterThan(15);
    expect(faulted.length).toBeLessThan(45);
    expect(new Set(faulted.map((r) => r.fault))).toEqual(new Set(kinds));
  });

  it('rejects impossible fault settings', () => {
    // Prepare
    const { sim } = context;

    // Act
    const badRate = () => sim.setFaults({ rate: 1.5, kinds: ['internal_error'] });
    const badTimes = () => sim.injectFault('internal_error', { times: 0 });

    // Assess
    expect(badRate).toThrow(RangeError);
    expect(badTimes).toThrow(RangeError);
    expect(FAULT_KINDS).toHaveLength(15);
  });

  it('applies fixed latency and latency drawn from a range', async () => {
    // Prepare
    const sim = await context.restart({ latencyMs: 120 });

    // Act
    let started = Date.now();
    await get(sim, 'access-tokens/a');
    const fixed = Date.now() - started;
    sim.setLatency({ min: 30, max: 60 });
    started = Date.now();
    for (let i = 0; i < 3; i++) await get(sim, 'access-tokens/a');
    const ranged = Date.now() - started;

    // Assess
    expect(fixed).toBeGreaterThanOrEqual(110);
    expect(ranged).toBeGreaterThanOrEqual(85);
    expect(ranged).toBeLessThan(600);
  });
});
