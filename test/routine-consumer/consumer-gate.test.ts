import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { readConfig } from '../../functions/lib/config';
import { dynamoControlStore } from '../../functions/lib/control/dynamo-store';
import { type ControlStore, memoryControlStore } from '../../functions/lib/control/store';
import { MetricName } from '../../functions/lib/telemetry-names';
import type { ConsumerConfig } from '../../functions/routine-consumer/config';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import { type LocalDynamoDb, startInProcessDynamoDb } from '../../tools/local-dynamodb';
import { captureOutput, lambdaContext } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { queueDepth, sendBodies } from './support';

/** A run of the routine consumer reads the control table first: while the lane cannot send, it receives nothing. */
describe('routine consumer gate', () => {
  const servers = useLocalServers({ seed: 11 });
  let dynamo: LocalDynamoDb;
  let n = 0;
  beforeAll(async () => {
    dynamo = await startInProcessDynamoDb();
  });
  afterAll(() => dynamo.stop());

  const queues = async () => {
    n += 1;
    const dlq = await servers.sqs.createQueue(`gate-dlq-${n}`);
    const { queueUrl } = await servers.sqs.createQueue(`gate-${n}`, {
      deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 14 },
    });
    return { queueUrl, dlqUrl: dlq.queueUrl };
  };
  const config = (queueUrl: string, dlqUrl: string, env: Record<string, string> = {}): ConsumerConfig => ({
    ...readConfig({
      STACKEXCHANGE_API_URL: servers.sim.url,
      STACKEXCHANGE_REQUESTS_PER_SECOND: '25',
      ...env,
    }),
    parkedQueueUrl: dlqUrl,
    routineQueueUrl: queueUrl,
    tickSeconds: 6,
    maxHoldSeconds: 0,
    maxDeferSeconds: 900,
    quotaReserveFraction: 0.5,
    receiveWaitSeconds: 1,
    routineQuotaFloorFraction: 0.2,
  });
  const receiveCounts = async (queueUrl: string) => {
    const { Messages = [] } = await servers.sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return Messages.map((message) => Number(message.Attributes?.ApproximateReceiveCount));
  };

  it('receives nothing while a pause recorded by another instance lasts, run after run', async () => {
    // Prepare: the urgent lane recorded a throttle that ends in 80,000 s, in the shared table.
    const { queueUrl, dlqUrl } = await queues();
    const control = dynamoControlStore(dynamo.client, await dynamo.createControlTable(`gate-table-${n}`));
    await control.recordPause({ until: Date.now() + 80_000_000, cause: 'throttled' });
    await sendBodies(
      servers.sqs,
      queueUrl,
      servers.sim.issueTokens(5).map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlqUrl), { sqs: servers.sqs.client, control });
    // Act: three runs.
    const runs = [];
    for (let run = 0; run < 3; run++) runs.push(await captureOutput(() => consumer({}, lambdaContext(5000))));
    // Assess: no call, no receive; each message still at its first receive when we look.
    expect(servers.sim.requests).toHaveLength(0);
    for (const { result } of runs)
      expect(result).toMatchObject({ received: 0, skipped: { cause: 'paused' } });
    expect(await receiveCounts(queueUrl)).toEqual([1, 1, 1, 1, 1]);
    const emf = runs.flatMap(({ output }) => output.split('\n').filter((line) => line.includes('"_aws"')));
    expect(emf.filter((line) => line.includes(`"${MetricName.PausedRuns}":1`))).toHaveLength(3);
  });

  it('receives nothing once its share of the budget is spent; the urgent reserve stays', async () => {
    const { queueUrl, dlqUrl } = await queues();
    const control: ControlStore = memoryControlStore();
    const day = new Date().toISOString().slice(0, 10);
    await control.reserve(day, 'routine', 8, 8);
    await sendBodies(
      servers.sqs,
      queueUrl,
      servers.sim.issueTokens(20).map((token) => ({ token })),
    );
    const consumer = createConsumer(
      config(queueUrl, dlqUrl, { DAILY_CALL_BUDGET: '10', URGENT_RESERVE_CALLS: '2' }),
      {
        sqs: servers.sqs.client,
        control,
      },
    );
    const { result } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    expect(result).toMatchObject({ received: 0, skipped: { cause: 'budget_exhausted' } });
    expect(servers.sim.requests).toHaveLength(0);
    expect(await queueDepth(servers.sqs, queueUrl)).toEqual({ visible: 20, inFlight: 0 });
  });

  it('below the quota floor, receives nothing and probes once per 15 minutes (one read call), sharing what it saw', async () => {
    // Prepare: the last observation anyone shared, a minute ago: 100 of 10,000 left.
    const { queueUrl, dlqUrl } = await queues();
    const control = memoryControlStore();
    await control.recordQuota({ remaining: 100, max: 10_000, at: Date.now() - 60_000 });
    await sendBodies(
      servers.sqs,
      queueUrl,
      servers.sim.issueTokens(20).map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlqUrl), { sqs: servers.sqs.client, control });
    // Act
    const first = await captureOutput(() => consumer({}, lambdaContext(5000)));
    const second = await captureOutput(() => consumer({}, lambdaContext(5000)));
    // Assess: one probe (a read), which saw a full quota; the lowest of the hour still says 100, so
    // routine waits (no receive) and does not probe again within 15 minutes.
    expect(servers.sim.requests.map((request) => request.method)).toEqual(['read']);
    expect(first.result).toMatchObject({
      received: 0,
      skipped: { cause: 'below_quota_floor' },
      budgetCallsSpent: 1,
    });
    expect(second.result).toMatchObject({
      received: 0,
      skipped: { cause: 'below_quota_floor' },
      budgetCallsSpent: 0,
    });
    expect(await queueDepth(servers.sqs, queueUrl)).toEqual({ visible: 20, inFlight: 0 });
    expect((await control.read(new Date().toISOString().slice(0, 10))).quota?.remaining).toBeGreaterThan(
      9000,
    );
  });

  it('counts a refused receive as an SQS error instead of a quiet empty run', async () => {
    const { dlqUrl } = await queues();
    const missing = `${servers.sqs.endpoint}/000000000000/no-such-queue`;
    const consumer = createConsumer(config(missing, dlqUrl), { sqs: servers.sqs.client });
    const { result, output } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    expect(result?.sqsErrors).toBeGreaterThanOrEqual(2);
    expect(output).toContain('"operation":"ReceiveMessage"');
    const emf = output.split('\n').filter((line) => line.includes(`"${MetricName.SqsErrors}"`));
    expect(emf.some((line) => /"SqsErrors":[1-9]/.test(line) && line.includes('"lane":"routine"'))).toBe(
      true,
    );
  });

  it('after a named pause has ended, forgets the quota seen before it and sends', async () => {
    const { queueUrl, dlqUrl } = await queues();
    const control = memoryControlStore();
    await control.recordQuota({ remaining: 0, max: 10_000, at: Date.now() - 120_000 });
    await control.recordPause({ until: Date.now() - 1000, cause: 'throttled' });
    await sendBodies(
      servers.sqs,
      queueUrl,
      servers.sim.issueTokens(20).map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlqUrl), { sqs: servers.sqs.client, control });
    const { result } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    expect(result).toMatchObject({ received: 20, deleted: 20, skipped: undefined });
    expect(servers.sim.requests.map((request) => request.tokens.length)).toEqual([20]);
  });

  it("receives nothing while an operator's pause lasts, says so in one line a run, and sends once resumed", async () => {
    // Prepare: the routine lane paused (token-revoker pause) in the shared table.
    const { queueUrl, dlqUrl } = await queues();
    const control = dynamoControlStore(dynamo.client, await dynamo.createControlTable(`gate-table-${n}`));
    await control.pauseLane('routine', { reason: 'provider incident', at: Date.now() - 5000, by: 'ops' });
    await sendBodies(
      servers.sqs,
      queueUrl,
      servers.sim.issueTokens(20).map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlqUrl), { sqs: servers.sqs.client, control });
    // Act: two runs paused.
    const runs = [];
    for (let run = 0; run < 2; run++) runs.push(await captureOutput(() => consumer({}, lambdaContext(5000))));
    // Assess: no call, no receive, one WARN line per run naming the reason, the metric.
    expect(servers.sim.requests).toHaveLength(0);
    for (const { result, output } of runs) {
      expect(result).toMatchObject({ received: 0, skipped: { cause: 'operator_paused', until: undefined } });
      const lines = output.split('\n').filter((line) => line.includes('paused by an operator'));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({
        level: 'WARN',
        operatorPause: { reason: 'provider incident', by: 'ops' },
        visibleMessages: 20,
      });
      expect(output).toMatch(/"OperatorPausedRuns":1/);
    }
    expect(new Set(await receiveCounts(queueUrl))).toEqual(new Set([1]));
    // Resumed: the next run sends them.
    await control.resumeLane('routine');
    const { result } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    expect(result).toMatchObject({ received: 20, deleted: 20, skipped: undefined });
  });
});
