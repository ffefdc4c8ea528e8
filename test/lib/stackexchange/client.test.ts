import {
  BatchSizeError,
  CallNotAttemptedError,
  ConfigurationError,
  ErrorCategory,
  InvalidTokenError,
  RequestTimeoutError,
  StackExchangeApiError,
  TransportError,
} from '../../../functions/lib/errors';
import {
  type ClientEvent,
  StackExchangeClient,
  type StackExchangeClientOptions,
} from '../../../functions/lib/stackexchange/client';
import { scrubMessage } from '../../../functions/lib/stackexchange/wrapper';
import { fingerprint } from '../../../functions/lib/tokens';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../../tools/simulator';

describe('StackExchangeClient', () => {
  let sim: Simulator;
  const start = async (options: SimulatorOptions = {}) => {
    sim = await startSimulator({ seed: 7, ...options });
    return sim;
  };
  const client = (options: StackExchangeClientOptions = {}) =>
    new StackExchangeClient({ apiUrl: sim.url, requestsPerSecond: 50, retryBaseDelayMs: 10, ...options });
  afterEach(async () => {
    await sim?.close();
  });

  describe('invalidate', () => {
    it('returns the invalidated tokens and leaves unknown ones out', async () => {
      // Prepare
      await start();
      const live = sim.issueTokens(3);
      // Act
      const result = await client().invalidate([...live, 'unknownToken1))']);
      // Assess
      expect(result.items.map((item) => item.accessToken).sort()).toEqual([...live].sort());
      expect(result.attempts).toBe(1);
      expect(live.map((t) => sim.tokenState(t))).toEqual(['invalidated', 'invalidated', 'invalidated']);
      expect(sim.requests[0]?.method).toBe('invalidate');
      expect(sim.requests[0]?.tokens).toEqual([...live, 'unknownToken1))']);
    });

    it('tracks quota_remaining', async () => {
      await start({ quotaMax: 100 });
      const c = client();
      await c.invalidate(sim.issueTokens(1));
      expect(c.quotaRemaining).toBe(99);
    });
  });

  describe('read and de-authenticate', () => {
    it('reads account, expiry and scope of live tokens', async () => {
      await start();
      const [token] = sim.issueTokens(1, { accountId: 42, scope: ['read_inbox'] });
      const result = await client().read([token as string]);
      expect(result.items).toEqual([
        expect.objectContaining({ accessToken: token, accountId: 42, scope: ['read_inbox'] }),
      ]);
      expect(typeof result.items[0]?.expiresOnDate).toBe('number');
    });

    it('de-authenticates through the apps endpoint', async () => {
      await start();
      const tokens = sim.issueTokens(2, { accountId: 9 });
      const result = await client().deauthenticate([tokens[0] as string]);
      expect(result.items.map((i) => i.accessToken)).toEqual([tokens[0]]);
      expect(sim.requests[0]?.method).toBe('deauthenticate');
      expect(sim.tokenState(tokens[1] as string)).toBe('deauthenticated');
    });
  });

  describe('input checks', () => {
    it('refuses more than 20 tokens before any request', async () => {
      await start();
      await expect(client().invalidate(sim.issueTokens(21))).rejects.toThrow(BatchSizeError);
      await expect(client().invalidate([])).rejects.toThrow(BatchSizeError);
      expect(sim.requests).toHaveLength(0);
    });

    it.each(['a;b', '../x', 'x/y', '%2F', 'with space', '', 'x'.repeat(257), '..'])(
      'never sends the hostile token %j',
      async (hostile) => {
        await start();
        const error = await client()
          .invalidate(['goodToken', hostile])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidTokenError);
        expect((error as InvalidTokenError).index).toBe(1);
        expect((error as Error).message).not.toContain(hostile || 'never-empty');
        expect(sim.requests).toHaveLength(0);
      },
    );

    it('never sends a non-string', async () => {
      await start();
      await expect(client().invalidate([42 as unknown as string])).rejects.toThrow(InvalidTokenError);
      expect(sim.requests).toHaveLength(0);
    });

    it('refuses plain http except on loopback', () => {
      expect(() => new StackExchangeClient({ apiUrl: 'http://api.stackexchange.com/2.3' })).toThrow(
        ConfigurationError,
      );
      expect(new StackExchangeClient({ apiUrl: 'http://127.0.0.1:1/2.3' }).apiUrl).toBe(
        'http://127.0.0.1:1/2.3',
      );
      expect(new StackExchangeClient().apiUrl).toBe('https://api.stackexchange.com/2.3');
    });
  });

  describe('app key', () => {
    it('sends the key as a query parameter by default', async () => {
      await start({ requiredKey: 'appKey123', authStyle: 'query' });
      await expect(client({ key: 'appKey123' }).invalidate(sim.issueTokens(1))).resolves.toBeDefined();
      expect(sim.requests[0]?.key).toBe('appKey123');
    });

    it('sends the key in a header when asked', async () => {
      await start({ requiredKey: 'appKey123', authStyle: 'header' });
      await expect(
        client({ key: 'appKey123', authStyle: 'header' }).invalidate(sim.issueTokens(1)),
      ).resolves.toBeDefined();
    });

    it('reports a wrong key as a configuration error, without retrying', async () => {
      await start({ requiredKey: 'right' });
      const error = await client({ key: 'wrong' })
        .invalidate(sim.issueTokens(1))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackExchangeApiError);
      expect(error).toMatchObject({
        errorName: 'access_denied',
        errorId: 403,
        status: 400,
        category: ErrorCategory.Configuration,
      });
      expect(sim.requests).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it('classifies bad_parameter as bad input and does not retry it', async () => {
      await start();
      const tokens = sim.issueTokens(2);
      sim.poisonTokens([tokens[1] as string]);
      const error = await client()
        .invalidate(tokens)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'StackExchangeApiError',
        errorId: 400,
        errorName: 'bad_parameter',
        method: 'invalidate',
      });
      expect((error as StackExchangeApiError).category).toBe(ErrorCategory.BadInput);
      expect(sim.requests).toHaveLength(1);
      for (const token of tokens) expect((error as Error).message).not.toContain(token);
    });

    it.each(['internal_error', 'temporarily_unavailable', 'write_failed', 'duplicate_request'] as const)(
      'retries %s and succeeds',
      async (fault) => {
        await start();
        const tokens = sim.issueTokens(2);
        sim.injectFault(fault, { times: 2 });
        const result = await client().invalidate(tokens);
        expect(result.attempts).toBe(3);
        expect(result.items).toHaveLength(2);
      },
    );

    it('gives up after maxAttempts with the last transient error', async () => {
      await start();
      sim.injectFault('internal_error', { times: 5 });
      const error = await client({ maxAttempts: 2 })
        .invalidate(sim.issueTokens(1))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ errorName: 'internal_error', category: ErrorCategory.Transient });
      expect(sim.requests).toHaveLength(2);
    });

    it('survives an HTML 503 page as a transient error', async () => {
      await start();
      sim.injectFault('html_503', { times: 3 });
      const error = await client()
        .invalidate(sim.issueTokens(1))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({
        errorName: 'non_json_response',
        status: 503,
        category: ErrorCategory.Transient,
      });
    });

    it('retries a connection reset', async () => {
      await start();
      sim.injectFault('connection_reset');
      const result = await client().invalidate(sim.issueTokens(1));
      expect(result.attempts).toBe(2);
    });

    it('times out a request that hangs, without quoting the URL', async () => {
      await start({ timeoutMs: 5_000 });
      const tokens = sim.issueTokens(1);
      sim.injectFault('timeout', { times: 3 });
      const error = await client({ timeoutMs: 200, maxAttempts: 1 })
        .invalidate(tokens)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect((error as Error).message).not.toContain(tokens[0]);
      expect(String((error as Error).cause ?? '')).not.toContain(tokens[0]);
    });

    it('reports a refused connection as a transient network error', async () => {
      await start();
      const url = sim.url;
      await sim.close();
      const error = await new StackExchangeClient({ apiUrl: url, maxAttempts: 1 })
        .invalidate(['someToken'])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'TransportError',
        errorName: 'network_error',
        category: ErrorCategory.Transient,
      });
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect((error as Error).message).not.toContain('someToken');
    });

    it.each(['gzip', 'deflate', 'none'] as const)('reads %s bodies', async (compression) => {
      await start({ compression });
      const tokens = sim.issueTokens(2);
      expect((await client().invalidate(tokens)).items).toHaveLength(2);
    });
  });

  describe('backoff and throttling', () => {
    it('honours backoff per method, plus a margin, without violating it', async () => {
      // Prepare
      await start({ backoffSeconds: 1 });
      const events: ClientEvent[] = [];
      const c = client();
      const onEvent = (e: ClientEvent) => events.push(e);
      sim.injectFault('backoff', { method: 'invalidate' });
      // Act
      await c.invalidate(sim.issueTokens(1), { onEvent });
      await c.read(sim.issueTokens(1), { onEvent }); // another method is not held back
      const readAt = Date.now();
      await c.invalidate(sim.issueTokens(1), { onEvent });
      // Assess
      expect(sim.stats().backoffViolations).toBe(0);
      const [first, read, second] = sim.requests;
      expect(read?.method).toBe('read');
      expect((read?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(1000);
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(2000);
      expect(Date.now() - readAt).toBeGreaterThanOrEqual(1000);
      expect(events).toContainEqual({ type: 'backoff', method: 'invalidate', seconds: 1 });
    });

    it('does not start a call whose backoff outlasts the deadline', async () => {
      await start({ backoffSeconds: 30 });
      const c = client();
      sim.injectFault('backoff');
      await c.invalidate(sim.issueTokens(1));
      const error = await c
        .invalidate(sim.issueTokens(1), { deadline: Date.now() + 2000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CallNotAttemptedError);
      expect(error).toMatchObject({ blockedBy: 'backoff', category: ErrorCategory.Throttled });
      expect(sim.requests).toHaveLength(1);
    });

    it('stops calling after a throttle violation', async () => {
      await start();
      const c = client();
      sim.injectFault('throttle_violation');
      const first = await c.invalidate(sim.issueTokens(1)).catch((e: unknown) => e);
      const second = await c
        .read(sim.issueTokens(1), { deadline: Date.now() + 3000 })
        .catch((e: unknown) => e);
      expect(first).toMatchObject({ errorName: 'throttle_violation', category: ErrorCategory.Throttled });
      expect(second).toMatchObject({ name: 'CallNotAttemptedError', blockedBy: 'throttled' });
      expect(sim.requests).toHaveLength(1);
    });

    it('stops calling a method after a configuration error', async () => {
      await start();
      const c = client();
      sim.injectFault('no_method');
      await expect(c.invalidate(sim.issueTokens(1))).rejects.toMatchObject({
        category: ErrorCategory.Configuration,
      });
      await expect(c.invalidate(sim.issueTokens(1), { deadline: Date.now() + 3000 })).rejects.toMatchObject({
        blockedBy: 'configuration',
      });
      expect(sim.requests).toHaveLength(1);
    });

    it('keeps to its request budget under concurrency', async () => {
      await start({ maxRequestsPerSecond: 4 });
      const c = client({ requestsPerSecond: 3 });
      await Promise.all(Array.from({ length: 8 }, () => c.invalidate(sim.issueTokens(1))));
      expect(sim.stats().throttleViolations).toBe(0);
      expect(sim.requests).toHaveLength(8);
    });
  });
});

describe('scrubMessage', () => {
  it('replaces tokens of the call by their fingerprints', () => {
    const message = scrubMessage('access_tokens: invalid value abc123 in abc123;zzz', ['abc123', 'zzz']);
    expect(message).toBe(
      `access_tokens: invalid value <token ${fingerprint('abc123')}> in <token ${fingerprint('abc123')}>;<token ${fingerprint('zzz')}>`,
    );
  });

  it('replaces a quoted token list whose tokens are not of the call by a placeholder, as its comment says', () => {
    const message = scrubMessage('access_tokens: invalid value otherTokA1;otherTokB2;x in path', ['mine1']);
    expect(message).toBe('access_tokens: invalid value <token list> in path');
    expect(scrubMessage('no list; here', [])).toBe('no list; here');
  });
});
