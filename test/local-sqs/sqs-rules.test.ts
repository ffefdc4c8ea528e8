import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  OverLimit,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import {
  DEFAULT_LATENCY_MS,
  DEFAULT_MAX_IN_FLIGHT_MESSAGES,
  type LocalSqs,
  type LocalSqsOptions,
  startLocalSqs,
} from '../../tools/local-sqs';
import { resolveOptions } from '../../tools/local-sqs/options.mjs';

const SERVER_SCRIPT = join(__dirname, '../../tools/local-sqs/server.mjs');
const LIMIT_MESSAGE =
  'Value 43200 for parameter VisibilityTimeout is invalid. ' +
  'Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A server started before the tests of a describe block and stopped after them. */
function useLocalSqs(options: LocalSqsOptions) {
  const context: { sqs?: LocalSqs } = {};
  beforeAll(async () => {
    context.sqs = await startLocalSqs(options);
  });
  afterAll(() => context.sqs?.stop());
  return () => {
    if (context.sqs === undefined) throw new Error('no server outside a test');
    return context.sqs;
  };
}

/** Sends `count` messages and receives them all (at most 10 a call), returning their receipt handles. */
async function sendAndReceive(sqs: LocalSqs, queueUrl: string, count: number, visibility = 60) {
  const entries = Array.from({ length: count }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));
  for (let i = 0; i < entries.length; i += 10) {
    await sqs.client.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.slice(i, i + 10) }),
    );
  }
  const handles: string[] = [];
  while (handles.length < count) {
    const received = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibility,
      }),
    );
    handles.push(...(received.Messages ?? []).map((message) => message.ReceiptHandle ?? ''));
  }
  return handles;
}

/** Runs the child server with this environment and collects how it ended. */
async function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('\n')) child.stdin.end();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('local SQS: latency per call', () => {
  const server = useLocalSqs({ latencyMs: 50 });

  it('adds the latency to every call', async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('latency');
    const started = performance.now();
    // Act
    for (let i = 0; i < 5; i++) {
      await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    }
    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(sqs.latencyMs).toBe(50);
  });
});

describe('local SQS: 12 hours from the receive, at most', () => {
  const server = useLocalSqs({ latencyMs: 0 });

  it('refuses a visibility change past 12 hours from the receive, and does not clamp it', async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('twelve-hours');
    const [handle = ''] = await sendAndReceive(sqs, queueUrl, 1, 3);
    await sleep(2_000);
    // Act
    const refused = sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: 43_200,
      }),
    );
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: LIMIT_MESSAGE,
      $metadata: { httpStatusCode: 400 },
    });
    const back = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 3 }));
    expect(back.Messages?.map((message) => message.Body)).toEqual(['body 0']);
  });

  it('accepts a visibility change within 12 hours of the receive', async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('within-twelve-hours');
    const [handle = ''] = await sendAndReceive(sqs, queueUrl, 1, 1);
    await sleep(2_000);
    // Act
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: handle,
        VisibilityTimeout: 43_190,
      }),
    );
    // Assess
    const attributes = await sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('1');
  });

  it('fails only the entries past the limit in the batch form, with SQS code and message', async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('twelve-hours-batch');
    const [first = '', second = ''] = await sendAndReceive(sqs, queueUrl, 2);
    await sleep(1_100);
    // Act
    const answer = await sqs.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'past', ReceiptHandle: first, VisibilityTimeout: 43_200 },
          { Id: 'within', ReceiptHandle: second, VisibilityTimeout: 43_000 },
          { Id: 'unknown', ReceiptHandle: 'not-a-receipt-handle', VisibilityTimeout: 43_200 },
        ],
      }),
    );
    // Assess
    expect(answer.Successful).toEqual([{ Id: 'within' }]);
    expect(answer.Failed).toEqual([
      { Id: 'past', SenderFault: true, Code: 'InvalidParameterValue', Message: LIMIT_MESSAGE },
      expect.objectContaining({ Id: 'unknown', Code: 'ReceiptHandleIsInvalid' }),
    ]);
  });

  it("leaves fauxqs' own checks to fauxqs (a single change of an unknown handle)", async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('unknown-handle');
    // Act
    const change = sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: 'nope',
        VisibilityTimeout: 43_200,
      }),
    );
    // Assess
    await expect(change).rejects.toMatchObject({ name: expect.stringMatching(/MessageNotInflight$/) });
  });
});

