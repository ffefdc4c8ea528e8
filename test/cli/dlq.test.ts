import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { formatMessageBody, parseMessageBody } from '../../functions/lib/message';
import { parkedBody } from '../../functions/lib/park';
import { parkingKey, sealParked } from '../../functions/lib/parked-message';
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
  const parkedToken = 'parkedRejected1';
  /** The parking key the functions seal parked messages with (here, as in `npm start`, given in the environment). */
  const KEY_TEXT = 'local-parking-key-0123456789abcdef0123456789abcdef';
  const key = parkingKey(KEY_TEXT, 'test');
  const sealed = (entry: Parameters<typeof parkedBody>[0]) => parkedBody(entry, new Date(), key);
  // Queue URLs of the local server (http://127.0.0.1:PORT/...) name no region: give it, as `npm start` prints it.
  const env = () => ({
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    PARKED_MESSAGE_KEY: KEY_TEXT,
  });

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
        MessageBody: sealed({
          reason: 'rejected_by_api',
          detail: 'the API answered bad_parameter for each of these tokens on its own',
          sourceMessageId: 'm-1',
          tokens: [parkedToken],
        }),
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'rejected_by_api' } },
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
      reason: 'rejected_by_api',
      action: 'invalidate',
      fingerprints: [fingerprint(parkedToken)],
    });
    expect(byKind.parked?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(second.map((m) => m.messageId).sort()).toEqual(first.map((m) => m.messageId).sort());
  });

  it('shows a table in text mode and never a token', async () => {
    const { dlqUrl } = await prepareQueues();
    // 100 columns hold every column whole (80 cut the reason: fit-output.test.ts covers the cutting).
    const run = await runCli(['dlq', 'list', '--wait-seconds', '0'], {
      env: { ...env(), DEAD_LETTER_QUEUE_URL: dlqUrl, COLUMNS: '100' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/message id +kind +lane +reason +tokens +age +receives/);
    expect(run.stdout).toContain(`1: ${fingerprint(deadToken)}`);
    expect(run.stdout).toContain('max_receives_exceeded');
    expect(run.stdout).toContain('rejected_by_api');
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
    expect(noDestination.stderr).toContain(
      'no destination: pass --queue-url / REVOCATION_QUEUE_URL and --urgent-queue-url / REVOCATION_URGENT_QUEUE_URL',
    );
    expect(noDestination.stderr).toContain('or --to QUEUE_URL');
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

  it('a reason attribute or a parked-looking body never makes a message parked: only the seal does', async () => {
    // Prepare: what a producer can send (security review 2, point 2): a body the handler would park
    // whole (no_tokens) that holds a deauthenticate request in a parked-looking wrapper, and a request
    // whose `reason` attribute is a reject code (SQS keeps it when it moves the message here).
    const forgedInner = formatMessageBody({ tokens: ['neverShown1'], action: 'deauthenticate' });
    const { dlqUrl, sourceUrl } = await queuesWith([
      {
        body: JSON.stringify({
          parkedAt: '2026-01-01T00:00:00.000Z',
          reason: 'invalid_message',
          sourceMessageId: 'm-2',
          body: forgedInner,
        }),
        reason: 'invalid_message',
      },
      { body: formatMessageBody({ tokens: ['requestToken1'], reason: 'logout' }), reason: 'invalid_token' },
      // A wrapper sealed with another key is no more parked than one without a seal.
      {
        body: parkedBody(
          { reason: 'rejected_by_api', detail: 'd', sourceMessageId: 'm-3', tokens: ['otherKeyTok1'] },
          new Date(),
          parkingKey('another-key-0123456789abcdef0123456789abcdef', 'test'),
        ),
      },
    ]);
    // Act
    const listed = await list(dlqUrl);
    const run = await redriveJson(dlqUrl, sourceUrl, '--include-parked');
    // Assess: nothing is parked; the forged wrapper is refused (no tokens), the others are requests
    // sent exactly as listed.
    expect(listed.map((m) => [m.kind, m.reason, m.fingerprints]).sort()).toEqual(
      [
        ['dead_lettered', 'max_receives_exceeded', [fingerprint('otherKeyTok1')]],
        ['dead_lettered', 'max_receives_exceeded', [fingerprint('requestToken1')]],
        ['unreadable', 'no_tokens', []],
      ].sort(),
    );
    expect(listed.find((m) => m.kind === 'unreadable')?.detail).toContain(
      'looks parked, but carries no valid seal',
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 2, left: 1, refused: 1 });
    const sent = (await bodiesIn(sourceUrl)).map((b) => parseMessageBody(b, { parkingKey: key }));
    expect(sent.map((p) => (p.ok ? [p.action, p.tokens.map(fingerprint)] : p.reason)).sort()).toEqual(
      [
        ['invalidate', [fingerprint('otherKeyTok1')]],
        ['invalidate', [fingerprint('requestToken1')]],
      ].sort(),
    );
    expectNoTokens(run, ['neverShown1']);
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
        body: sealed({
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
      'original body: 21 characters, not JSON (error at position 9)',
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
        body: sealParked(
          { reason: HOSTILE_TEXT, detail: HOSTILE_TEXT, parkedAt: HOSTILE_TEXT, tokens: [HOSTILE_TEXT] },
          key,
        ),
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
          [
            'dlq',
            'redrive',
            '--dlq-url',
            hostileDlq,
            '--to',
            hostileDlq,
            '--region',
            'us-east-1',
            '--wait-seconds',
            '0',
          ],
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
      expect(runs[3]?.stderr).toContain('the --to queue (--to) does not exist');
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
    expect([listed.code, dead.code, all.code]).toEqual([0, 1, 1]);
    for (const run of [listed, dead, all]) expect(run.stderr).not.toContain('cannot reach SQS');
    const rows = (JSON.parse(listed.stdout) as { messages: ListedMessage[] }).messages;
    expect(rows).toHaveLength(bodies.length);
    expect(rows.every((row) => row.fingerprints.length <= 1000)).toBe(true);
    // Only the request with a valid token is sent; the others would be parked again: refused, kept.
    expect(JSON.parse(dead.stdout)).toMatchObject({ failed: 0, moved: 1, refused: bodies.length - 1 });
    expect(JSON.parse(all.stdout)).toMatchObject({ moved: 0, refused: bodies.length - 1 });
    expect((await receivedIn(sourceUrl)).map((m) => m.Body)).toEqual([bodies.at(-1)]);
    expect(await list(dlqUrl)).toHaveLength(bodies.length - 1);
  });

  it('--include-parked sends exactly the request dlq list showed for each parked message, or refuses it with the reason', async () => {
    // Prepare: sealed wrappers as the functions write them, one parked twice
    const park = (entry: Parameters<typeof parkedBody>[0]) => ({ body: sealed(entry), reason: entry.reason });
    const { dlqUrl, sourceUrl } = await queuesWith([
      park({ reason: 'body_not_json', detail: 'd', sourceMessageId: 'm-5', body: 'not json at all' }),
      park({
        reason: 'rejected_by_api',
        detail: 'd',
        sourceMessageId: 'm-6',
        tokens: ['deauthTok1', 'deauthTok2'],
        action: 'deauthenticate',
      }),
      park({ reason: 'too_many_tokens', detail: 'd', sourceMessageId: 'm-7', tokens: ['excessTok1'] }),
      park({
        reason: 'invalid_message',
        detail: 'd',
        sourceMessageId: 'm-8',
        body: sealed({
          reason: 'no_tokens',
          detail: 'd',
          sourceMessageId: 'm-9',
          body: formatMessageBody({ tokens: ['nestedTok1'] }),
        }),
      }),
      park({ reason: 'invalid_token', detail: 'd', sourceMessageId: 'm-10', tokens: [42] }),
    ]);
    // Act
    const listed = await list(dlqUrl);
    const dry = await redriveJson(dlqUrl, sourceUrl, '--include-parked', '--dry-run');
    const afterDry = await bodiesIn(sourceUrl);
    const run = await redriveJson(dlqUrl, sourceUrl, '--include-parked');
    // Assess: the dry run sends nothing and shows the same requests as the real run
    expect(afterDry).toEqual([]);
    const rows = (r: typeof run) =>
      (
        JSON.parse(r.stdout) as {
          messages: {
            messageId: string;
            outcome: string;
            action?: string;
            fingerprints: string[];
            detail?: string;
          }[];
        }
      ).messages;
    expect(
      rows(dry)
        .map((m) => [m.messageId, m.action, m.fingerprints])
        .sort(),
    ).toEqual(
      rows(run)
        .map((m) => [m.messageId, m.action, m.fingerprints])
        .sort(),
    );
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, moved: 0, wouldMove: 3, refused: 2 });
    expect(run.code).toBe(1); // two parked messages are refused
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 3, left: 2, refused: 2 });
    expect(
      rows(run)
        .filter((m) => m.outcome === 'left')
        .map((m) => m.detail)
        .sort(),
    ).toEqual([
      'refused: its request holds no valid token: it would be parked again',
      'refused: its request would be parked again (body_not_json)',
    ]);
    // What was sent is, message by message, what dlq list showed: action and fingerprints.
    const sent = (await receivedIn(sourceUrl)).map((m) => {
      const parsed = parseMessageBody(m.Body ?? '', { parkingKey: key });
      return parsed.ok ? [parsed.action, parsed.tokens.map(fingerprint)] : parsed.reason;
    });
    const shown = listed
      .filter((m) => rows(run).some((r) => r.messageId === m.messageId && r.outcome === 'moved'))
      .map((m) => [(m as ListedMessage & { action: string }).action, m.fingerprints]);
    expect(sent.sort()).toEqual(shown.sort());
    expect(sent.sort()).toEqual(
      [
        ['deauthenticate', [fingerprint('deauthTok1'), fingerprint('deauthTok2')]],
        ['invalidate', [fingerprint('excessTok1')]],
        ['invalidate', [fingerprint('nestedTok1')]],
      ].sort(),
    );
    expectNoTokens(run, ['deauthTok1', 'deauthTok2', 'excessTok1', 'nestedTok1']);
  });

  it('without a parking key nothing is taken for parked, and the CLI says so', async () => {
    const { dlqUrl } = await prepareQueues();
    const { PARKED_MESSAGE_KEY: _key, ...noKey } = env();
    const run = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--json', '--wait-seconds', '0'], {
      env: noKey,
    });
    const text = await runCli(['dlq', 'list', '--dlq-url', dlqUrl, '--wait-seconds', '0'], { env: noKey });
    expect([run.code, text.code]).toEqual([0, 0]);
    expect(text.stderr).toContain('no parking key');
    expect(JSON.parse(run.stdout)).toMatchObject({ parkingKey: false });
    const rows = (JSON.parse(run.stdout) as { messages: ListedMessage[] }).messages;
    expect(rows.map((m) => m.kind).sort()).toEqual(['dead_lettered', 'dead_lettered']);
    expect(rows.map((m) => m.detail).join(' ')).toContain('no parking key was given to check its seal');
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
    expect(toHttp.stderr).toContain('--to: the queue URL must use https');
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('no AWS region: pass --region REGION or set AWS_REGION');
    expect(noRegion.stderr).not.toContain('cannot reach SQS');
  });
});
