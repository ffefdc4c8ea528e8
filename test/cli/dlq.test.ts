import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { formatMessageBody, parseMessageBody } from '../../functions/lib/message';
import { parkedBody } from '../../functions/lib/park';
import { fingerprint } from '../../functions/lib/tokens';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { HOSTILE_TEXT, startHostileSqs } from './hostile-sqs';
import { expectNoTokens, runCli } from './run-cli';

interface ListedMessage {
  messageId: string;
  kind: string;
  reason: string;
  detail: string;
  tokenCount: number;
  fingerprints: string[];
  ageSeconds: number;
  receiveCount: number;
}

/** C0 controls but newline, DEL and C1 controls: none may reach the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

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
  const redriveJson = (dlqUrl: string, to: string, ...flags: string[]) =>
    runCli(['dlq', 'redrive', '--dlq-url', dlqUrl, '--to', to, '--json', '--wait-seconds', '0', ...flags], {
      env: env(),
    });
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
    expect(run.stdout).toMatch(/message id +kind +reason +tokens +age +receives/);
    expect(run.stdout).toContain(`1: ${fingerprint(deadToken)}`);
    expect(run.stdout).toContain('max_receives_exceeded');
    expect(run.stdout).toContain('invalid_token');
    expect(run.stderr).toContain('dlq list: 2 message(s) (nothing deleted');
    expectNoTokens(run, [deadToken, parkedToken]);
  });

  it('redrives dead-lettered requests to the source queue and leaves parked messages', async () => {
    // Prepare
    const { dlqUrl, sourceUrl } = await prepareQueues();
    // Act
    const run = await redriveJson(dlqUrl, sourceUrl);
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

  it('moves parked messages too with --include-parked, by copying (never StartMessageMoveTask)', async () => {
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
    // The same queue on an endpoint where nothing listens (a queue URL of another host is refused).
    const unreachableUrl = dlqUrl.replace(sqs.endpoint, 'http://127.0.0.1:9');
    const unreachable = await runCli(['dlq', 'list', '--dlq-url', unreachableUrl, '--wait-seconds', '0'], {
      env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' },
    });
    expect(noDestination.code).toBe(2);
    expect(noDestination.stderr).toContain('Pass --to QUEUE_URL');
    expect(noDestination.stderr).toMatch(/does not answer ListDeadLetterSourceQueues|lists no queue/);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach SQS at http://127.0.0.1:9');
    expect(await list(dlqUrl)).toHaveLength(2);
  });

  /** A DLQ with these messages (a reason attribute when given) and a source queue. */
  const queuesWith = async (messages: readonly { body: string; reason?: string }[]) => {
    count += 1;
    const dlq = await sqs.createQueue(`cli-dlq-${count}`);
    const source = await sqs.createQueue(`cli-src-${count}`, {
      deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 5 },
    });
    for (const { body, reason } of messages) {
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: dlq.queueUrl,
          MessageBody: body,
          ...(reason === undefined
            ? {}
            : { MessageAttributes: { reason: { DataType: 'String', StringValue: reason } } }),
        }),
      );
    }
    return { dlqUrl: dlq.queueUrl, sourceUrl: source.queueUrl };
  };
  const receivedIn = async (queueUrl: string) => {
    const messages = [];
    for (;;) {
      const response = await sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!response.Messages?.length) return messages;
      messages.push(...response.Messages);
    }
  };

  it('classifies by the reason attribute first: a message marked parked stays parked though its body reads as a request', async () => {
    // Prepare: a parked message whose body has a reason but no parkedAt, and a request with a reason attribute that is no reject code
    const { dlqUrl, sourceUrl } = await queuesWith([
      {
        body: JSON.stringify({ reason: 'invalid_token', sourceMessageId: 'm-2', tokens: ['attrToken1'] }),
        reason: 'invalid_token',
      },
      { body: formatMessageBody({ tokens: ['requestToken1'], reason: 'logout' }), reason: 'logout' },
    ]);
    // Act
    const listed = await list(dlqUrl);
    const run = await redriveJson(dlqUrl, sourceUrl);
    // Assess
    expect(listed.map((m) => [m.kind, m.reason, m.fingerprints]).sort()).toEqual([
      ['dead_lettered', 'max_receives_exceeded', [fingerprint('requestToken1')]],
      ['parked', 'invalid_token', [fingerprint('attrToken1')]],
    ]);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 1, left: 1 });
    expect((await bodiesIn(sourceUrl)).map((b) => JSON.parse(b).tokens)).toEqual([['requestToken1']]);
  });

  it('never prints parser messages, field names or field values that came from a body', async () => {
    // Prepare: bodies whose parser messages or fields would carry (parts of) tokens
    const leaks = [
      'PARTIALLEAK_AAAA1111',
      'SECRETACTIONVALUE123',
      'FIELDNAMELEAK999',
      'DETAILLEAK777',
      'BODYLEAK555',
    ];
    const { dlqUrl } = await queuesWith([
      { body: '{"token":"a","x":PARTIALLEAK_AAAA1111}' },
      { body: '{"token":"goodToken1","action":"SECRETACTIONVALUE123"}' },
      { body: '{"FIELDNAMELEAK999":1}' },
      {
        body: parkedBody({
          reason: 'body_not_json',
          detail: 'the body is not JSON (Unexpected token D, ..."x":DETAILLEAK777}" is not valid JSON)',
          sourceMessageId: 'm-4',
          body: '{"token":BODYLEAK555}',
        }),
        reason: 'body_not_json',
      },
    ]);
    // Act
    const text = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--wait-seconds', '0'], { env: env() });
    const json = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--json', '--wait-seconds', '0'], {
      env: env(),
    });
    // Assess
    expect([text.code, json.code]).toEqual([0, 0]);
    for (const run of [text, json]) {
      for (const leak of leaks) expect(run.stdout + run.stderr).not.toContain(leak.slice(0, 6));
    }
    const rows = (JSON.parse(json.stdout) as { messages: ListedMessage[] }).messages;
    expect(rows.map((m) => m.reason).sort()).toEqual([
      'body_not_json',
      'body_not_json',
      'no_tokens',
      'unknown_action',
    ]);
    expect(rows.find((m) => m.kind === 'parked')?.detail).toBe(
      '0 parked value(s); original body: 21 characters, not JSON (error at position 9)',
    );
    expect(rows.find((m) => m.reason === 'unknown_action')?.detail).toBe(
      'body: 54 characters, JSON: an object',
    );
    expect(text.stdout).toMatch(/body: 38 characters, not JSON/);
  });

  it('prints nothing that could drive the terminal, and trusts a reason only when it is a known code', async () => {
    // Prepare: a parked wrapper whose reason is escape sequences; a server that answers with them
    const { dlqUrl } = await queuesWith([
      {
        body: JSON.stringify({
          reason: HOSTILE_TEXT,
          detail: HOSTILE_TEXT,
          parkedAt: HOSTILE_TEXT,
          tokens: [HOSTILE_TEXT],
        }),
      },
    ]);
    const hostile = await startHostileSqs();
    const hostileDlq = `${hostile.endpoint}/000000000000/dlq`;
    try {
      // Act
      const runs = [
        await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--wait-seconds', '0'], { env: env() }),
        await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--json', '--wait-seconds', '0'], { env: env() }),
        await runCli(
          ['dlq', 'list', '--dlq-url', hostileDlq, '--region', 'us-east-1', '--wait-seconds', '0'],
          {
            env: { AWS_ENDPOINT_URL_SQS: hostile.endpoint },
          },
        ),
        await runCli(
          ['dlq', 'redrive', '--dlq-url', hostileDlq, '--region', 'us-east-1', '--wait-seconds', '0'],
          {
            env: { AWS_ENDPOINT_URL_SQS: hostile.endpoint },
          },
        ),
      ];
      // Assess
      for (const run of runs) {
        expect(run.stdout + run.stderr).not.toMatch(CONTROL_CHARACTER);
        expect(run.stdout + run.stderr).not.toContain('PWNED');
      }
      expect(JSON.parse(runs[1]?.stdout ?? '').messages).toMatchObject([
        { kind: 'parked', reason: 'unknown' },
      ]);
      expect(runs[2]?.code).toBe(0);
      expect(runs[2]?.stdout).toContain('id--end');
      expect(runs[2]?.stdout).toContain('dead_lettered');
      expect(runs[3]?.code).toBe(3);
      expect(runs[3]?.stderr).toContain('QueueDoesNotExist (gone  away)');
    } finally {
      await hostile.close();
    }
  });

  it('lists and redrives any body: 124,000 values in 248 KB, deep nesting, JSON of any shape, not JSON', async () => {
    // Prepare
    const bodies = [
      `{"tokens":[${Array(124_000).fill('0').join(',')}]}`,
      `{"tokens":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      'null',
      '"just a string"',
      '[1,2]',
      JSON.stringify({ Type: 'Notification', Message: '{"tokens":5}' }),
      '{not json',
      formatMessageBody({ tokens: ['survivorToken1'] }),
    ];
    const { dlqUrl, sourceUrl } = await queuesWith(bodies.map((body) => ({ body })));
    // Act
    const listed = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--json', '--wait-seconds', '0'], {
      env: env(),
    });
    const dead = await redriveJson(dlqUrl, sourceUrl);
    const all = await redriveJson(dlqUrl, sourceUrl, '--include-parked');
    // Assess
    for (const run of [listed, dead, all]) {
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('cannot reach SQS');
    }
    const rows = (JSON.parse(listed.stdout) as { messages: ListedMessage[] }).messages;
    expect(rows).toHaveLength(bodies.length);
    expect(rows.every((row) => row.fingerprints.length <= 1000)).toBe(true);
    expect(JSON.parse(dead.stdout)).toMatchObject({ failed: 0 });
    expect(JSON.parse(dead.stdout).moved + JSON.parse(all.stdout).moved).toBe(bodies.length);
    expect((await bodiesIn(dlqUrl)).length).toBe(0);
    expect(new Set((await receivedIn(sourceUrl)).map((m) => m.Body))).toEqual(new Set(bodies));
  });

  it('--include-parked sends back each original request, without the parked reason attribute', async () => {
    // Prepare: parked wrappers the handler writes, one of them parked twice, and one that cannot be replayed
    const park = (entry: Parameters<typeof parkedBody>[0]) => ({
      body: parkedBody(entry),
      reason: entry.reason,
    });
    const { dlqUrl, sourceUrl } = await queuesWith([
      park({ reason: 'body_not_json', detail: 'd', sourceMessageId: 'm-5', body: 'not json at all' }),
      park({
        reason: 'invalid_token',
        detail: 'd',
        sourceMessageId: 'm-6',
        tokens: ['bad;parked2'],
        action: 'deauthenticate',
      }),
      park({
        reason: 'rejected_by_api',
        detail: 'd',
        sourceMessageId: 'm-7',
        tokens: ['rejectedTok1', 'rejectedTok2'],
      }),
      park({
        reason: 'invalid_message',
        detail: 'd',
        sourceMessageId: 'm-8',
        body: parkedBody({
          reason: 'no_tokens',
          detail: 'd',
          sourceMessageId: 'm-9',
          body: '{"tokenz":["x"]}',
        }),
      }),
      park({ reason: 'invalid_token', detail: 'd', sourceMessageId: 'm-10', tokens: [42] }),
    ]);
    // Act
    const run = await redriveJson(dlqUrl, sourceUrl, '--include-parked');
    // Assess
    expect(run.code).toBe(1); // one parked message could not be replayed
    const document = JSON.parse(run.stdout) as {
      moved: number;
      left: number;
      messages: { detail?: string }[];
    };
    expect(document).toMatchObject({ moved: 4, left: 1 });
    expect(document.messages.find((m) => m.detail !== undefined)?.detail).toBe(
      'cannot be replayed: some parked values are not strings: they cannot form a request',
    );
    const replayed = await receivedIn(sourceUrl);
    expect(replayed.map((m) => m.Body).sort()).toEqual(
      [
        'not json at all',
        formatMessageBody({ tokens: ['bad;parked2'], action: 'deauthenticate' }),
        formatMessageBody({ tokens: ['rejectedTok1', 'rejectedTok2'] }),
        '{"tokenz":["x"]}',
      ].sort(),
    );
    expect(replayed.every((m) => m.MessageAttributes?.reason === undefined)).toBe(true);
    expect((await list(dlqUrl)).map((m) => m.reason)).toEqual(['invalid_token']);
    expectNoTokens(run, ['bad;parked2', 'rejectedTok1', 'rejectedTok2']);
  });

  it('refuses cleartext queue URLs and names --region when none can be found', async () => {
    const dlqHttp = await runCli([
      'dlq',
      'list',
      '--dlq-url',
      'http://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
    ]);
    const toHttp = await runCli([
      'dlq',
      'redrive',
      '--dlq-url',
      'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      '--to',
      'http://sqs.eu-west-1.amazonaws.com/123456789012/q',
    ]);
    const noRegion = await runCli(['dlq', 'list', '--dlq-url', 'http://127.0.0.1:9/000000000000/dlq'], {
      env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9', AWS_CONFIG_FILE: '/nonexistent/aws-config' },
    });
    expect(dlqHttp.code).toBe(2);
    expect(dlqHttp.stderr).toContain('--dlq-url / DEAD_LETTER_QUEUE_URL: the queue URL must use https');
    expect(toHttp.code).toBe(2);
    expect(toHttp.stderr).toContain('--to / REVOCATION_QUEUE_URL: the queue URL must use https');
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('no AWS region: pass --region REGION or set AWS_REGION');
    expect(noRegion.stderr).not.toContain('cannot reach SQS');
  });
});
