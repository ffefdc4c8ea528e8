import { startSimulator } from '../../tools/simulator';
import { get, rawRequest, useSimulator } from './support';

describe('simulator: methods, wrapper and input rules', () => {
  const context = useSimulator();

  describe('issued tokens', () => {
    it('have the real shape, are unique and are live', () => {
      // Prepare
      const { sim } = context;

      // Act
      const tokens = sim.issueTokens(200);

      // Assess
      expect(new Set(tokens).size).toBe(200);
      for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9*(]{22}\)\)$/);
      expect(tokens.every((token) => sim.tokenState(token) === 'live')).toBe(true);
    });

    it('can be added by value, with an account, no expiry and a scope', async () => {
      // Prepare
      const { sim } = context;
      sim.addTokens(['handMadeToken1', 'handMadeToken2'], {
        accountId: 9,
        noExpiry: true,
        scope: ['read_inbox'],
      });

      // Act
      const { body } = await get(sim, 'access-tokens/handMadeToken1;handMadeToken2');

      // Assess
      expect(body?.items).toEqual([
        { access_token: 'handMadeToken1', account_id: 9, scope: ['read_inbox'] },
        { access_token: 'handMadeToken2', account_id: 9, scope: ['read_inbox'] },
      ]);
    });
  });

  it('answers with the full wrapper as UTF-8 JSON, counting the quota down', async () => {
    // Prepare
    const sim = await context.restart({ quotaMax: 50 });
    const [token] = sim.issueTokens(1);

    // Act
    const first = await get(sim, `access-tokens/${token}/invalidate`);
    const second = await get(sim, 'access-tokens/unknownToken/invalidate');

    // Assess
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(first.body).toEqual({
      items: [expect.objectContaining({ access_token: token })],
      has_more: false,
      quota_max: 50,
      quota_remaining: 49,
      page: 1,
      page_size: 30,
      total: 1,
      type: 'access_token',
    });
    expect(second.body).toMatchObject({ items: [], total: 0, quota_remaining: 48 });
    expect(second.body).not.toHaveProperty('backoff');
  });

  it('invalidates live tokens and leaves unknown and already dead ones out of items', async () => {
    // Prepare
    const { sim } = context;
    const [a, b, c] = sim.issueTokens(3, { accountId: 4 }) as [string, string, string];
    await get(sim, `access-tokens/${c}/invalidate`);

    // Act
    const { status, body } = await get(sim, `access-tokens/${a};unknownOne;${b};${c};${a}/invalidate`);

    // Assess
    expect(status).toBe(200);
    expect(body?.items).toEqual([
      { access_token: a, account_id: 4, expires_on_date: expect.any(Number) },
      { access_token: b, account_id: 4, expires_on_date: expect.any(Number) },
    ]);
    expect([a, b, c, 'unknownOne'].map((t) => sim.tokenState(t))).toEqual([
      'invalidated',
      'invalidated',
      'invalidated',
      'unknown',
    ]);
    expect(sim.stats().invalidated).toBe(3);
  });

  it('reads live tokens with account, expiry and scope, leaving dead and unknown ones out', async () => {
    // Prepare
    const { sim } = context;
    const [expiring] = sim.issueTokens(1, { accountId: 7, scope: ['private_info'] }) as [string];
    const [eternal] = sim.issueTokens(1, { noExpiry: true }) as [string];
    const [dead] = sim.issueTokens(1) as [string];
    await get(sim, `access-tokens/${dead}/invalidate`);
    const now = Math.floor(Date.now() / 1000);

    // Act
    const { body } = await get(sim, `access-tokens/${expiring};${eternal};${dead};unknownOne`);

    // Assess
    expect(body?.items).toHaveLength(2);
    expect(body?.items?.[0]).toEqual({
      access_token: expiring,
      account_id: 7,
      expires_on_date: expect.any(Number),
      scope: ['private_info'],
    });
    expect(body?.items?.[0]?.expires_on_date).toBeGreaterThan(now);
    expect(body?.items?.[1]).toEqual({ access_token: eternal, account_id: expect.any(Number), scope: [] });
    expect(sim.tokenState(expiring)).toBe('live');
  });

  it("de-authenticates: the app leaves the user, every live token of the user's account dies", async () => {
    // Prepare
    const { sim } = context;
    const [a, b, c] = sim.issueTokens(3, { accountId: 5 }) as [string, string, string];
    const [other] = sim.issueTokens(1, { accountId: 6 }) as [string];
    await get(sim, `access-tokens/${c}/invalidate`);

    // Act
    const { status, body } = await get(sim, `apps/${a};unknownOne/de-authenticate`);

    // Assess
    expect(status).toBe(200);
    expect(body?.items?.map((item) => item.access_token)).toEqual([a]);
    expect([a, b, c, other].map((t) => sim.tokenState(t))).toEqual([
      'deauthenticated',
      'deauthenticated',
      'invalidated',
      'live',
    ]);
    expect(sim.stats()).toMatchObject({ deauthenticated: 2, invalidated: 1 });
  });

  it('serves version 2.2 like 2.3', async () => {
    // Prepare
    const { sim } = context;
    const [token] = sim.issueTokens(1);

    // Act
    const response = await fetch(`${sim.origin}/2.2/access-tokens/${token}/invalidate`);

    // Assess
    expect(response.status).toBe(200);
    expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it.each([
    ['another resource', '/2.3/users/1'],
    ['another version', '/2.1/access-tokens/abc/invalidate'],
    ['no version', '/access-tokens/abc/invalidate'],
    ['another action', '/2.3/access-tokens/abc/revoke'],
    ['a trailing segment', '/2.3/access-tokens/abc/invalidate/more'],
    ['apps without de-authenticate', '/2.3/apps/abc'],
    ['the root', '/'],
  ])('answers 400 no_method (404) for %s', async (_name, path) => {
    // Prepare
    const { sim } = context;

    // Act
    const response = await fetch(`${sim.origin}${path}`);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error_id: 404,
      error_name: 'no_method',
      quota_max: 10_000,
    });
  });

  it.each(['POST', 'DELETE', 'PUT'])('answers no_method to %s', async (method) => {
    // Prepare
    const { sim } = context;
    const [token] = sim.issueTokens(1) as [string];

    // Act
    const raw = await rawRequest(sim, `/2.3/access-tokens/${token}/invalidate`, { method });

    // Assess
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.bytes.toString('utf8'))).toMatchObject({ error_name: 'no_method' });
    expect(sim.tokenState(token)).toBe('live');
  });

  it.each([
    ['21 tokens', Array.from({ length: 21 }, (_, i) => `token${i}`).join(';')],
    ['a character outside the alphabet', 'abc$def'],
    ['a percent-encoded slash', 'abc%2Fdef'],
    ['a percent-encoded space', 'abc%20def'],
    ['an empty token between two', 'abc;;def'],
    ['a trailing separator', 'abc;'],
    ['an empty segment', ''],
    ['broken percent-encoding', 'abc%E0%A4%A'],
  ])('answers 400 bad_parameter for %s, touching no token', async (_name, segment) => {
    // Prepare
    const { sim } = context;
    sim.addTokens(['abc', 'def']);

    // Act
    const { status, body } = await get(sim, `access-tokens/${segment}/invalidate`);

    // Assess
    expect(status).toBe(400);
    expect(body).toMatchObject({ error_id: 400, error_name: 'bad_parameter', items: [] });
    expect(sim.tokenState('abc')).toBe('live');
  });

  it('answers bad_parameter for a dot-dot token instead of resolving the path', async () => {
    // Prepare
    const { sim } = context;

    // Act
    const raw = await rawRequest(sim, '/2.3/access-tokens/../invalidate');

    // Assess
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.bytes.toString('utf8'))).toMatchObject({ error_name: 'bad_parameter' });
    expect(sim.requests[0]).toMatchObject({ method: 'invalidate', tokens: ['..'] });
  });

  it('accepts exactly 20 tokens, the whole alphabet and percent-encoded legal characters', async () => {
    // Prepare
    const { sim } = context;
    const tokens = [...sim.issueTokens(18), 'Az09*()_-))', 'encoded(*)'];
    sim.addTokens(tokens.slice(18));
    const segment = [...tokens.slice(0, 19), 'encoded%28%2A%29'].join(';');

    // Act
    const { status, body } = await get(sim, `access-tokens/${segment}/invalidate`);

    // Assess
    expect(status).toBe(200);
    expect(body?.items).toHaveLength(20);
    expect(sim.requests[0]?.tokens).toEqual(tokens);
  });

  it('answers bad_parameter to the whole call when it holds a poisoned token, and only then', async () => {
    // Prepare
    const { sim } = context;
    const [good, bad] = sim.issueTokens(2) as [string, string];
    sim.poisonTokens([bad]);

    // Act
    const together = await get(sim, `access-tokens/${good};${bad}/invalidate`);
    const alone = await get(sim, `access-tokens/${good}/invalidate`);

    // Assess
    expect(together.body).toMatchObject({ error_id: 400, error_name: 'bad_parameter' });
    expect(alone.body?.items?.map((item) => item.access_token)).toEqual([good]);
    expect(sim.tokenState(bad)).toBe('live');
  });

  it('records each request: method, tokens, status, items and flags', async () => {
    // Prepare
    const { sim } = context;
    const [a, b] = sim.issueTokens(2) as [string, string];
    const before = Date.now();

    // Act
    await get(sim, `access-tokens/${a};${b}/invalidate`);
    await get(sim, `access-tokens/${a}`);
    await get(sim, 'users/1');

    // Assess
    expect(sim.requests).toEqual([
      {
        at: expect.any(Number),
        method: 'invalidate',
        tokens: [a, b],
        status: 200,
        itemsReturned: 2,
        backoffViolation: false,
        throttleViolation: false,
        quotaExhausted: false,
      },
      expect.objectContaining({ method: 'read', tokens: [a], status: 200, itemsReturned: 0 }),
      expect.objectContaining({ method: 'unknown', tokens: [], status: 400, errorName: 'no_method' }),
    ]);
    expect(sim.requests[0]?.at).toBeGreaterThanOrEqual(before);
    expect(sim.requests[0]?.at).toBeLessThanOrEqual(Date.now());
  });

  it('listens on 127.0.0.1 and can be given a port', async () => {
    // Prepare
    const { sim } = context;
    const port = Number(new URL(sim.origin).port);
    await sim.close();

    // Act
    const again = await context.restart({ port });

    // Assess
    expect(again.origin).toBe(`http://127.0.0.1:${port}`);
    expect(again.url).toBe(`http://127.0.0.1:${port}/2.3`);
    await expect(startSimulator({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
