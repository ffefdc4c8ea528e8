import { dynamoControlStore } from '../../functions/lib/control/dynamo-store';
import { parkedBody } from '../../functions/lib/park';
import { parkingKey } from '../../functions/lib/parked-message';
import { type SqsEventSource, startSqsEventSource } from '../../tools/event-source';
import { type LocalDynamoDb, startInProcessDynamoDb } from '../../tools/local-dynamodb';
import { type LocalLambda, startLocalLambda } from '../../tools/local-lambda';
import { useLocalServers } from '../support/servers';
import { runCli } from './run-cli';

const DAY = () => new Date().toISOString().slice(0, 10);

/** `token-revoker pause`, `resume` and `status` as a subprocess, against dynalite, the Lambda stand-in and local SQS. */
describe('token-revoker pause, resume, status', () => {
  const servers = useLocalServers({ seed: 21 });
  let dynamo: LocalDynamoDb;
  let lambda: LocalLambda;
  let source: SqsEventSource;
  let uuid: string;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startInProcessDynamoDb();
    lambda = await startLocalLambda();
    const { queueUrl } = await servers.sqs.createQueue('pause-cli-urgent', {
      visibilityTimeoutInSeconds: 30,
    });
    source = await startSqsEventSource({
      sqs: servers.sqs.client,
      queueUrl,
      pollWaitSeconds: 1,
      createHandler: () => async () => ({ batchItemFailures: [] }),
    });
    uuid = lambda.addEventSourceMapping({
      source,
      eventSourceArn: source.queueArn,
      functionName: 'urgent',
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      maximumConcurrency: 2,
    });
  });
  afterAll(async () => {
    await source.stop();
    await lambda.stop();
    await dynamo.stop();
  });

  /** A fresh control table and the environment naming it, the mapping and the local endpoints. */
  const setting = async (extra: Record<string, string> = {}) => {
    tables += 1;
    const table = await dynamo.createControlTable(`pause-cli-${tables}`);
    const env = {
      AWS_REGION: 'us-east-1',
      CONTROL_TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      URGENT_EVENT_SOURCE_MAPPING_UUID: uuid,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      ...extra,
    };
    return { store: dynamoControlStore(dynamo.client, table), env };
  };

  it.each([
    [['pause', '--lane', 'both', '--reason', 'x'], '--lane must be routine, urgent or all'],
    [['pause', '--reason', 'x'], '--lane is required'],
    [['pause', '--lane', 'routine'], '--reason is required'],
    [['pause', '--lane', 'routine', '--reason', '   '], '--reason is required'],
    [['pause', '--lane', 'routine', '--reason', 'two\nlines'], '--reason: one line of text'],
    [['pause', '--lane', 'routine', '--reason', 'x'.repeat(501)], '--reason: at most 500 characters'],
    [['pause', '--lane', 'routine', '--reason', 'x', '--wait-seconds', 'soon'], '--wait-seconds'],
    [
      ['resume', '--lane', 'urgent', '--urgent-mapping', 'abc'],
      '--urgent-mapping / URGENT_EVENT_SOURCE_MAPPING_UUID: not an event source mapping UUID',
    ],
    [
      ['pause', '--lane', 'routine', '--reason', 'x', '--dynamodb-endpoint', 'http://dynamodb.example.com'],
      '--dynamodb-endpoint / AWS_ENDPOINT_URL_DYNAMODB',
    ],
    [['status', '--daily-call-budget', 'lots'], '--daily-call-budget / DAILY_CALL_BUDGET'],
  ])('bad usage %#: exit 2, naming the flag, nothing written', async (args, message) => {
    // Prepare
    const { store, env } = await setting();
    // Act
    const run = await runCli(args, { env });
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect((await store.read(DAY())).operatorPauses).toEqual({});
  });

  it('names the missing settings: the control table, and the mapping for the urgent lane', async () => {
    const noTable = await runCli(['pause', '--lane', 'routine', '--reason', 'x'], {
      env: { AWS_REGION: 'us-east-1' },
    });
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toContain(
      '--control-table / CONTROL_TABLE_NAME is required (stack output ControlTableName)',
    );
    const { env } = await setting();
    const { URGENT_EVENT_SOURCE_MAPPING_UUID: _, ...noMapping } = env;
    const run = await runCli(['pause', '--lane', 'all', '--reason', 'x'], { env: noMapping });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--urgent-mapping / URGENT_EVENT_SOURCE_MAPPING_UUID is required to pause the urgent lane',
    );
  }, 90_000);

  it('a bad value from the environment is a configuration error: exit 3', async () => {
    const { env } = await setting({
      URGENT_EVENT_SOURCE_MAPPING_UUID: 'not-a-uuid',
      DAILY_CALL_BUDGET: '-1',
    });
    expect((await runCli(['resume', '--lane', 'urgent'], { env })).code).toBe(3);
    const status = await runCli(['status'], { env: { ...env, URGENT_EVENT_SOURCE_MAPPING_UUID: uuid } });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('--daily-call-budget / DAILY_CALL_BUDGET');
  }, 90_000);

  it('pauses routine with who and why, status shows it, resume ends it once', async () => {
    // Prepare
    const { store, env } = await setting({ DAILY_CALL_BUDGET: '100', URGENT_RESERVE_CALLS: '20' });
    await store.reserve(DAY(), 'routine', 30, 80);
    // Act
    const paused = await runCli(['pause', '--lane', 'routine', '--reason', 'bulk import', '--by', 'carol'], {
      env,
    });
    const status = await runCli(['status', '--no-dead-letters'], { env });
    const json = await runCli(['status', '--json', '--no-dead-letters'], { env });
    const resumed = await runCli(['resume', '--lane', 'routine'], { env });
    const again = await runCli(['resume', '--lane', 'routine', '--json'], { env });
    // Assess
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^routine: paused since \S+Z by carol: bulk import\n$/);
    expect((await store.read(DAY())).operatorPauses).toEqual({});
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^routine: PAUSED since \S+Z by carol: bulk import$/m);
    expect(status.stdout).toContain('  budget: 30 calls spent today, 50 left of 80');
    expect(status.stdout).toMatch(/^urgent: running \(event source Enabled\)$/m);
    expect(status.stdout).toContain('  budget: 0 calls spent today, 70 left of 100');
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'status',
      exitCode: 0,
      lanes: {
        routine: {
          paused: true,
          pause: { reason: 'bulk import', by: 'carol' },
          budget: { spent: 30, left: 50, limit: 80 },
        },
        urgent: {
          paused: false,
          eventSource: { uuid, state: 'Enabled' },
          budget: { spent: 0, left: 70, limit: 100 },
        },
      },
      budget: { spent: 30, dailyCallBudget: 100, urgentReserveCalls: 20 },
      warnings: [],
    });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^routine: resumed \(paused since \S+Z by carol: bulk import\)\n$/);
    expect(JSON.parse(again.stdout)).toMatchObject({
      exitCode: 0,
      lanes: [{ lane: 'routine', paused: false }],
    });
    expect(JSON.parse(again.stdout).lanes[0].pause).toBeUndefined();
  }, 90_000);

  it('pauses urgent: the mapping is disabled and the pause written; status warns when a deploy enabled it again', async () => {
    // Prepare
    const { store, env } = await setting();
    // Act
    const paused = await runCli(['pause', '--lane', 'urgent', '--reason', 'incident', '--json'], { env });
    // Assess
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.stdout).lanes).toEqual([
      expect.objectContaining({ lane: 'urgent', paused: true, mapping: { uuid, state: 'Disabled' } }),
    ]);
    expect(source.state()).toBe('Disabled');
    expect((await store.read(DAY())).operatorPauses.urgent?.reason).toBe('incident');
    // A deploy enables the mapping again.
    source.setEnabled(true);
    const status = await runCli(['status', '--no-dead-letters'], { env });
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('the urgent lane is paused but its event source is Enabled');
    // Resumed: the pause is gone and the mapping enabled.
    source.setEnabled(false);
    const resumed = await runCli(['resume', '--lane', 'urgent'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/urgent: resumed .*; event source Enabled/);
    expect(source.state()).toBe('Enabled');
  }, 90_000);

  it('when the mapping cannot be disabled, still writes the pause (batches are held) and exits 3', async () => {
    const { store, env } = await setting({
      URGENT_EVENT_SOURCE_MAPPING_UUID: '00000000-0000-0000-0000-000000000000',
    });
    const run = await runCli(['pause', '--lane', 'all', '--reason', 'incident'], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'disabling the urgent event source mapping 00000000-0000-0000-0000-000000000000 failed: ResourceNotFoundException',
    );
    expect(run.stderr).toContain('a batch its event source still hands out is held, not revoked');
    expect(Object.keys((await store.read(DAY())).operatorPauses).sort()).toEqual(['routine', 'urgent']);
  }, 90_000);

  it('an unreachable control table is exit 3, naming the table', async () => {
    const { env } = await setting({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const run = await runCli(['pause', '--lane', 'routine', '--reason', 'x'], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`writing the routine lane's pause to ${env.CONTROL_TABLE_NAME} failed`);
    const status = await runCli(['status'], { env });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(`reading the control table ${env.CONTROL_TABLE_NAME} failed`);
  }, 90_000);

  it('counts queue depths and dead letters by kind, reason and lane without receiving from the lanes', async () => {
    // Prepare: a routine queue with 2 messages, a DLQ with one message SQS would have dead-lettered,
    // a parked queue with one message the routine lane parked (sealed with the parking key).
    const { env } = await setting();
    const routine = await servers.sqs.createQueue('pause-cli-routine');
    const dlq = await servers.sqs.createQueue('pause-cli-dlq');
    const parked = await servers.sqs.createQueue('pause-cli-parked');
    const keyText = 'status-parking-key-0123456789abcdef0123456789';
    const entry = {
      reason: 'invalid_token',
      detail: 'd',
      sourceMessageId: 'm',
      tokens: ['x;y'],
      lane: 'routine',
    } as const;
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    for (const body of ['{"tokens":["a"]}', '{"tokens":["b"]}'])
      await servers.sqs.client.send(
        new SendMessageCommand({ QueueUrl: routine.queueUrl, MessageBody: body }),
      );
    await servers.sqs.client.send(
      new SendMessageCommand({ QueueUrl: dlq.queueUrl, MessageBody: '{"tokens":["c"]}' }),
    );
    await servers.sqs.client.send(
      new SendMessageCommand({
        QueueUrl: parked.queueUrl,
        MessageBody: parkedBody(entry, new Date(), parkingKey(keyText, 'test')),
      }),
    );
    // Act
    const run = await runCli(['status', '--json'], {
      env: {
        ...env,
        REVOCATION_QUEUE_URL: routine.queueUrl,
        DEAD_LETTER_QUEUE_URL: dlq.queueUrl,
        PARKED_QUEUE_URL: parked.queueUrl,
        PARKED_MESSAGE_KEY: keyText,
        AWS_ENDPOINT_URL_SQS: servers.sqs.endpoint,
      },
    });
    // Assess
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(document.lanes.routine.queue).toMatchObject({ visible: 2, inFlight: 0, delayed: 0 });
    expect(document.deadLetters).toEqual({
      total: 2,
      byQueue: { dead_letter: 1, parked: 1 },
      truncated: false,
      byKind: {
        dead_lettered: { count: 1, reasons: { max_receives_exceeded: 1 }, lanes: { unknown: 1 } },
        parked: { count: 1, reasons: { invalid_token: 1 }, lanes: { routine: 1 } },
      },
    });
    // Nothing was received from the lane's queue: a first receive now sees each message's first receive.
    const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
    const { Messages = [] } = await servers.sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: routine.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(Messages.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1']);
  }, 90_000);
});
