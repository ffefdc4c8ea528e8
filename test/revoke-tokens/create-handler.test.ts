import { readConfig } from '../../functions/lib/config';
import { BatchFailedError, ErrorCategory } from '../../functions/lib/errors';
import { MetricName } from '../../functions/lib/telemetry-names';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { captureOutput, lambdaContext, sqsEvent, sqsRecord } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { drainQueue } from './harness';

describe('createHandler (the urgent lane built from a config object)', () => {
  const servers = useLocalServers({ seed: 6 });

  it('revokes, parks, and publishes urgent time to revoke, with no process.env involved', async () => {
    // Prepare
    const { queueUrl } = await servers.sqs.createQueue('create-handler-dlq');
    const config = {
      ...readConfig({ STACKEXCHANGE_API_URL: servers.sim.url }),
      parkedQueueUrl: queueUrl,
    };
    const handler = createHandler(config, { sqs: servers.sqs.client });
    const tokens = servers.sim.issueTokens(3);
    const sentFiveSecondsAgo = String(Date.now() - 5000);
    const event = {
      Records: [
        ...tokens.map((token) =>
          sqsRecord(JSON.stringify({ token }), {
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: sentFiveSecondsAgo,
              SenderId: 'x',
              ApproximateFirstReceiveTimestamp: sentFiveSecondsAgo,
            },
          }),
        ),
        sqsRecord('{"tokens":42}'),
      ],
    };
    // Act
    const { result, output } = await captureOutput(() => handler(event, lambdaContext()));
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(servers.sim.requests.map((r) => r.tokens.length)).toEqual([3]);
    expect(await drainQueue(servers.sqs, queueUrl)).toEqual([
      expect.objectContaining({ reason: 'invalid_message' }),
    ]);
    const emf = output
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, number | string>);
    const p95 = emf.find((m) => m.lane === 'urgent' && MetricName.TimeToRevokeP95 in m)?.[
      MetricName.TimeToRevokeP95
    ];
    expect(p95).toBeGreaterThanOrEqual(5);
    expect(p95).toBeLessThan(15);
  });

  it('fails every message, as a configuration error, when the app key cannot be read', async () => {
    const config = {
      ...readConfig({ STACKEXCHANGE_API_URL: servers.sim.url }),
      keySource: { kind: 'parameter', parameterName: '/missing' } as const,
    };
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'l',
      AWS_SECRET_ACCESS_KEY: 'l',
      AWS_MAX_ATTEMPTS: '1',
    });
    try {
      const event = sqsEvent([{ token: 'abc' }, { token: 'def' }]);
      const { error, output } = await captureOutput(() => createHandler(config)(event, lambdaContext()));
      expect(error).toBeInstanceOf(BatchFailedError);
      expect(error).toMatchObject({
        category: ErrorCategory.Configuration,
        messageIds: event.Records.map((r) => r.messageId),
      });
      expect(output).toContain('"error_name":"app_key_unavailable"');
      expect(servers.sim.requests).toHaveLength(0);
    } finally {
      process.env = saved;
    }
  });
});
