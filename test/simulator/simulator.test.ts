import { request } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../tools/simulator';

interface Body {
  items?: { access_token: string; account_id: number; expires_on_date?: number; scope: string[] }[];
  error_id?: number;
  error_name?: string;
  error_message?: string;
  quota_max?: number;
  quota_remaining?: number;
  backoff?: number;
  has_more?: boolean;
  type?: string;
}

describe('Stack Exchange simulator', () => {
  let sim: Simulator;
  const start = async (options: SimulatorOptions = {}) => {
    sim = await startSimulator({ seed: 3, ...options });
  };
  afterEach(() => sim?.close());

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${sim.url}/${path}`, init);
    const text = await response.text();
    let body: Body | undefined;
    try {
      body = JSON.parse(text) as Body;
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text, type: response.headers.get('content-type') };
  };

  it('issues tokens of the real shape, unique and reproducible from the seed', async () => {
    await start();
    const tokens = sim.issueTokens(50);
    expect(new Set(tokens).size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9*(]{22}\)\)$/);
    const again = await startSimulator({ seed: 3 });
    expect(again.issueTokens(50)).toEqual(tokens);
    await again.close();
  });

  it('invalidates live tokens, leaves unknown and dead ones out, with the full wrapper', async () => {
    await start({ quotaMax: 50 });
    const [a, b] = sim.issueTokens(2);
    const first = await get(`access-tokens/${a};${b};unknownOne/invalidate`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      has_more: false,
      quota_max: 50,
      quota_remaining: 49,
      type: 'access_token',
    });
    expect(first.body?.items?.map((i) => i.access_token)).toEqual([a, b]);
    const second = await get(`access-tokens/${a}/invalidate`);
    expect(second.body?.items).toEqual([]);
    expect(sim.tokenState(a as string)).toBe('invalidated');
    expect(sim.tokenState('unknownOne')).toBe('unknown');
  });

  it('reads live tokens with account, expiry and scope', async () => {
    await start();
    const [token] = sim.issueTokens(1, { accountId: 7, scope: ['private_info'] });
    const [eternal] = sim.issueTokens(1, { noExpiry: true });
    const { body } = await get(`access-tokens/${token};${eternal}`);
    expect(body?.items?.[0]).toMatchObject({ access_token: token, account_id: 7, scope: ['private_info'] });
    expect(typeof body?.items?.[0]?.expires_on_date).toBe('number');
    expect(body?.items?.[1]?.expires_on_date).toBeUndefined();
  });

  it("de-authenticates: every live token of the user's account dies", async () => {
    await start();
    const [a, b] = sim.issueTokens(2, { accountId: 5 });
    const [other] = sim.issueTokens(1, { accountId: 6 });
    const { body } = await get(`apps/${a}/de-authenticate`);
    expect(body?.items?.map((i) => i.access_token)).toEqual([a]);
    expect([a, b, other].map((t) => sim.tokenState(t as string))).toEqual([
      'deauthenticated',
      'deauthenticated',
      'live',
    ]);
  });

  it.each([
    ['more than 20 tokens', () => Array.from({ length: 21 }, (_, i) => `t${i}`).join(';')],
    ['a bad character', () => 'abc$def'],
    ['an empty token', () => 'abc;;def'],
  ])('answers 400 bad_parameter for %s', async (_name, segment) => {
    await start();
    const { status, body } = await get(`access-tokens/${segment()}/invalidate`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error_id: 400, error_name: 'bad_parameter' });
  });

  it('answers bad_parameter for any call holding a poisoned token', async () => {
    await start();
    const [good, bad] = sim.issueTokens(2);
    sim.poisonTokens([bad as string]);
    expect((await get(`access-tokens/${good};${bad}/invalidate`)).body?.error_name).toBe('bad_parameter');
    expect(sim.tokenState(good as string)).toBe('live');
  });

  it('answers no_method for unknown routes and versions', async () => {
    await start();
    expect((await get('users/1')).body).toMatchObject({ error_id: 404, error_name: 'no_method' });
    const old = await fetch(`${sim.origin}/2.1/access-tokens/abc/invalidate`);
    expect(((await old.json()) as Body).error_name).toBe('no_method');
    expect((await fetch(`${sim.origin}/2.2/access-tokens/abc/invalidate`)).status).toBe(200);
  });

  it.each([
    ['internal_error', 500],
    ['temporarily_unavailable', 503],
    ['write_failed', 407],
    ['duplicate_request', 409],
    ['access_denied', 403],
    ['key_required', 405],
    ['invalid_access_token', 402],
  ] as const)('injects %s as HTTP 400 with error_id %i, once', async (fault, id) => {
    await start();
    sim.injectFault(fault);
    expect(await get('access-tokens/abc/invalidate')).toMatchObject({
      status: 400,
      body: { error_id: id, error_name: fault },
    });
    expect((await get('access-tokens/abc/invalidate')).status).toBe(200);
    expect(sim.stats().faultsInjected).toBe(1);
  });

  it('injects faults for one method only when asked', async () => {
    await start();
    sim.injectFault('internal_error', { method: 'read' });
    expect((await get('access-tokens/abc/invalidate')).status).toBe(200);
    expect((await get('access-tokens/abc')).status).toBe(400);
  });

  it('serves an HTML 503 page', async () => {
    await start();
    sim.injectFault('html_503');
    const { status, type, text } = await get('access-tokens/abc/invalidate');
    expect(status).toBe(503);
    expect(type).toContain('text/html');
    expect(text).toContain('<html>');
  });

  it('resets the connection', async () => {
    await start();
    sim.injectFault('connection_reset');
    await expect(fetch(`${sim.url}/access-tokens/abc/invalidate`)).rejects.toThrow();
    expect(sim.requests[0]).toMatchObject({ status: 0, fault: 'connection_reset' });
  });

  it('holds a request on timeout, and close() does not wait for it', async () => {
    await start({ timeoutMs: 60_000 });
    sim.injectFault('timeout');
    const pending = fetch(`${sim.url}/access-tokens/abc/invalidate`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ name: 'TypeError' }); // fetch failed: the socket was destroyed
  });

  it('applies latency', async () => {
    await start({ latencyMs: 150 });
    const started = Date.now();
    await get('access-tokens/abc/invalidate');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it.each([
    ['gzip', 'gzip', gunzipSync],
    ['deflate', 'deflate', inflateSync],
    ['none', undefined, (b: Buffer) => b],
  ] as const)('compresses with %s', async (compression, encoding, decode) => {
    await start({ compression });
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(
        `${sim.url}/access-tokens/abc/invalidate`,
        { headers: { 'accept-encoding': 'gzip, deflate' } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        },
      )
        .on('error', reject)
        .end();
    });
    expect(raw.encoding).toBe(encoding);
    expect(JSON.parse(decode(raw.body).toString('utf8'))).toMatchObject({ items: [] });
  });

  it('sends backoff and records a violation per method', async () => {
    await start({ backoffSeconds: 5 });
    sim.injectFault('backoff', { method: 'invalidate' });
    expect((await get('access-tokens/abc/invalidate')).body?.backoff).toBe(5);
    const violation = await get('access-tokens/abc/invalidate');
    expect(violation.body).toMatchObject({ error_id: 502, error_name: 'throttle_violation' });
    expect(violation.body?.error_message).toMatch(/available in [45] seconds/);
    expect((await get('access-tokens/abc')).status).toBe(200); // read is another method
    expect(sim.stats().backoffViolations).toBe(1);
  });

  it('throttles above the request rate and bans the client', async () => {
    await start({ maxRequestsPerSecond: 3, banSeconds: 1 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('access-tokens/abc/invalidate')).status);
    expect(statuses).toEqual([200, 200, 200, 400, 400]);
    expect(sim.stats().throttleViolations).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await get('access-tokens/abc/invalidate')).status).toBe(200);
  });

  it('requires the app key when configured, in the query or a header', async () => {
    await start({ requiredKey: 'k1' });
    expect((await get('access-tokens/abc/invalidate')).body?.error_name).toBe('key_required');
    expect((await get('access-tokens/abc/invalidate?key=nope')).body?.error_name).toBe('access_denied');
    expect((await get('access-tokens/abc/invalidate?key=k1')).status).toBe(200);
    expect(
      (await get('access-tokens/abc/invalidate', { headers: { authorization: 'Bearer k1' } })).status,
    ).toBe(200);
    expect(sim.requests.map((r) => r.key)).toEqual([undefined, 'nope', 'k1', 'k1']);
  });

  it('draws random faults reproducibly from the seed', async () => {
    const pattern = async () => {
      await start({ faults: { rate: 0.5, kinds: ['internal_error', 'html_503'] } });
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await get('access-tokens/abc/invalidate')).status);
      await sim.close();
      return statuses;
    };
    const first = await pattern();
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(await pattern()).toEqual(first);
  });

  it('counts calls, tokens per call and outcomes in stats(), and forgets them on reset()', async () => {
    await start();
    const tokens = sim.issueTokens(30);
    await get(`access-tokens/${tokens.slice(0, 20).join(';')}/invalidate`);
    await get(`access-tokens/${tokens.slice(20).join(';')}/invalidate`);
    sim.injectFault('internal_error');
    await get('access-tokens/abc/invalidate');
    expect(sim.stats()).toMatchObject({
      requests: 3,
      byMethod: { invalidate: 3, read: 0, deauthenticate: 0, unknown: 0 },
      successfulCalls: 2,
      tokensInSuccessfulCalls: 30,
      meanTokensPerSuccessfulCall: 15,
      invalidated: 30,
      errorsByName: { internal_error: 1 },
      quotaRemaining: 9997,
    });
    sim.reset();
    expect(sim.stats()).toMatchObject({ requests: 0, invalidated: 0, quotaRemaining: 10_000 });
    expect(sim.tokenState(tokens[0] as string)).toBe('unknown');
  });
});
