import { type FaultKind, type Simulator, type SimulatorOptions, startSimulator } from '../../tools/simulator';
import { get, useSimulator } from './support';

/** The tokens issued, then each request's status and fault, from a fresh simulator with latency drawn too. */
async function runOnce(options: SimulatorOptions) {
  const sim = await startSimulator({ maxRequestsPerSecond: 1_000, ...options });
  try {
    const tokens = sim.issueTokens(40);
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const { status } = await get(sim, `access-tokens/${tokens[i]}/invalidate`).catch(() => ({ status: 0 }));
      outcomes.push(`${status}:${sim.requests[i]?.fault ?? '-'}`);
    }
    return { tokens, outcomes };
  } finally {
    await sim.close();
  }
}

describe('simulator: seeds, stats, reset and silence', () => {
  const context = useSimulator();

  it('reproduces issued tokens, faults and latency from the seed; another seed differs', async () => {
    // Prepare
    const kinds: FaultKind[] = ['internal_error', 'html_503', 'connection_reset', 'backoff'];
    const options = { faults: { rate: 0.4, kinds }, latencyMs: { min: 0, max: 16 }, backoffSeconds: 0 };

    // Act
    const first = await runOnce({ seed: 11, ...options });
    const second = await runOnce({ seed: 11, ...options });
    const other = await runOnce({ seed: 12, ...options });

    // Assess
    expect(second.tokens).toEqual(first.tokens);
    expect(second.outcomes).toEqual(first.outcomes);
    expect(first.outcomes.filter((o) => !o.startsWith('200')).length).toBeGreaterThan(3);
    expect(other.tokens).not.toEqual(first.tokens);
    expect(other.outcomes).not.toEqual(first.outcomes);
  });

  it('counts calls, tokens per call, outcomes and quota in stats()', async () => {
    // Prepare
    const { sim } = context;
    const tokens = sim.issueTokens(32, { accountId: 3 });
    const [extra] = sim.issueTokens(1, { accountId: 4 }) as [string];

    // Act
    await get(sim, `access-tokens/${tokens.slice(0, 20).join(';')}/invalidate`);
    await get(sim, `access-tokens/${tokens.slice(20, 30).join(';')}/invalidate`);
    await get(sim, `apps/${tokens[30]}/de-authenticate`);
    await get(sim, `access-tokens/${extra}`);
    sim.injectFault('internal_error');
    await get(sim, 'access-tokens/abc/invalidate');
    sim.injectFault('html_503');
    await get(sim, 'access-tokens/abc/invalidate');
    await get(sim, 'users/1');

    // Assess
    expect(sim.stats()).toEqual({
      requests: 7,
      byMethod: { invalidate: 4, read: 1, deauthenticate: 1, unknown: 1 },
      successfulCalls: 4,
      tokensInSuccessfulCalls: 32,
      meanTokensPerSuccessfulCall: 8,
      throttleViolations: 0,
      backoffViolations: 0,
      faultsInjected: 2,
      quotaRefusals: 0,
      errorsByName: { internal_error: 1, no_method: 1 },
      invalidated: 30,
      deauthenticated: 2,
      quotaRemaining: 9_993,
    });
  });

  it('reports zeros before any request', () => {
    // Prepare
    const { sim } = context;

    // Act
    const stats = sim.stats();

    // Assess
    expect(stats).toMatchObject({ requests: 0, successfulCalls: 0, meanTokensPerSuccessfulCall: 0 });
    expect(stats.quotaRemaining).toBe(10_000);
  });

  it('forgets tokens, records, bans, backoffs, queued faults and quota on reset(), and reissues the same tokens', async () => {
    // Prepare
    const sim = await context.restart({ maxRequestsPerSecond: 1, banSeconds: 60 });
    const issued = sim.issueTokens(3);
    sim.poisonTokens(['poisoned']);
    await get(sim, `access-tokens/${issued[0]}/invalidate`);
    await get(sim, 'access-tokens/abc'); // over the rate: banned for a minute
    sim.injectFault('internal_error', { times: 5 });

    // Act
    sim.reset();
    const reissued = sim.issueTokens(3);
    const afterReset = await get(sim, 'access-tokens/poisoned/invalidate');

    // Assess
    expect(reissued).toEqual(issued);
    expect(afterReset.status).toBe(200);
    expect(afterReset.body?.quota_remaining).toBe(9_999);
    expect(sim.requests).toHaveLength(1);
    expect(sim.stats()).toMatchObject({
      requests: 1,
      invalidated: 0,
      faultsInjected: 0,
      throttleViolations: 0,
    });
    expect(sim.tokenState(issued[0] as string)).toBe('live');
  });

  it('never writes to stdout, stderr or the console, whatever happens', async () => {
    // Prepare
    const sim: Simulator = await context.restart({ timeoutMs: 50, maxRequestsPerSecond: 5, banSeconds: 1 });
    const tokens = sim.issueTokens(5);
    const writes: unknown[] = [];
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => writes.push(chunk) > 0),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => writes.push(chunk) > 0),
      ...(['log', 'error', 'warn', 'info', 'debug'] as const).map((name) =>
        jest.spyOn(console, name).mockImplementation((...args) => writes.push(args)),
      ),
    ];

    // Act
    try {
      for (const fault of ['connection_reset', 'timeout', 'html_503', 'internal_error', 'backoff'] as const) {
        sim.injectFault(fault);
        await get(sim, `access-tokens/${tokens.join(';')}/invalidate`).catch(() => undefined);
      }
      await get(sim, 'access-tokens/bad$token').catch(() => undefined);
      await get(sim, `apps/${tokens[0]}/de-authenticate`).catch(() => undefined);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    // Assess
    expect(writes).toEqual([]);
    expect(sim.requests.length).toBe(7);
  });
});
