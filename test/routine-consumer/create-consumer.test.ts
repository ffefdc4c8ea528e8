import { readConfig } from '../../functions/lib/config';
import { MetricName } from '../../functions/lib/telemetry-names';
import type { ConsumerConfig } from '../../functions/routine-consumer/config';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { captureOutput, lambdaContext } from '../support/lambda';
import { sendBodies } from './support';

describe('createConsumer (the routine lane built from a config object)', () => {
  let sqs: LocalSqs;
  let sim: Simulator;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    sim = await startSimulator({ seed: 4, requiredKey: 'localAppKey' });
  });
  afterEach(() => sim.close());

  const config = (
    queueUrl: string,
    dlqUrl: string,
    overrides: Partial<ConsumerConfig> = {},
  ): ConsumerConfig => ({
    ...readConfig({
      STACKEXCHANGE_API_URL: sim.url,
      STACKEXCHANGE_KEY: 'localAppKey',
      STACKEXCHANGE_REQUESTS_PER_SECOND: '25',
    }),
    deadLetterQueueUrl: dlqUrl,
    routineQueueUrl: queueUrl,
    tickSeconds: 6,
    maxHoldSeconds: 0,
    maxDeferSeconds: 900,
    quotaReserveFraction: 0.5,
    receiveWaitSeconds: 1,
    safetyMarginMs: 500,
    ...overrides,
  });

  it('runs, logs one line without tokens and publishes metrics with time to revoke per lane', async () => {
    // Prepare
    const dlq = await sqs.createQueue('consumer-dlq');
    const { queueUrl } = await sqs.createQueue('consumer-routine');
    const tokens = sim.issueTokens(21);
    await sendBodies(
      sqs,
      queueUrl,
      tokens.map((token) => ({ token })),
    );
    const consumer = createConsumer(config(queueUrl, dlq.queueUrl), { sqs: sqs.client });
    // Act
    const { result, output } = await captureOutput(() => consumer({}, lambdaContext(5000)));
    // Assess
    expect(result).toMatchObject({ received: 21, deleted: 21 });
    expect(sim.requests.map((r) => r.tokens.length).sort((a, b) => a - b)).toEqual([1, 20]);
    expect(sim.requests.every((r) => r.key === 'localAppKey')).toBe(true);
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
    const dlq = await sqs.createQueue('consumer-dlq-2');
    const { queueUrl } = await sqs.createQueue('consumer-routine-2');
    await sendBodies(sqs, queueUrl, [{ token: 'abc' }]);
    const broken = {
      ...config(queueUrl, dlq.queueUrl),
      keySource: { kind: 'secret', secretId: 'x' } as const,
    };
    const saved = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:9'; // nothing listens there
    try {
      const { error } = await captureOutput(() =>
        createConsumer(broken, { sqs: sqs.client })({}, lambdaContext(5000)),
      );
      expect(error).toMatchObject({ name: 'ConfigurationError', setting: 'STACKEXCHANGE_KEY_SECRET_ID' });
      expect(sim.requests).toHaveLength(0);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = saved;
    }
  });
});
