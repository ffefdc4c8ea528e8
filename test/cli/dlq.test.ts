import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { formatMessageBody, parseMessageBody } from '../../functions/lib/message';
import { parkedBody } from '../../functions/lib/park';
import { fingerprint } from '../../functions/lib/tokens';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { expectNoTokens, runCli } from './run-cli';

interface ListedMessage {
  messageId: string;
  kind: string;
  reason: string;
  fingerprints: string[];
  ageSeconds: number;
  receiveCount: number;
}

describe('token-revoker dlq list / redrive against a local SQS server', () => {
  let sqs: LocalSqs;
  let count = 0;
  const deadToken = 'deadLetteredToken))';
  const parkedToken = 'bad;parked';
  // Queue URLs of the local server (http://127.0.0.1:PORT/...) name no region: give it, as `npm start` prints it.
  const env = () => ({ AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_REGION: 'us-east-1' });

  /** A source queue and its DLQ holding one request dead-lettered by SQS and one message parked by the handler. */
  const prepareQueues = async () => {
    count += 1;
    const dlq = await sqs.createQueue(`cli-dlq-${count}`);
    const source = await sqs.createQueue(`cli-src-${count}`, {
      deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 1 },
    });
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: source.queueUrl,
        MessageBody: formatMessageBody({ tokens: [deadToken] }),
      }),
    );
    // Two receives over maxReceiveCount 1: SQS moves the request to the DLQ.
    for (let i = 0; i < 2; i++) {
      await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: source.queueUrl, VisibilityTimeout: 0 }));
    }
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: dlq.queueUrl,
        MessageBody: parkedBody({
          reason: 'invalid_token',
          detail: 'tokens[0]: character 4 is not one of A-Z a-z 0-9 * ( ) _ -',
          sourceMessageId: 'm-1',
          tokens: [parkedToken],
        }),
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'invalid_token' } },
      }),
    );
    return { dlqUrl: dlq.queueUrl, sourceUrl: source.queueUrl };
  };
  const list = async (dlqUrl: string) => {
    const run = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--json', '--wait-seconds', '0'], {
      env: env(),
    });
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { messages: ListedMessage[] }).messages;
  };
  const bodiesIn = async (queueUrl: string) => {
    const response = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return (response.Messages ?? []).map((m) => m.Body ?? '');
  };

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it('lists parked and dead-lettered messages with reason and fingerprints, without deleting them', async () => {
    // Prepare
    const { dlqUrl } = await prepareQueues();
    // Act
    const first = await list(dlqUrl);
    const second = await list(dlqUrl);
    // Assess
    const byKind = Object.fromEntries(first.map((m) => [m.kind, m]));
    expect(byKind.dead_lettered).toMatchObject({
      reason: 'max_receives_exceeded',
      fingerprints: [fingerprint(deadToken)],
    });
    expect(byKind.parked).toMatchObject({
      reason: 'invalid_token',
      fingerprints: [fingerprint(parkedToken)],
    });
    expect(byKind.parked?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(second.map((m) => m.messageId).sort()).toEqual(first.map((m) => m.messageId).sort());
  });

  it('shows a table in text mode and never a token', async () => {
    const { dlqUrl } = await prepareQueues();
    const run = await runCli(['dlq', 'list', '--wait-seconds', '0'], {
      env: { ...env(), DEAD_LETTER_QUEUE_URL: dlqUrl },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/message id.*kind.*reason.*tokens \(fingerprints\).*age.*receives/);
    expect(run.stdout).toContain(`1: ${fingerprint(deadToken)}`);
    expect(run.stdout).toContain('max_receives_exceeded');
    expect(run.stdout).toContain('invalid_token');
    expect(run.stderr).toContain('dlq list: 2 message(s) (nothing deleted');
    expectNoTokens(run, [deadToken, parkedToken]);
  });

  it('redrives dead-lettered requests to the source queue and leaves parked messages (copy fallback)', async () => {
    // Prepare
    const { dlqUrl, sourceUrl } = await prepareQueues();
    // Act
    const run = await runCli(
      ['dlq', 'redrive', '--dlq-url', dlqUrl, '--to', sourceUrl, '--json', '--wait-seconds', '0'],
      {
        env: env(),
      },
    );
    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      method: 'copy',
      moved: 1,
      left: 1,
      failed: 0,
      duplicated: 0,
    });
    const moved = await bodiesIn(sourceUrl);
    expect(moved.map((b) => parseMessageBody(b))).toMatchObject([{ ok: true, tokens: [deadToken] }]);
    expect((await list(dlqUrl)).map((m) => m.kind)).toEqual(['parked']);
    expectNoTokens(run, [deadToken, parkedToken]);
  });

  it('moves parked messages too with --include-parked, falling back from StartMessageMoveTask', async () => {
    const { dlqUrl, sourceUrl } = await prepareQueues();
    const run = await runCli(
      ['dlq', 'redrive', '--dlq-url', dlqUrl, '--to', sourceUrl, '--include-parked', '--wait-seconds', '0'],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('dlq redrive: 2 moved');
    expect(await list(dlqUrl)).toEqual([]);
    expect(await bodiesIn(sourceUrl)).toHaveLength(2);
  });

  it('exits 2 when the destination cannot be told, and 3 when SQS is unreachable', async () => {
    const { dlqUrl } = await prepareQueues();
    const noDestination = await runCli(['dlq', 'redrive', '--dlq-url', dlqUrl, '--wait-seconds', '0'], {
      env: env(),
    });
    const unreachable = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--wait-seconds', '0'], {
      env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' },
    });
    expect(noDestination.code).toBe(2);
    expect(noDestination.stderr).toContain('pass --to URL');
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach SQS at http://127.0.0.1:9');
    expect(await list(dlqUrl)).toHaveLength(2);
  });
});
