import { ParkReason } from '../../functions/lib/message';
import { parkedBody } from '../../functions/lib/park';
import { parkingKey } from '../../functions/lib/parked-message';
import { drainQueue } from '../revoke-tokens/harness';
import { INSTANT_SQS, realWait, timedRun } from './manual-clock';
import { sendBodies, useDrainQueues } from './support';

/** What a run reads, on a manual clock (manual-clock.ts) against the local SQS server and the simulator. */
describe('drain reads', () => {
  const t = useDrainQueues('input', { seed: 43 }, INSTANT_SQS);
  const key = parkingKey('drain-input-test-key-0123456789abcdef', 'test');

  /** A message parked (sealed with `key`) whose original body was a request for `tokens`, sent back to the queue. */
  const sentBack = (tokens: readonly string[]) =>
    parkedBody(
      {
        reason: ParkReason.InvalidMessage,
        detail: 'parked before a fix',
        sourceMessageId: 'original-1',
        body: JSON.stringify({ tokens }),
      },
      new Date(),
      key,
    );

  it('a parked message sent back, sealed with its parking key, stands for its original request', async () => {
    const tokens = t.sim.issueTokens(20);
    await sendBodies(t.sqs, t.queueUrl, [sentBack(tokens)]);
    const run = await timedRun(t, { parkingKey: key });
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20]);
    expect(run.report).toMatchObject({ deleted: 1, tokensReceived: 20 });
    expect(await drainQueue(t.sqs, t.parkedUrl)).toEqual([]);
  });

  it('sends a token at its time limit in the round it arrives, then ends when nothing is left', async () => {
    // Prepare: no hold; a 9 s function, time for more rounds.
    await t.sendLogouts(5);
    // Act: between rounds, the call gets (real) time to end.
    const run = await timedRun(t, {
      remainingMs: 9000,
      settings: { maxHoldSeconds: 0 },
      meanwhile: realWait(300),
    });
    // Assess: one call of 5 in round 1; round 2 finds nothing and the run ends.
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([5]);
    expect(run.report).toMatchObject({ rounds: 2, deleted: 5, carried: 0 });
    expect(run.clock.sleeps).toEqual([1000]);
  });

  it('parks and deletes a message whose only token is malformed (nothing of it is held)', async () => {
    await sendBodies(t.sqs, t.queueUrl, [{ tokens: ['bad;token'] }]);
    const run = await timedRun(t);
    expect(run.report).toMatchObject({ received: 1, deleted: 1, carried: 0, tokensLeft: 0 });
    expect(await drainQueue(t.sqs, t.parkedUrl)).toHaveLength(1);
  });

  it('without the key, the same body is not taken for a parked message', async () => {
    const tokens = t.sim.issueTokens(20);
    await sendBodies(t.sqs, t.queueUrl, [sentBack(tokens)]);
    const run = await timedRun(t);
    expect(t.sim.requests).toHaveLength(0);
    expect(run.report).toMatchObject({ tokensReceived: 0 });
  });
});