describe('local SQS: messages in flight per queue', () => {
  const server = useLocalSqs({ latencyMs: 0, maxInFlightMessages: 3 });

  it('gives a receive only the room left, answers OverLimit when none is left, and again once one is deleted', async () => {
    // Prepare
    const sqs = server();
    const { queueUrl } = await sqs.createQueue('in-flight');
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 5 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` })),
      }),
    );
    // Act
    const first = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const overLimit = await sqs.client
      .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }))
      .catch((error: unknown) => error);
    await sqs.client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }),
    );
    const afterDelete = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    // Assess
    expect(first.Messages).toHaveLength(3);
    expect(overLimit).toBeInstanceOf(OverLimit);
    expect(overLimit).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(afterDelete.Messages).toHaveLength(1);
    expect(sqs.maxInFlightMessages).toBe(3);
  });

  it('counts each queue on its own', async () => {
    // Prepare
    const sqs = server();
    const full = await sqs.createQueue('in-flight-full');
    const other = await sqs.createQueue('in-flight-other');
    await sendAndReceive(sqs, full.queueUrl, 3);
    // Act
    const handles = await sendAndReceive(sqs, other.queueUrl, 3);
    // Assess
    expect(handles).toHaveLength(3);
  });
});

describe('local SQS: queue URLs', () => {
  const server = useLocalSqs({ latencyMs: 0 });

  it('answers GetQueueUrl and ListQueues with loopback URLs that work', async () => {
    // Prepare
    const sqs = server();
    await sqs.createQueue('listed');
    // Act
    const { QueueUrl } = await sqs.client.send(new GetQueueUrlCommand({ QueueName: 'listed' }));
    const { QueueUrls } = await sqs.client.send(new ListQueuesCommand({ QueueNamePrefix: 'listed' }));
    const attributes = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    // Assess
    expect(QueueUrl).toBe(`${sqs.endpoint}/000000000000/listed`);
    expect(QueueUrls).toEqual([QueueUrl]);
    expect(attributes.Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:listed');
  });
});

describe('local SQS: dead-letter source', () => {
  const server = useLocalSqs({ latencyMs: 0 });

  it('gives a message moved to a dead-letter queue its source queue ARN, and no other message one', async () => {
    // Prepare: one request dead-lettered after maxReceiveCount 1, one sent to the DLQ directly
    const sqs = server();
    const dlq = await sqs.createQueue('source-arn-dlq');
    const source = await sqs.createQueue('source-arn-src', {
      deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 1 },
    });
    await sqs.client.send(new SendMessageCommand({ QueueUrl: source.queueUrl, MessageBody: 'moved' }));
    await sqs.client.send(new SendMessageCommand({ QueueUrl: dlq.queueUrl, MessageBody: 'direct' }));
    const receiveSource = () =>
      sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: source.queueUrl,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
    const first = await receiveSource();
    await receiveSource(); // the second receive moves it
    // Act
    const all = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['DeadLetterQueueSourceArn'],
      }),
    );
    const unasked = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    // Assess
    expect(first.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBeUndefined();
    const byBody = Object.fromEntries((all.Messages ?? []).map((m) => [m.Body, m.Attributes]));
    expect(byBody.moved?.DeadLetterQueueSourceArn).toBe(source.queueArn);
    expect(byBody.direct?.DeadLetterQueueSourceArn).toBeUndefined();
    expect((unasked.Messages ?? []).map((m) => m.Attributes?.DeadLetterQueueSourceArn)).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('local SQS: options', () => {
  it('defaults to 10 ms a call and 120,000 in flight', () => {
    // Act
    const resolved = resolveOptions({}, {});
    // Assess
    expect(resolved).toEqual({ port: 0, latencyMs: 10, maxInFlightMessages: 120_000 });
    expect([DEFAULT_LATENCY_MS, DEFAULT_MAX_IN_FLIGHT_MESSAGES]).toEqual([10, 120_000]);
  });

  it('takes options not given from LOCAL_SQS_* variables, and given options first', () => {
    // Prepare
    const env = { LOCAL_SQS_LATENCY_MS: '30', LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES: '500', LOCAL_SQS_PORT: '' };
    // Act
    const fromEnv = resolveOptions({}, env);
    const given = resolveOptions({ latencyMs: 15 }, env);
    // Assess
    expect(fromEnv).toEqual({ port: 0, latencyMs: 30, maxInFlightMessages: 500 });
    expect(given).toEqual({ port: 0, latencyMs: 15, maxInFlightMessages: 500 });
  });

  it.each([
    [{ latencyMs: -1 }, {}, 'latencyMs: -1 is not a number of milliseconds >= 0'],
    [{ maxInFlightMessages: 0 }, {}, 'maxInFlightMessages: 0 is not an integer >= 1'],
    [{}, { LOCAL_SQS_LATENCY_MS: 'fast' }, 'latencyMs (LOCAL_SQS_LATENCY_MS): NaN is not a number'],
    [{}, { LOCAL_SQS_PORT: '70000' }, 'port (LOCAL_SQS_PORT): 70000 is not an integer between 0 and 65535'],
  ])('refuses %j with env %j, naming it', (options, env, message) => {
    // Act
    const resolve = () => resolveOptions(options, env);
    // Assess
    expect(resolve).toThrow(RangeError);
    expect(resolve).toThrow(message);
  });

  it('refuses a bad option before starting a server', async () => {
    // Act
    const start = startLocalSqs({ latencyMs: Number.NaN });
    // Assess
    await expect(start).rejects.toThrow('latencyMs: NaN is not a number of milliseconds >= 0');
  });

  it('starts the child server quietly, reporting its options, and stops when stdin ends', async () => {
    // Act
    const run = await runServer({ LOCAL_SQS_LATENCY_MS: '15', LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES: '7' });
    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      port: expect.any(Number),
      latencyMs: 15,
      maxInFlightMessages: 7,
    });
  });

  it('exits 2 naming a bad environment variable', async () => {
    // Act
    const run = await runServer({ LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES: '1.5' });
    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'local SQS server: maxInFlightMessages (LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES): 1.5 is not an integer >= 1\n',
    );
  });
});
