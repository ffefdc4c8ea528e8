import { readConfig } from '../../functions/lib/config';
import { MetricName } from '../../functions/lib/telemetry-names';
import type { ConsumerConfig } from '../../functions/routine-consumer/config';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import { captureOutput, lambdaContext } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { sendBodies } from './support';

describe('createConsumer (the routine lane built from a config object)', () => {
  const servers = useLocalServers({ seed: 4, requiredKey: 'localAppKey' });

  const config = (
    queueUrl: string,
    dlqUrl: string,
    overrides: Partial<ConsumerConfig> = {},
  ): ConsumerConfig => ({
    ...readConfig({
      STACKEXCHANGE_API_URL: servers.sim.url,
      STACKEXCHANGE_KEY: 'localAppKey',
      STACKEXCHANGE_REQUESTS_PER_SECOND: '25',
    }),
    parkedQueueUrl: dlqUrl,
    routineQueueUrl: queueUrl,
    tickSeconds: 6,
    maxHoldSeconds: 0,
    maxDeferSeconds: 900,
    quotaReserveFraction: 0.5,
    receiveWaitSeconds: 1,
    routineQuotaFloorFraction: 0.2,
    safetyMarginMs: 500,
    ...overrides,
  });

  it('runs, logs one line without tokens and publishes metrics with time to revoke per lane', async () => {
    // Prepare
    const dlq = await servers.sqs.createQueue('consumer-dlq');
    const { queueUrl } = await servers.sqs.createQueue('consumer-routine');
    const tokens = servers.sim.issueTokens(21);
    await sendBodies(
      servers.sqs,
      queueUrl,
      tokens.map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlq.queueUrl), { sqs: servers.sqs.client });
    // Act
    const { result, output } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    // Assess
    expect(result).toMatchObject({ received: 21, deleted: 21 });
    expect(servers.sim.requests.map((r) => r.tokens.length).sort((a, b) => a - b)).toEqual([1, 20]);
    expect(servers.sim.requests.every((r) => r.key === 'localAppKey')).toBe(true);
    const lines = output.split('\n').filter((line) => line.startsWith('{'));
    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((m) => '_aws' in m);
    expect(emf.some((m) => m[MetricName.TokensInvalidated] === 21 && m[MetricName.ApiCalls] === 2)).toBe(
      true,
    );
    expect(emf.some((m) => m.lane === 'routine' && typeof m[MetricName.TimeToRevokeP95] === 'number')).toBe(
      true,
    );
    expect(output).toContain('"message":"Run finished"');
    for (const token of tokens) expect(output).not.toContain(token);
    expect(output).not.toContain('localAppKey');
  });

  it('fails the run without receiving anything when the client cannot start', async () => {
    const dlq = await servers.sqs.createQueue('consumer-dlq-2');
    const { queueUrl } = await servers.sqs.createQueue('consumer-routine-2');
    await sendBodies(servers.sqs, queueUrl, [{ token: 'abc' }]);
    const broken = {
      ...config(queueUrl, dlq.queueUrl),
      keySource: { kind: 'secret', secretId: 'x' } as const,
    };
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:9'; // nothing listens there
    try {
      const { error } = await captureOutput(() =>
        createConsumer(broken, { sqs: servers.sqs.client })({}, lambdaContext(5000)),
      );
      expect(error).toMatchObject({ name: 'ConfigurationError', setting: 'STACKEXCHANGE_KEY_SECRET_ID' });
      expect(servers.sim.requests).toHaveLength(0);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    }
  });
});
