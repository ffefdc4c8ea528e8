import { MAX_TOKENS_PER_MESSAGE, RejectReason } from '../../functions/lib/message';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { sqsEvent } from '../support/lambda';
import { drainQueue, runBatch } from './harness';

describe('processBatch with a poison pill (security review)', () => {
  let sqs: LocalSqs;
  let sim: Simulator;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    sim = await startSimulator({ seed: 3 });
  });
  afterEach(() => sim.close());

  it('revokes the other messages of the batch and parks the excess of a 123,000-token message', async () => {
    // Prepare: a message of ~246 KB (inside the SQS limit) next to two ordinary ones.
    const { queueUrl } = await sqs.createQueue('poison-dlq');
    const ordinary = sim.issueTokens(2);
    const huge = [...sim.issueTokens(5), ...Array.from({ length: 123_000 }, (_, i) => `x${i}`)];
    const event = sqsEvent([{ token: ordinary[0] }, { tokens: huge }, { token: ordinary[1] }]);
    // Act
    const { response, error, tally } = await runBatch(event, {
      apiUrl: sim.url,
      sqs,
      deadLetterQueueUrl: queueUrl,
    });
    // Assess
    expect(error).toBeUndefined();
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ordinary.every((token) => sim.tokenState(token) === 'invalidated')).toBe(true);
    expect(sim.requests.reduce((sum, r) => sum + r.tokens.length, 0)).toBe(2 + MAX_TOKENS_PER_MESSAGE);
    const parked = await drainQueue(sqs, queueUrl);
    const excess = 123_005 - MAX_TOKENS_PER_MESSAGE;
    expect(parked.every((p) => p.reason === RejectReason.TooManyTokens)).toBe(true);
    expect(parked.reduce((sum, p) => sum + (p.tokens?.length ?? 0), 0)).toBe(excess);
    expect(tally.tokensParked).toBe(excess);
  }, 60_000);
});
