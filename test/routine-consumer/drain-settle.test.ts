import { Governor } from '../../functions/lib/control/governor';
import { memoryControlStore } from '../../functions/lib/control/store';
import { sqsParker } from '../../functions/lib/park';
import { ApiMethod } from '../../functions/lib/stackexchange/api-method';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { Lane } from '../../functions/lib/telemetry-names';
import { drainQueue } from '../revoke-tokens/harness';
import { INSTANT_SQS, timedRun } from './manual-clock';
import { retryingClient, sendBodies, useDrainQueues } from './support';

/** How a run settles what it received and sent, on a manual clock (manual-clock.ts). */
describe('drain settles', () => {
  const t = useDrainQueues('settle', { seed: 41 }, INSTANT_SQS);

  it('deletes a message whose tokens go in two calls only once both calls have ended', async () => {
    // Prepare: one message of 40 tokens; its two calls go at once, and one is refused once and tried
    // again 50 ms later.
    await sendBodies(t.sqs, t.queueUrl, [{ tokens: t.sim.issueTokens(40) }]);
    t.sim.injectFault('internal_error');
    const client = retryingClient(t.sim.url);
    // Act
    const run = await timedRun(t, { client, settings: { maxHoldSeconds: 0, callConcurrency: 2 } });
    // Assess: settled once, as done.
    expect(t.sim.requests).toHaveLength(3);
    expect(run.report).toMatchObject({ deleted: 1, released: 0, carried: 0 });
    expect(run.report.counts).toMatchObject({ tokensInvalidated: 40, tokensRetried: 0 });
    expect(run.record.deletes).toEqual([1]);
  });

  it('releases a message whose bad tokens could not be parked, without sending its good ones', async () => {
    // Prepare: no dead-letter queue to park in; a message of 19 live tokens and a malformed one, and
    // a message of 1 live token.
    const tokens = t.sim.issueTokens(20);
    await sendBodies(t.sqs, t.queueUrl, [
      { tokens: [...tokens.slice(0, 19), 'bad;token'] },
      { token: tokens[19] },
    ]);
    const park = sqsParker({ queueUrl: undefined, sqs: () => t.sqs.client });
    // Act
    const run = await timedRun(t, { park });
    // Assess: the first message waits 30 s for a retry (nothing of it sent); the second is held.
    expect(t.sim.requests).toHaveLength(0);
    expect(run.report).toMatchObject({ released: 1, carried: 1, deleted: 0, tokensReceived: 1 });
    expect(run.report.counts).toMatchObject({ parkingFailures: 1 });
    expect(run.record.visibility.map((v) => v.seconds).sort((a, b) => a - b)).toEqual([1, 30]);
  });

  it('releases the messages of a send a pause in force prevents, until the pause ends', async () => {
    // Prepare: the API asked for a backoff of 100 s (the client holds it); 20 logouts.
    await t.sendLogouts(20);
    const client = new StackExchangeClient({ apiUrl: t.sim.url, requestsPerSecond: 25 });
    const until = Date.now() + 100_000;
    client.pauseAll(until, 'backoff');
    const store = memoryControlStore();
    const governor = new Governor(store, { dailyCallBudget: 9000, urgentReserveCalls: 1800 }, Lane.Routine);
    // Act
    const run = await timedRun(t, { client, governor });
    // Assess: no call; the reserved call given back; each message invisible until the pause ends.
    expect(t.sim.requests).toHaveLength(0);
    expect(client.pausedUntil(ApiMethod.Invalidate)?.until).toBe(until);
    expect(run.report).toMatchObject({ released: 20, deleted: 0, budgetCallsSpent: 0 });
    for (const v of run.record.visibility) expect(v.seconds).toBe((until - v.at) / 1000);
    const day = new Date().toISOString().slice(0, 10);
    expect((await store.read(day)).budget.spent).toBe(0);
  });

  it('parks a token the API rejects, counts it, and deletes its message with the others', async () => {
    // Prepare: 20 logouts, one of them a token the API answers bad_parameter for.
    const tokens = await t.sendLogouts(20);
    t.sim.poisonTokens([tokens[0] as string]);
    // Act
    const run = await timedRun(t);
    // Assess
    expect(run.report).toMatchObject({ deleted: 20, released: 0 });
    expect(run.report.counts).toMatchObject({ tokensInvalidated: 19, tokensParked: 1, messagesParked: 1 });
    expect(await drainQueue(t.sqs, t.parkedUrl)).toHaveLength(1);
  });
});
