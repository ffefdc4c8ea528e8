import fc from 'fast-check';
import { Governor } from '../../functions/lib/control/governor';
import { memoryControlStore } from '../../functions/lib/control/store';
import { ParkReason } from '../../functions/lib/message';
import { type Parker, sqsParker } from '../../functions/lib/park';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { createTelemetry } from '../../functions/lib/telemetry';
import { Lane } from '../../functions/lib/telemetry-names';
import { drain } from '../../functions/routine-consumer/drain';
import { QuotaWatch } from '../../functions/routine-consumer/quota';
import { routineQueue } from '../../functions/routine-consumer/routine-queue';
import { drainQueue } from '../revoke-tokens/harness';
import { hostileBody, hostileShape, poisonBody } from '../support/hostile-bodies';
import { captureOutput, lambdaContext } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { FAST, runDrain, sendBodies } from './support';

const { logger } = createTelemetry({ serviceName: 'routine-hostile', metricsNamespace: 'RoutineHostile' });
/** The largest body SQS takes (256 KiB), less room for the test's own envelope. */
const MAX_BODY = 250_000;

/** Security review 2, point 1, through the routine lane: one hostile message never stops a run. */
describe('routine consumer against hostile bodies', () => {
  const servers = useLocalServers({ seed: 23 });
  let queueUrl: string;
  let dlqUrl: string;
  let n = 0;

  beforeEach(async () => {
    n += 1;
    const dlq = await servers.sqs.createQueue(`hostile-dlq-${n}`);
    dlqUrl = dlq.queueUrl;
    const deadLetter = { queueArn: dlq.queueArn, maxReceiveCount: 15 };
    queueUrl = (await servers.sqs.createQueue(`hostile-${n}`, { deadLetter })).queueUrl;
  });

  it.each([
    ['array', 6000],
    ['object', 100_000],
  ] as const)(
    'the 19 KB message (a %s %i deep after 1,000 tokens) does not stop the run: 19 innocent messages are revoked',
    async (shape, depth) => {
      // Prepare
      const innocent = Array.from({ length: 19 }, () => servers.sim.issueTokens(20));
      await sendBodies(servers.sqs, queueUrl, [
        poisonBody({ shape, depth }),
        ...innocent.map((tokens) => ({ tokens })),
      ]);
      // Act
      const { result, error } = await captureOutput(() =>
        runDrain({
          sqs: servers.sqs,
          apiUrl: servers.sim.url,
          queueUrl,
          parkedQueueUrl: dlqUrl,
          remainingMs: 20_000,
        }),
      );
      // Assess
      expect(error).toBeUndefined();
      expect(result?.deleted).toBe(20);
      for (const token of innocent.flat()) expect(servers.sim.tokenState(token)).toBe('invalidated');
      const parked = await drainQueue(servers.sqs, dlqUrl);
      expect(parked.map((p) => [p.reason, p.tokens?.length])).toEqual([[ParkReason.TooManyTokens, 1]]);
    },
    60_000,
  );

  it('any depth (to 100,000), width or size, anywhere in a message: the run ends and the innocent tokens are revoked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileShape, { minLength: 1, maxLength: 3 }), async (shapes) => {
        // Prepare
        n += 1;
        const dlq = await servers.sqs.createQueue(`hostile-property-dlq-${n}`);
        const queue = await servers.sqs.createQueue(`hostile-property-${n}`);
        const hostile = shapes
          .map((shape) => ({ shape, tokens: servers.sim.issueTokens(2) }))
          .map((item) => ({ ...item, body: hostileBody(item.shape, item.tokens) }))
          .filter(({ body }) => Buffer.byteLength(body) <= MAX_BODY);
        const bodies = hostile.map(({ body }) => body);
        const innocent = servers.sim.issueTokens(20);
        await sendBodies(servers.sqs, queue.queueUrl, [...bodies, { tokens: innocent }]);
        // Act
        const { result, error } = await captureOutput(() =>
          runDrain({
            sqs: servers.sqs,
            apiUrl: servers.sim.url,
            queueUrl: queue.queueUrl,
            parkedQueueUrl: dlq.queueUrl,
            settings: { maxHoldSeconds: 0 },
          }),
        );
        // Assess
        expect(error).toBeUndefined();
        expect(result?.received).toBe(bodies.length + 1);
        for (const token of innocent) expect(servers.sim.tokenState(token)).toBe('invalidated');
        // A hostile value never costs its message's live tokens (only a hostile body has none to read).
        for (const { shape, tokens } of hostile) {
          if (shape.placement === 'body') continue;
          for (const token of tokens) expect(servers.sim.tokenState(token)).toBe('invalidated');
        }
      }),
      { numRuns: 5, seed: 20261203 },
    );
  }, 300_000);

  it('a parker that throws for one message fails that message alone (drain containment)', async () => {
    const innocent = servers.sim.issueTokens(20);
    await sendBodies(servers.sqs, queueUrl, [{ tokens: ['bad token'] }, { tokens: innocent }]);
    const real = sqsParker({ queueUrl: dlqUrl, sqs: () => servers.sqs.client });
    const park: Parker = async (entries) => {
      if (entries.some((entry) => entry.reason === ParkReason.InvalidToken)) throw new TypeError('broken');
      return real(entries);
    };
    const client = new StackExchangeClient({
      apiUrl: servers.sim.url,
      requestsPerSecond: 25,
      retryBaseDelayMs: 10,
    });
    const { error } = await captureOutput(() =>
      drain(lambdaContext(5000), FAST, {
        client,
        queue: routineQueue(servers.sqs.client, queueUrl, () => undefined),
        park,
        logger,
        quota: new QuotaWatch(),
        governor: new Governor(
          memoryControlStore(),
          { dailyCallBudget: 9000, urgentReserveCalls: 1800 },
          Lane.Routine,
        ),
      }),
    );
    expect(error).toBeUndefined();
    for (const token of innocent) expect(servers.sim.tokenState(token)).toBe('invalidated');
  });
});
