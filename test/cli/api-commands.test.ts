import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fingerprint } from '../../functions/lib/tokens';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { expectNoTokens, runCli } from './run-cli';

interface Row {
  fingerprint: string;
  where: string;
  outcome: string;
  accountId?: number;
  expiresOn?: string;
  scope?: string[];
}

describe('token-revoker invalidate / inspect / deauthenticate against the simulator', () => {
  let simulator: Simulator;
  const env = () => ({ STACKEXCHANGE_API_URL: simulator.url, STACKEXCHANGE_REQUESTS_PER_SECOND: '25' });
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(() => simulator.close());
  beforeEach(() => simulator.reset());

  it('invalidate: one line per fingerprint, invalidated / already_dead / rejected, 20 tokens per call', async () => {
    // Prepare: 25 live tokens, one unknown, one the API refuses
    const live = simulator.issueTokens(25);
    const [poisoned] = simulator.issueTokens(1);
    simulator.poisonTokens([poisoned as string]);
    const tokens = [...live, 'unknownToken))', poisoned as string];
    // Act
    const run = await runCli(['invalidate'], { env: env(), stdin: tokens.join('\n') });
    // Assess
    expect(run.code).toBe(1); // a rejected token
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(27);
    expect(lines[0]).toMatch(new RegExp(`^${fingerprint(live[0])}\\s+invalidated$`));
    expect(lines[25]).toMatch(new RegExp(`^${fingerprint('unknownToken))')}\\s+already_dead$`));
    expect(lines[26]).toMatch(new RegExp(`^${fingerprint(poisoned)}\\s+rejected\\s+\\(.*bad_parameter`));
    expect(run.stderr).toContain('invalidate: 27 token(s): 25 invalidated, 1 already_dead, 1 rejected');
    for (const token of live) expect(simulator.tokenState(token)).toBe('invalidated');
    expectNoTokens(run, tokens);
  });

  it('invalidate --json: per-token outcomes for scripts, exit 0 when all are dead', async () => {
    const tokens = simulator.issueTokens(3);
    const run = await runCli(['invalidate', '--json', '--allow-token-args', ...tokens, tokens[0] as string], {
      env: env(),
    });
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { exitCode: number; counts: object; tokens: Row[] };
    expect(document.exitCode).toBe(0);
    expect(document.counts).toEqual({ invalidated: 3 });
    expect(document.tokens.map((row) => [row.where, row.outcome])).toEqual([
      ['argument 1', 'invalidated'],
      ['argument 2', 'invalidated'],
      ['argument 3', 'invalidated'],
    ]);
    expect(simulator.stats().byMethod.invalidate).toBe(1);
    expectNoTokens(run, tokens);
  });

  it('inspect: account, expiry and scope per fingerprint; exit 1 while any token is live, 0 after', async () => {
    // Prepare
    const [scoped] = simulator.issueTokens(1, { accountId: 42, scope: ['read_inbox'] });
    const [forever] = simulator.issueTokens(1, { accountId: 43, noExpiry: true });
    const tokens = [scoped as string, forever as string];
    // Act
    const before = await runCli(['inspect', '--json'], { env: env(), stdin: tokens.join('\n') });
    await runCli(['invalidate'], { env: env(), stdin: tokens.join('\n') });
    const after = await runCli(['inspect'], { env: env(), stdin: tokens.join('\n') });
    // Assess
    expect(before.code).toBe(1);
    const rows = (JSON.parse(before.stdout) as { tokens: Row[] }).tokens;
    expect(rows[0]).toMatchObject({ outcome: 'live', accountId: 42, scope: ['read_inbox'] });
    expect(rows[0]?.expiresOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(rows[1]).toMatchObject({ outcome: 'live', accountId: 43 });
    expect(rows[1]?.expiresOn).toBeUndefined();
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`${fingerprint(scoped)}  not_found`);
    expectNoTokens(before, tokens);
    expectNoTokens(after, tokens);
  });

  it('inspect text shows the properties on the token line', async () => {
    const [token] = simulator.issueTokens(1, { accountId: 7, scope: ['private_info', 'write_access'] });
    const run = await runCli(['inspect', '--file', '-'], { env: env(), stdin: `${token}\n` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${fingerprint(token)}\\s+live\\s+account=7\\s+expires=\\S+Z\\s+scope=private_info,write_access$`,
        'm',
      ),
    );
  });

  it('deauthenticate with --confirm-remove-app removes the app from the users', async () => {
    const tokens = simulator.issueTokens(2);
    const run = await runCli(['deauthenticate', '--confirm-remove-app', '--json'], {
      env: env(),
      stdin: [...tokens, 'goneToken))'].join('\n'),
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { counts: object }).counts).toEqual({
      deauthenticated: 2,
      already_dead: 1,
    });
    for (const token of tokens) expect(simulator.tokenState(token)).toBe('deauthenticated');
    expectNoTokens(run, tokens);
  });

  it('stops at a configuration error and exits 3 without sending the rest', async () => {
    // Prepare: the first call is answered access_denied (a wrong key)
    const tokens = simulator.issueTokens(45);
    simulator.injectFault('access_denied', { method: 'invalidate' });
    // Act
    const run = await runCli(['invalidate', '--json'], { env: env(), stdin: tokens.join('\n') });
    // Assess
    expect(run.code).toBe(3);
    const document = JSON.parse(run.stdout) as { counts: object; error: { category: string } };
    expect(document.counts).toEqual({ failed: 45 });
    expect(document.error.category).toBe('configuration');
    expect(simulator.stats().byMethod.invalidate).toBe(1);
    expectNoTokens(run, tokens);
  });

  it('exits 3 with a clear message when Stack Exchange is unreachable', async () => {
    const run = await runCli(['invalidate', '--max-attempts', '1', '--allow-token-args', 'someToken))'], {
      env: { STACKEXCHANGE_API_URL: 'http://127.0.0.1:9/2.3' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('stopped at http://127.0.0.1:9/2.3');
    expect(run.stderr).toContain('network error');
    expectNoTokens(run, ['someToken))']);
  });

  it('names the network error of an unreachable API: ECONNREFUSED on a closed port, bad_port on a port fetch refuses', async () => {
    // Prepare: a port that was just free
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Act
    const closed = await runCli(
      ['inspect', '--max-attempts', '1', '--api-url', `http://127.0.0.1:${port}/2.3`],
      {
        stdin: 'someToken\n',
      },
    );
    const blocked = await runCli(['inspect', '--max-attempts', '1', '--api-url', 'http://127.0.0.1:9/2.3'], {
      stdin: 'someToken\n',
    });
    // Assess
    expect(closed.code).toBe(3);
    expect(closed.stderr).toContain('network error (ECONNREFUSED)');
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain('network error (bad_port: fetch refuses this port)');
    expect(closed.stderr + blocked.stderr).not.toContain('unknown');
  });

  it('retries a transient fault and still reports the token invalidated', async () => {
    const [token] = simulator.issueTokens(1);
    simulator.injectFault('internal_error', { method: 'invalidate' });
    const run = await runCli(['invalidate', '--allow-token-args', token as string], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${fingerprint(token)}  invalidated`);
  });
});
