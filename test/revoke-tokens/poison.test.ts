import { MAX_TOKENS_PER_MESSAGE, ParkReason } from '../../functions/lib/message';
import { sqsEvent } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { drainQueue, runBatch } from './harness';

describe('processBatch with a poison pill (security review)', () => {
  const servers = useLocalServers({ seed: 3 });

  it('revokes the other messages of the batch and parks the excess of a 123,000-token message', async () => {
    // Prepare: a message of ~246 KB (inside the SQS limit) next to two ordinary ones.
    const { queueUrl } = await servers.sqs.createQueue('poison-dlq');
    const ordinary = servers.sim.issueTokens(2);
    const huge = [...servers.sim.issueTokens(5), ...Array.from({ length: 123_000 }, (_, i) => `x${i}`)];
    const event = sqsEvent([{ token: ordinary[0] }, { tokens: huge }, { token: ordinary[1] }]);
    // Act
    const { response, error, tally } = await runBatch(event, {
      apiUrl: servers.sim.url,
      sqs: servers.sqs,
      parkedQueueUrl: queueUrl,
    });
    // Assess
    expect(error).toBeUndefined();
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ordinary.every((token) => servers.sim.tokenState(token) === 'invalidated')).toBe(true);
    expect(servers.sim.requests.reduce((sum, r) => sum + r.tokens.length, 0)).toBe(
      2 + MAX_TOKENS_PER_MESSAGE,
    );
    const parked = await drainQueue(servers.sqs, queueUrl);
    const excess = 123_005 - MAX_TOKENS_PER_MESSAGE;
    expect(parked.every((p) => p.reason === ParkReason.TooManyTokens)).toBe(true);
    expect(parked.reduce((sum, p) => sum + (p.tokens?.length ?? 0), 0)).toBe(excess);
    expect(tally.tokensParked).toBe(excess);
  }, 60_000);
});
