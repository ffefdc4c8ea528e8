import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { INSTANT_SQS, realWait, timedRun } from './manual-clock';
import { sendBodies, useDrainQueues } from './support';

/** When a run sends and until when it holds, on a manual clock (manual-clock.ts). */
describe('drain timing', () => {
  const t = useDrainQueues('timing', { seed: 47 }, INSTANT_SQS);

  it("counts the round's own receive, SQS time included, before the next chance to send", async () => {
    // Prepare: SQS takes 200 ms a call. Round 1's receive (a message, then an empty 1 s poll) ends at
    // 1.4 s; the next round would send after a 1 s wait and a receive as long: at 3.8 s. The message,
    // sent about 1 s before the start, would be 4.8 s old then: past a 4.6 s hold, so it goes now.
    await t.sendLogouts(1);
    // Act: a 9 s function, time for more rounds; between rounds, the call gets (real) time to end.
    const run = await timedRun(t, {
      remainingMs: 9000,
      sqsCallMs: { receive: 200, batch: 0 },
      settings: { maxHoldSeconds: 4.6 },
      meanwhile: realWait(300),
    });
    // Assess: sent in round 1 (round 2 finds nothing and the run ends).
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([1]);
    expect(run.report).toMatchObject({ rounds: 2, deleted: 1 });
  });

  it('stops receiving when what it holds could not be made visible again before the deadline, after a long poll', async () => {
    // Prepare: SQS takes 200 ms a call, long polls last 2 s; the same token in each message (never a
    // full call), and time to send far more. Receive j starts at 200j ms, while 200j + a 2 s poll +
    // the calls needed for the messages held (1 per 80, and one more) end before the 4.5 s deadline.
    const [token] = t.sim.issueTokens(1);
    await sendBodies(
      t.sqs,
      t.queueUrl,
      Array.from({ length: 120 }, () => ({ token })),
    );
    // Act
    const run = await timedRun(t, {
      sqsCallMs: { receive: 200, batch: 200 },
      settings: { requestsPerSecond: 1000, receiveWaitSeconds: 2 },
    });
    // Assess: 10 receives (the 10th at 1.8 s: 1.8 + 2 + 0.4 + 0.2 < 4.5 s; an 11th at 2 s would end at 4.6 s).
    expect(run.record.receives).toHaveLength(10);
    expect(run.report).toMatchObject({ received: 100, carried: 100 });
  });

  it('spends one call of the budget per request made, whatever the answer carried', async () => {
    // Prepare: the answer asks for a backoff (one request, with more events than requests).
    await t.sendLogouts(20);
    t.sim.injectFault('backoff');
    // Act
    const run = await timedRun(t);
    // Assess
    expect(t.sim.requests).toHaveLength(1);
    expect(run.report.budgetCallsSpent).toBe(1);
  });

  it('sends the next full call as soon as the last send ended, not at the next round', async () => {
    // Prepare: 60 logouts, 3 full calls, each taking 50 ms (real time: between rounds the calls get
    // time to end).
    await t.sendLogouts(60);
    t.sim.setLatency({ min: 50, max: 50 });
    // Act: a 9 s function, time for more rounds.
    const run = await timedRun(t, { remainingMs: 9000, meanwhile: realWait(500) });
    // Assess: all three went during the first wait: round 2 finds nothing to do, and the run ends.
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20, 20, 20]);
    expect(run.report).toMatchObject({ rounds: 2, deleted: 60, carried: 0 });
  });

  it('holds what waits for the next run even while a backoff is in force (the run goes on: only a throttle stops it)', async () => {
    // Prepare: a backoff of 100 s in force; 5 logouts, held for a fuller call.
    await t.sendLogouts(5);
    const client = new StackExchangeClient({ apiUrl: t.sim.url, requestsPerSecond: 25 });
    client.pauseAll(Date.now() + 100_000, 'backoff');
    // Act
    const run = await timedRun(t, { client });
    // Assess: held until 2 s before the next run (4 s after the start), asked at 3 s.
    expect(run.report).toMatchObject({ carried: 5, stoppedBy: undefined });
    expect(run.record.visibility.map((v) => v.seconds)).toEqual([1, 1, 1, 1, 1]);
  });
});
