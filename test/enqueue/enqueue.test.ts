import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EnqueueValidationError, enqueueTokens, RevocationQueue } from '../../functions/enqueue';
import { ConfigurationError } from '../../functions/lib/errors';
import { parseMessageBody } from '../../functions/lib/message';
import { fingerprint } from '../../functions/lib/tokens';
import { LOCAL_CREDENTIALS, type LocalSqs, localSqsClient, startLocalSqs } from '../../tools/local-sqs';
import { withEnv } from '../support/env';

describe('enqueueTokens', () => {
  let sqs: LocalSqs;
  let count = 0;
  const newQueue = async (attributes?: Record<string, string>, suffix = '') => {
    count += 1;
    return (await sqs.createQueue(`enqueue-${count}${suffix}`, { attributes })).queueUrl;
  };
  const receiveAll = async (queueUrl: string) => {
    const bodies: string[] = [];
    for (;;) {
      const r = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (!r.Messages?.length) return bodies;
      bodies.push(...r.Messages.map((m) => m.Body ?? ''));
    }
  };
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it('sends one logout token in the handler format', async () => {
    // Prepare
    const queueUrl = await newQueue();
    // Act
    const result = await enqueueTokens(['logoutToken1'], {
      queueUrl,
      sqsClient: sqs.client,
      reason: 'logout',
      source: 'web',
    });
    // Assess
    expect(result).toMatchObject({ sent: 1, failed: 0, messages: 1 });
    expect(result.outcomes[0]).toMatchObject({
      index: 0,
      fingerprint: fingerprint('logoutToken1'),
      status: 'sent',
      messageId: expect.any(String),
    });
    const [body] = await receiveAll(queueUrl);
    expect(parseMessageBody(body as string)).toMatchObject({
      ok: true,
      tokens: ['logoutToken1'],
      reason: 'logout',
      source: 'web',
      action: 'invalidate',
    });
  });

  it('packs bulk input 20 tokens per message and 10 messages per batch, one outcome per input token', async () => {
    // Prepare: 250 unique tokens and 5 repeats
    const queueUrl = await newQueue();
    const tokens = Array.from({ length: 250 }, (_, i) => `bulkToken${i}`);
    const input = [...tokens, ...tokens.slice(0, 5)];
    const progress: number[] = [];
    // Act
    const result = await enqueueTokens(input, {
      queueUrl,
      sqsClient: sqs.client,
      action: 'deauthenticate',
      onProgress: (done) => progress.push(done),
    });
    // Assess
    expect(result).toMatchObject({ sent: 255, failed: 0, messages: 13 });
    expect(progress).toEqual([200, 250]); // two SendMessageBatch calls: 10 messages, then 3
    const bodies = (await receiveAll(queueUrl)).map((b) => parseMessageBody(b));
    expect(bodies.map((b) => (b.ok ? b.tokens.length : 0)).sort((a, b) => b - a)).toEqual([
      ...Array(12).fill(20),
      10,
    ]);
    expect(bodies.every((b) => b.ok && b.action === 'deauthenticate')).toBe(true);
    expect(new Set(bodies.flatMap((b) => (b.ok ? b.tokens : [])))).toEqual(new Set(tokens));
    expect(result.outcomes[250]).toMatchObject({
      index: 250,
      status: 'sent',
      messageId: (result.outcomes[0] as { messageId: string }).messageId,
    });
  });

  it('refuses invalid tokens before sending anything, naming positions but not tokens', async () => {
    const queueUrl = await newQueue();
    const error = await enqueueTokens(['fine', 'bad;token', 42, ''], {
      queueUrl,
      sqsClient: sqs.client,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueValidationError);
    expect((error as EnqueueValidationError).problems.map((p) => [p.index, p.problem])).toEqual([
      [1, 'bad_character'],
      [2, 'not_a_string'],
      [3, 'empty'],
    ]);
    expect((error as Error).message).toContain('token 2:');
    expect((error as Error).message).not.toContain('bad;token');
    expect(await receiveAll(queueUrl)).toEqual([]);
  });

  it('refuses a message that would exceed the size limit', async () => {
    const queueUrl = await newQueue();
    const error = await enqueueTokens(['tok'], {
      queueUrl,
      sqsClient: sqs.client,
      reason: 'x'.repeat(300 * 1024),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnqueueValidationError);
    expect((error as EnqueueValidationError).problems[0]).toMatchObject({ problem: 'reason' });
    expect(await receiveAll(queueUrl)).toEqual([]);
  });

  it('never reports success for entries SQS refuses', async () => {
    // A FIFO queue refuses every entry that has no MessageGroupId: real per-entry failures.
    const queueUrl = await newQueue({ FifoQueue: 'true' }, '.fifo');
    const result = await enqueueTokens(['t1', 't2'], {
      queueUrl,
      sqsClient: sqs.client,
      tokensPerMessage: 1,
      retryBaseDelayMs: 1,
    });
    expect(result).toMatchObject({ sent: 0, failed: 2 });
    for (const outcome of result.outcomes)
      expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('SQS refused') });
  });

  it('retries transport errors, then reports the tokens failed', async () => {
    const unreachable = localSqsClient('http://127.0.0.1:9');
    const started = Date.now();
    const result = await enqueueTokens(['t1'], {
      queueUrl: 'http://127.0.0.1:9/000000000000/nowhere',
      sqsClient: unreachable,
      maxAttempts: 3,
      retryBaseDelayMs: 10,
    });
    expect(result.outcomes).toEqual([
      {
        index: 0,
        fingerprint: fingerprint('t1'),
        status: 'failed',
        reason: expect.stringMatching(/could not reach SQS/),
        failure: 'unreachable',
        code: 'ECONNREFUSED',
      },
    ]);
    expect(Date.now() - started).toBeLessThan(10_000);
    unreachable.destroy();
  });

  it('reports a message over the queue size limit failed and the rest of the batch sent', async () => {
    // Prepare: a queue that refuses messages over 1 KiB; the first message (20 long tokens) is about 5 KiB
    const queueUrl = await newQueue({ MaximumMessageSize: '1024' });
    const long = Array.from({ length: 20 }, (_, i) => `${'L'.repeat(240)}${i}`);
    // Act
    const result = await enqueueTokens([...long, 'short1', 'short2'], {
      queueUrl,
      sqsClient: sqs.client,
      retryBaseDelayMs: 1,
    });
    // Assess
    expect(result).toMatchObject({ sent: 2, failed: 20, messages: 2 });
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      failure: 'refused',
      code: 'InvalidParameterValue',
    });
    expect(result.outcomes[21]).toMatchObject({ status: 'sent', messageId: expect.any(String) });
    const bodies = await receiveAll(queueUrl);
    expect(bodies.map((b) => parseMessageBody(b))).toMatchObject([
      { ok: true, tokens: ['short1', 'short2'] },
    ]);
  });

  it('does not retry a request SQS rejects (no such queue)', async () => {
    // Prepare
    const queueUrl = (await newQueue()).replace(/enqueue-\d+$/, 'missing');
    const started = Date.now();
    // Act
    const result = await enqueueTokens(['t1'], { queueUrl, sqsClient: sqs.client, retryBaseDelayMs: 1000 });
    // Assess
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      failure: 'rejected',
      code: 'QueueDoesNotExist',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('RevocationQueue holds the client and defaults for repeated logouts', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const queue = new RevocationQueue({ queueUrl, sqsClient: sqs.client, source: 'web' });
    // Act
    const result = await queue.enqueue(['logoutToken2'], { reason: 'logout' });
    // Assess
    expect(result.sent).toBe(1);
    const [body] = await receiveAll(queueUrl);
    expect(parseMessageBody(body as string)).toMatchObject({ ok: true, reason: 'logout', source: 'web' });
  });

  it('sends urgent requests to the urgent queue with priority in the body, routine ones to the routine queue', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const urgentQueueUrl = await newQueue();
    const lanes = { queueUrl, urgentQueueUrl, sqsClient: sqs.client };
    // Act
    const urgent = await enqueueTokens(['leakedToken1'], { ...lanes, priority: 'urgent', reason: 'leak' });
    const routine = await enqueueTokens(['logoutToken3'], { ...lanes, reason: 'logout' });
    // Assess
    expect(urgent).toMatchObject({ sent: 1, queueUrl: urgentQueueUrl, priority: 'urgent' });
    expect(routine).toMatchObject({ sent: 1, queueUrl, priority: 'routine' });
    const [urgentBody] = await receiveAll(urgentQueueUrl);
    const [routineBody] = await receiveAll(queueUrl);
    expect(JSON.parse(urgentBody as string)).toMatchObject({ tokens: ['leakedToken1'], priority: 'urgent' });
    expect(JSON.parse(routineBody as string)).toEqual(expect.objectContaining({ tokens: ['logoutToken3'] }));
    expect(JSON.parse(routineBody as string).priority ?? 'routine').toBe('routine');
  });

  it('refuses an urgent request without urgentQueueUrl, and never sends it to the routine queue', async () => {
    const queueUrl = await newQueue();
    const error = await enqueueTokens(['leakedToken2'], {
      queueUrl,
      sqsClient: sqs.client,
      priority: 'urgent',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).setting).toBe('urgentQueueUrl');
    expect((error as Error).message).toMatch(/UrgentQueueUrl.*nothing was sent.*priority "routine"/);
    expect(await receiveAll(queueUrl)).toEqual([]);
  });

  it('RevocationQueue routes each call by priority and checks its URLs when it is made', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const urgentQueueUrl = await newQueue();
    const queue = new RevocationQueue({ queueUrl, urgentQueueUrl, sqsClient: sqs.client });
    // Act
    await queue.enqueue(['logoutToken4']);
    await queue.enqueue(['leakedToken3'], { priority: 'urgent' });
    // Assess
    expect((await receiveAll(queueUrl)).map((b) => JSON.parse(b).tokens)).toEqual([['logoutToken4']]);
    expect((await receiveAll(urgentQueueUrl)).map((b) => JSON.parse(b).tokens)).toEqual([['leakedToken3']]);
    expect(() => new RevocationQueue({ sqsClient: sqs.client })).toThrow(ConfigurationError);
    expect(
      () =>
        new RevocationQueue({
          queueUrl,
          urgentQueueUrl: 'http://sqs.eu-west-1.amazonaws.com/123456789012/urgent',
          sqsClient: sqs.client,
        }),
    ).toThrow(/urgentQueueUrl: the queue URL must use https/);
  });

  it.each([
    ['queueUrl', { queueUrl: 'http://sqs.eu-west-1.amazonaws.com/123456789012/q' }],
    [
      'urgentQueueUrl',
      { urgentQueueUrl: 'http://sqs.eu-west-1.amazonaws.com/123456789012/u', priority: 'urgent' as const },
    ],
    [
      'sqsClient endpoint',
      {
        queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
        sqsClient: new SQSClient({ region: 'eu-west-1', endpoint: 'http://sqs.eu-west-1.example.invalid' }),
      },
    ],
  ])('refuses cleartext toward SQS (%s) before sending anything', async (setting, options) => {
    const error = await enqueueTokens(['someToken'], { sqsClient: sqs.client, ...options }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).setting).toBe(setting);
    expect((error as Error).message).toContain('must use https');
  });

  it('refuses at send time a cleartext endpoint that comes from the environment', async () => {
    // Prepare: a client that takes its endpoint from AWS_ENDPOINT_URL_SQS, not from the queue URL
    const queueUrl = await newQueue();
    // Act
    const result = await withEnv(
      { AWS_ENDPOINT_URL_SQS: 'http://sqs.eu-west-1.example.invalid' },
      async () => {
        const client = new SQSClient({
          region: 'us-east-1',
          credentials: LOCAL_CREDENTIALS,
          maxAttempts: 1,
          useQueueUrlAsEndpoint: false,
        });
        return enqueueTokens(['someToken'], { queueUrl, sqsClient: client, maxAttempts: 1 }).finally(() =>
          client.destroy(),
        );
      },
    );
    // Assess
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      failure: 'rejected',
      code: 'ConfigurationError',
      reason: expect.stringContaining('must use https'),
    });
  });

  it('says how to fix a client without a region', async () => {
    // Prepare: no region from the client's options, the environment or a config file
    const queueUrl = await newQueue();
    const noRegion = {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
    };
    // Act
    const result = await withEnv(noRegion, async () => {
      const client = new SQSClient({ endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });
      return enqueueTokens(['someToken'], { queueUrl, sqsClient: client }).finally(() => client.destroy());
    });
    // Assess
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      failure: 'rejected',
      reason: expect.stringMatching(/Region is missing.*set AWS_REGION, or give the SQSClient a region/),
    });
  });

  it('refuses bad options clearly', async () => {
    await expect(enqueueTokens(['t'], { queueUrl: 'queue' })).rejects.toThrow(/queueUrl/);
    await expect(enqueueTokens([], { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q' })).rejects.toThrow(
      /no tokens/,
    );
  });
});
