import { NO_PARKED_QUEUE, type ParkEntry, parkedBody, sqsParker } from '../../functions/lib/park';
import { localSqsClient } from '../../tools/local-sqs';
import { drainQueue } from '../revoke-tokens/harness';
import { useLocalServers } from '../support/servers';

const entry = (overrides: Partial<ParkEntry> = {}): ParkEntry => ({
  reason: 'invalid_token',
  detail: 'tokens[0]: the token is empty',
  sourceMessageId: 'm1',
  tokens: [''],
  ...overrides,
});

describe('sqsParker', () => {
  const servers = useLocalServers();

  it('parks every entry with its reason attribute, in SendMessageBatch calls within the size limit', async () => {
    // Prepare: 25 entries of about 30 KB each: more than one call by count and by size.
    const { queueUrl } = await servers.sqs.createQueue('parked');
    const entries = Array.from({ length: 25 }, (_, i) =>
      entry({ sourceMessageId: `m${i}`, reason: 'body_not_json', body: 'x'.repeat(30_000) }),
    );
    // Act
    const results = await sqsParker({ queueUrl, sqs: () => servers.sqs.client })(entries);
    // Assess
    expect(results.every((result) => result.parked)).toBe(true);
    expect(results.map((result) => result.entry)).toEqual(entries);
    const parked = await drainQueue(servers.sqs, queueUrl);
    expect(parked).toHaveLength(25);
    expect(parked.every((p) => p.attributeReason === 'body_not_json' && p.reason === 'body_not_json')).toBe(
      true,
    );
  });

  it('says which entries SQS refused, and parks the others', async () => {
    // A queue that refuses messages over 1 KiB (SQS's MaximumMessageSize), so one entry is refused on its own.
    const { queueUrl } = await servers.sqs.createQueue('parked-refused', {
      attributes: { MaximumMessageSize: '1024' },
    });
    const errors: unknown[] = [];
    const park = sqsParker({
      queueUrl,
      sqs: () => servers.sqs.client,
      onError: (error) => errors.push(error),
    });
    const results = await park([entry({ sourceMessageId: 'big', body: 'y'.repeat(2000) }), entry()]);
    expect(results.map((r) => [r.entry.sourceMessageId, r.parked, r.failure])).toEqual([
      ['big', false, 'refused'],
      ['m1', true, undefined],
    ]);
    expect(errors).toHaveLength(1);
  });

  it('parks nothing without a parked queue (PARKED_QUEUE_URL) and says so (a configuration error)', async () => {
    const results = await sqsParker({ queueUrl: undefined, sqs: () => servers.sqs.client })([entry()]);
    expect(results).toEqual([{ entry: entry(), parked: false, failure: NO_PARKED_QUEUE }]);
  });

  it('reports an unreachable SQS as a failure of each entry of the call, by the error name', async () => {
    const closed = localSqsClient('http://127.0.0.1:9');
    const results = await sqsParker({ queueUrl: 'http://127.0.0.1:9/000000000000/dlq', sqs: () => closed })([
      entry(),
      entry({ sourceMessageId: 'm2' }),
    ]);
    expect(results.every((r) => !r.parked && typeof r.failure === 'string' && r.failure !== 'refused')).toBe(
      true,
    );
    closed.destroy();
  });
});

describe('parkedBody', () => {
  it('is the entry as JSON with the time it was parked', () => {
    expect(JSON.parse(parkedBody(entry(), new Date('2026-11-30T00:00:00Z')))).toEqual({
      ...entry(),
      parkedAt: '2026-11-30T00:00:00.000Z',
    });
  });
});
