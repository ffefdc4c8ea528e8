import { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_PAYLOAD_BYTES, type SqsEventSourceOptions } from '../../tools/event-source';
import { resolveOptions } from '../../tools/event-source/options';

describe('event source options', () => {
  const base: SqsEventSourceOptions = {
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: 'http://127.0.0.1:1/000000000000/q',
    createHandler: () => async () => undefined,
  };
  afterAll(() => base.sqs.destroy());

  it("defaults to Lambda's: 5 pollers, batch 10, no window, 2 at once, 3 s timeout, 6 MB, 20 s polls", () => {
    // Act
    const resolved = resolveOptions(base);
    // Assess
    expect(resolved).toMatchObject({
      pollers: 5,
      batchSize: 10,
      maxBatchingWindowMs: 0,
      maxConcurrency: 2,
      functionTimeoutMs: 3000,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      pollWaitSeconds: 20,
      receiveJitterMs: 20,
      reportBatchItemFailures: true,
    });
    expect(MAX_PAYLOAD_BYTES).toBe(6 * 1024 * 1024);
  });

  it.each<[Partial<SqsEventSourceOptions>, string]>([
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: 10_001, maxBatchingWindowMs: 1000 }, 'batchSize'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ maxBatchingWindowMs: -1 }, 'maxBatchingWindowMs'],
    [{ maxBatchingWindowMs: 300_001 }, 'maxBatchingWindowMs'],
    [{ batchSize: 11, maxBatchingWindowMs: 999 }, 'maxBatchingWindowMs'],
    [{ maxConcurrency: 1 }, 'maxConcurrency'],
    [{ maxConcurrency: 1001 }, 'maxConcurrency'],
    [{ pollers: 0 }, 'pollers'],
    [{ receiveJitterMs: -1 }, 'receiveJitterMs'],
    [{ receiveJitterMs: 1001 }, 'receiveJitterMs'],
    [{ functionTimeoutMs: 0 }, 'functionTimeoutMs'],
    [{ functionTimeoutMs: 900_001 }, 'functionTimeoutMs'],
    [{ maxPayloadBytes: MAX_PAYLOAD_BYTES + 1 }, 'maxPayloadBytes'],
    [{ pollWaitSeconds: 21 }, 'pollWaitSeconds'],
    [{ pollWaitSeconds: Number.NaN }, 'pollWaitSeconds'],
    [{ queueUrl: '' }, 'queueUrl'],
  ])('refuses %p, naming %s', (options, setting) => {
    // Act
    const resolve = () => resolveOptions({ ...base, ...options });
    // Assess
    expect(resolve).toThrow(expect.objectContaining({ name: 'ConfigurationError', setting }));
  });
});
