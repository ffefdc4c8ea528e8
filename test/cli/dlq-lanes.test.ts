import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { formatMessageBody, parseMessageBody } from '../../functions/lib/message';
import { type ParkEntry, parkedBody } from '../../functions/lib/park';
import { parkingKey } from '../../functions/lib/parked-message';
import { fingerprint } from '../../functions/lib/tokens';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { expectNoTokens, runCli } from './run-cli';

interface Row {
  messageId: string;
  detail?: string;
  queue: string;
  kind: string;
  lane: string;
  reason: string;
  outcome?: string;
  destination?: string;
  fingerprints: string[];
}

/** The token each prepared message carries, by what it is. */
const TOKENS = {
  deadRoutine: 'deadRoutineToken1',
  deadUrgent: 'deadUrgentToken1',
  parkedUrgent: 'parkedUrgentToken',
  parkedRoutine: 'parkedRoutineToken',
  oldParked: 'oldParkedToken1',
  forged: 'forgedParkedToken',
} as const;
const ALL_TOKENS = Object.values(TOKENS);

// Each test runs the CLI as a subprocess several times (about 2 s each, more on a busy machine).
jest.setTimeout(120_000);

describe('token-revoker dlq: lanes, filters, redrive to each lane, delete (local SQS)', () => {
  let sqs: LocalSqs;
  let count = 0;
  const KEY_TEXT = 'local-parking-key-0123456789abcdef0123456789abcdef';
  const key = parkingKey(KEY_TEXT, 'test');
  const env = () => ({
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    PARKED_MESSAGE_KEY: KEY_TEXT,
  });
  const send = (queueUrl: string, body: string) =>
    sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const parked = (token: string, extra: Partial<ParkEntry> = {}) =>
    parkedBody(
      { reason: 'invalid_token', detail: 'd', sourceMessageId: 'm', tokens: [token], ...extra },
      new Date(),
      key,
    );

  /**
   * The queues of a deployment with two lanes: each lane's source queue (named as the stack names
   * them) dead-letters one request to the DLQ; the parked queue holds a sealed message of each lane
   * and one without a valid seal; the DLQ also holds a message parked by an older deployment (sealed,
   * no lane).
   */
  const prepare = async () => {
    count += 1;
    const dlq = await sqs.createQueue(`lanes-${count}-dlq`);
    const parkedQueue = await sqs.createQueue(`lanes-${count}-parked`);
    const deadLetter = { queueArn: dlq.queueArn, maxReceiveCount: 1 };
    const routine = await sqs.createQueue(`lanes-${count}-source`, { deadLetter });
    const urgent = await sqs.createQueue(`lanes-${count}-urgent`, { deadLetter });
    for (const [queue, token] of [
      [routine, TOKENS.deadRoutine],
      [urgent, TOKENS.deadUrgent],
    ] as const) {
      await send(queue.queueUrl, formatMessageBody({ tokens: [token] }));
      // Two receives over maxReceiveCount 1: SQS moves the request to the DLQ.
      for (let i = 0; i < 2; i++) {
        await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, VisibilityTimeout: 0 }));
      }
    }
    await send(parkedQueue.queueUrl, parked(TOKENS.parkedUrgent, { lane: 'urgent' }));
    await send(
      parkedQueue.queueUrl,
      parked(TOKENS.parkedRoutine, { lane: 'routine', reason: 'rejected_by_api' }),
    );
    // Looks parked, claims the urgent lane, but is sealed with another key: never trusted.
    const otherKey = parkingKey('another-parking-key-0123456789abcdef0123', 'test');
    await send(
      parkedQueue.queueUrl,
      parkedBody(
        {
          reason: 'invalid_token',
          detail: 'd',
          sourceMessageId: 'x',
          tokens: [TOKENS.forged],
          lane: 'urgent',
        },
        new Date(),
        otherKey,
      ),
    );
    await send(dlq.queueUrl, parked(TOKENS.oldParked));
    return {
      dlqUrl: dlq.queueUrl,
      parkedUrl: parkedQueue.queueUrl,
      routineUrl: routine.queueUrl,
      urgentUrl: urgent.queueUrl,
    };
  };
  type Prepared = Awaited<ReturnType<typeof prepare>>;
  const dlqArgs = (q: Prepared, ...flags: string[]) => [
    '--dlq-url',
    q.dlqUrl,
    '--parked-url',
    q.parkedUrl,
    '--wait-seconds',
    '0',
    ...flags,
  ];
  const laneArgs = (q: Prepared) => ['--queue-url', q.routineUrl, '--urgent-queue-url', q.urgentUrl];
  const listJson = async (q: Prepared, ...flags: string[]) => {
    const run = await runCli(['dlq', 'list', ...dlqArgs(q, '--json', ...flags)], { env: env() });
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { messages: Row[] }).messages;
  };
  /** Each row as `kind/lane/queue` with the token it carries, sorted. */
  const summary = (rows: readonly Row[]) =>
    rows
      .map((row) => {
        const token = ALL_TOKENS.find((t) => row.fingerprints.includes(fingerprint(t))) ?? '-';
        return `${row.kind}/${row.lane}/${row.queue} ${token}`;
      })
      .sort();
  const bodiesIn = async (queueUrl: string) => {
    const response = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return (response.Messages ?? []).map((m) => m.Body ?? '');
  };
  const tokensIn = async (queueUrl: string) =>
    (await bodiesIn(queueUrl)).flatMap((body) => {
      const parsed = parseMessageBody(body);
      return parsed.ok ? parsed.tokens : [];
    });

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it("lists both queues with each message's lane: its seal's, or its source queue's; unsealed parked input is never trusted", async () => {
    // Prepare
    const q = await prepare();
    // Act
    const rows = await listJson(q);
    const text = await runCli(['dlq', 'list', ...dlqArgs(q)], { env: { ...env(), COLUMNS: '200' } });
    // Assess
    expect(summary(rows)).toEqual(
      [
        `dead_lettered/routine/dead_letter ${TOKENS.deadRoutine}`,
        `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
        `parked/unknown/dead_letter ${TOKENS.oldParked}`,
        `parked/urgent/parked ${TOKENS.parkedUrgent}`,
        `parked/routine/parked ${TOKENS.parkedRoutine}`,
        'unsealed/unknown/parked -',
      ].sort(),
    );
    expect(rows.find((row) => row.kind === 'unsealed')).toMatchObject({
      reason: 'no_valid_seal',
      fingerprints: [],
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/message id +kind +lane +reason/);
    expect(text.stdout).toMatch(/dead_lettered +urgent +max_receives_exceeded/);
    expect(text.stderr).toContain('dlq list: 6 message(s)');
    expectNoTokens(text, ALL_TOKENS);
  });

  it('names lanes by the queue URLs given too, and reads either queue alone', async () => {
    const q = await prepare();
    const onlyDlq = await runCli(
      ['dlq', 'list', '--dlq-url', q.dlqUrl, '--wait-seconds', '0', '--json', '--queue-url', q.routineUrl],
      { env: env() },
    );
    const onlyParked = await runCli(
      ['dlq', 'list', '--parked-url', q.parkedUrl, '--wait-seconds', '0', '--json'],
      {
        env: env(),
      },
    );
    expect(summary(JSON.parse(onlyDlq.stdout).messages)).toEqual([
      `dead_lettered/routine/dead_letter ${TOKENS.deadRoutine}`,
      `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
      `parked/unknown/dead_letter ${TOKENS.oldParked}`,
    ]);
    expect(JSON.parse(onlyDlq.stdout)).toMatchObject({ dlqUrl: q.dlqUrl, parkedUrl: null });
    expect(summary(JSON.parse(onlyParked.stdout).messages)).toEqual([
      `parked/routine/parked ${TOKENS.parkedRoutine}`,
      `parked/urgent/parked ${TOKENS.parkedUrgent}`,
      'unsealed/unknown/parked -',
    ]);
  });

  it('filters by --lane, --kind and --reason, all together; a bad value names its flag (exit 2)', async () => {
    const q = await prepare();
    const urgent = await listJson(q, '--lane', 'urgent');
    const deadLettered = await listJson(q, '--kind', 'dead-lettered');
    const rejected = await listJson(q, '--reason', 'rejected_by_api');
    const both = await listJson(q, '--kind', 'parked', '--lane', 'routine', '--reason', 'invalid_token');
    const bad = await Promise.all(
      [
        ['--lane', 'fast'],
        ['--kind', 'lost'],
        ['--reason', 'Not A Code'],
      ].map((flags) => runCli(['dlq', 'list', ...dlqArgs(q, ...flags)], { env: env() })),
    );
    expect(summary(urgent)).toEqual([
      `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
      `parked/urgent/parked ${TOKENS.parkedUrgent}`,
    ]);
    expect(summary(deadLettered)).toEqual([
      `dead_lettered/routine/dead_letter ${TOKENS.deadRoutine}`,
      `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
    ]);
    expect(summary(rejected)).toEqual([`parked/routine/parked ${TOKENS.parkedRoutine}`]);
    expect(both).toEqual([]);
    expect(bad.map((run) => run.code)).toEqual([2, 2, 2]);
    expect(bad.map((run) => run.stderr.split('\n')[0])).toEqual([
      'token-revoker: --lane: not a lane (give routine, urgent, unknown)',
      'token-revoker: --kind: not a kind (give parked, dead-lettered, unreadable or unsealed)',
      'token-revoker: --reason: not a reason code (lower-case letters, digits and _, as dlq list shows them)',
    ]);
    // The filtered listings touched nothing.
    expect(await listJson(q)).toHaveLength(6);
  });

  it("redrives each dead-lettered request to its own lane's queue; parked ones stay", async () => {
    // Prepare
    const q = await prepare();
    // Act
    const run = await runCli(['dlq', 'redrive', ...dlqArgs(q, '--json', ...laneArgs(q))], { env: env() });
    // Assess
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({ moved: 2, left: 4, refused: 0, failed: 0 });
    expect(await tokensIn(q.routineUrl)).toEqual([TOKENS.deadRoutine]);
    expect(await tokensIn(q.urgentUrl)).toEqual([TOKENS.deadUrgent]);
    expect(summary(await listJson(q))).toEqual(
      [
        `parked/unknown/dead_letter ${TOKENS.oldParked}`,
        `parked/urgent/parked ${TOKENS.parkedUrgent}`,
        `parked/routine/parked ${TOKENS.parkedRoutine}`,
        'unsealed/unknown/parked -',
      ].sort(),
    );
    expectNoTokens(run, ALL_TOKENS);
  });

  it('--kind parked sends sealed parked input back to its lane, refuses one without a lane, never moves unsealed input', async () => {
    const q = await prepare();
    const dry = await runCli(
      ['dlq', 'redrive', ...dlqArgs(q, '--json', '--kind', 'parked', '--dry-run', ...laneArgs(q))],
      {
        env: env(),
      },
    );
    const run = await runCli(
      ['dlq', 'redrive', ...dlqArgs(q, '--json', '--kind', 'parked', ...laneArgs(q))],
      {
        env: env(),
      },
    );
    const dryRows = JSON.parse(dry.stdout).messages as Row[];
    expect(dry.code).toBe(1); // the message without a lane would be refused
    expect(
      dryRows
        .filter((row) => row.outcome === 'would_move')
        .map((row) => row.destination)
        .sort(),
    ).toEqual([q.routineUrl, q.urgentUrl].sort());
    expect(run.code).toBe(1);
    const rows = JSON.parse(run.stdout).messages as Row[];
    expect(rows.find((row) => row.lane === 'unknown')).toMatchObject({
      outcome: 'left',
      detail: 'refused: its lane is unknown (pass --to QUEUE_URL to choose its queue)',
    });
    expect(await tokensIn(q.routineUrl)).toEqual([TOKENS.parkedRoutine]);
    expect(await tokensIn(q.urgentUrl)).toEqual([TOKENS.parkedUrgent]);
    expect(summary(await listJson(q))).toEqual(
      [
        `dead_lettered/routine/dead_letter ${TOKENS.deadRoutine}`,
        `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
        `parked/unknown/dead_letter ${TOKENS.oldParked}`,
        'unsealed/unknown/parked -',
      ].sort(),
    );
    // Asked for by name, the unsealed message is refused, not moved.
    const unsealed = await runCli(
      ['dlq', 'redrive', ...dlqArgs(q, '--json', '--kind', 'unsealed', '--to', q.routineUrl)],
      { env: env() },
    );
    expect(unsealed.code).toBe(1);
    expect(JSON.parse(unsealed.stdout)).toMatchObject({ moved: 0, refused: 1 });
    expectNoTokens(run, ALL_TOKENS);
  });

  it("refuses a lane's message when that lane's queue is not given, and --to sends every selected one there", async () => {
    const q = await prepare();
    const routineOnly = await runCli(
      ['dlq', 'redrive', ...dlqArgs(q, '--json', '--kind', 'dead-lettered', '--queue-url', q.routineUrl)],
      { env: env() },
    );
    expect(routineOnly.code).toBe(1);
    const rows = JSON.parse(routineOnly.stdout).messages as Row[];
    expect(rows.map((row) => `${row.lane} ${row.outcome}`).sort()).toEqual(['routine moved', 'urgent left']);
    expect(rows.find((row) => row.lane === 'urgent')).toMatchObject({
      detail: 'refused: no queue for the urgent lane (pass --urgent-queue-url / REVOCATION_URGENT_QUEUE_URL)',
    });
    const to = await runCli(['dlq', 'redrive', ...dlqArgs(q, '--lane', 'urgent', '--to', q.routineUrl)], {
      env: env(),
    });
    expect(to.code).toBe(0);
    expect(to.stderr).toContain(`dlq redrive (lane urgent): 1 moved to ${q.routineUrl}`);
    expect((await tokensIn(q.routineUrl)).sort()).toEqual([TOKENS.deadRoutine, TOKENS.deadUrgent].sort());
  });

  it('checks every destination before moving anything: a missing queue exits 3, even with nothing to move', async () => {
    // Prepare: one run with messages, one on empty queues
    const q = await prepare();
    const emptyDlq = await sqs.createQueue(`lanes-empty-${count}`);
    const missing = `${sqs.endpoint}/000000000000/no-such-urgent-queue`;
    // Act
    const withMessages = await runCli(
      ['dlq', 'redrive', ...dlqArgs(q, '--queue-url', q.routineUrl, '--urgent-queue-url', missing)],
      { env: env() },
    );
    const empty = await runCli(
      [
        'dlq',
        'redrive',
        '--dlq-url',
        emptyDlq.queueUrl,
        '--wait-seconds',
        '0',
        '--queue-url',
        q.routineUrl,
        '--urgent-queue-url',
        missing,
      ],
      { env: env() },
    );
    // Assess
    for (const run of [withMessages, empty]) {
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        "the urgent lane's queue (--urgent-queue-url / REVOCATION_URGENT_QUEUE_URL) does not exist:",
      );
      expect(run.stderr).toContain('no-such-urgent-queue');
      expect(run.stderr).toContain('nothing was moved');
    }
    expect(await listJson(q)).toHaveLength(6);
    expect(await bodiesIn(q.routineUrl)).toEqual([]);
  });

  it('refuses a bad --rate naming it (exit 2), and redrives at a given rate', async () => {
    const q = await prepare();
    const bad = await Promise.all(
      ['0', '-1', 'fast', ''].map((rate) =>
        runCli(['dlq', 'redrive', ...dlqArgs(q, ...laneArgs(q), '--rate', rate)], { env: env() }),
      ),
    );
    const paced = await runCli(['dlq', 'redrive', ...dlqArgs(q, ...laneArgs(q), '--rate', '50')], {
      env: env(),
    });
    for (const run of bad) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--rate: not a positive number of messages a second');
    }
    expect(paced.code).toBe(0);
    expect(paced.stderr).toContain("2 moved to each message's lane");
    expect(paced.stderr).toContain('at most 50 a second');
  });

  it('delete without --yes shows count, reasons and fingerprints and deletes nothing; with --yes deletes exactly those', async () => {
    // Prepare
    const q = await prepare();
    const filter = ['--kind', 'parked', '--reason', 'invalid_token'];
    // Act
    const plan = await runCli(['dlq', 'delete', ...dlqArgs(q, ...filter)], { env: env() });
    const afterPlan = await listJson(q);
    const done = await runCli(['dlq', 'delete', ...dlqArgs(q, ...filter, '--yes', '--json')], { env: env() });
    // Assess
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(
      'dlq delete (kind parked, reason invalid_token): 2 message(s) selected; reasons: invalid_token 2 (4 read but not selected, left as they were)',
    );
    expect(plan.stdout).toContain(fingerprint(TOKENS.oldParked));
    expect(plan.stdout).toContain(fingerprint(TOKENS.parkedUrgent));
    expect(plan.stdout).not.toContain(fingerprint(TOKENS.parkedRoutine));
    expect(plan.stderr).toContain('dlq delete: nothing deleted; run again with --yes');
    expect(afterPlan).toHaveLength(6);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      yes: true,
      selected: 2,
      deleted: 2,
      failed: 0,
      notSelected: 4,
    });
    expect(summary(await listJson(q))).toEqual(
      [
        `dead_lettered/routine/dead_letter ${TOKENS.deadRoutine}`,
        `dead_lettered/urgent/dead_letter ${TOKENS.deadUrgent}`,
        `parked/routine/parked ${TOKENS.parkedRoutine}`,
        'unsealed/unknown/parked -',
      ].sort(),
    );
    expectNoTokens(plan, ALL_TOKENS);
    expectNoTokens(done, ALL_TOKENS);
  });

  it('delete needs a queue, and names the queue SQS cannot reach (exit 3)', async () => {
    const none = await runCli(['dlq', 'delete', '--yes'], { env: env() });
    const unreachable = await runCli(
      ['dlq', 'delete', '--parked-url', 'http://127.0.0.1:9/000000000000/parked', '--wait-seconds', '0'],
      { env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' } },
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      '--dlq-url / DEAD_LETTER_QUEUE_URL or --parked-url / PARKED_QUEUE_URL is required',
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach SQS at http://127.0.0.1:9');
    expect(unreachable.stderr).toContain('parked');
  });

  it('dlq --help lists delete; delete --help documents --yes and its exit code', async () => {
    const help = await runCli(['dlq', '--help']);
    const deleteHelp = await runCli(['dlq', 'delete', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}delete \[options\]/m);
    expect(deleteHelp.stdout).toContain('--yes');
    expect(deleteHelp.stdout).toContain('exits 0: nothing is');
    expect(deleteHelp.stdout).toContain('--lane <lane>');
  });
});
