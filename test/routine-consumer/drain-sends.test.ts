import { Governor } from '../../functions/lib/control/governor';
import { memoryControlStore } from '../../functions/lib/control/store';
import { Lane } from '../../functions/lib/telemetry-names';
import { INSTANT_SQS, timedRun } from './manual-clock';
import { retryingClient, sendBodies, useDrainQueues } from './support';

/** How a run sends, on a manual clock (manual-clock.ts) against the local SQS server and the simulator. */
describe('drain sends', () => {
  const t = useDrainQueues('sends', { seed: 37 }, INSTANT_SQS);

  it('makes one send at a time: the next reserves its calls after the last gave back what it did not use', async () => {
    // Prepare: 60 logouts, 3 full calls; each call takes 50 ms, so receiving goes on while a send is
    // out. The run's clock stands still while the calls take real time: between rounds, the test gives
    // them (real) time to end, as the real round's second would.
    await t.sendLogouts(60);
    t.sim.setLatency({ min: 50, max: 50 });
    const governor = new Governor(
      memoryControlStore(),
      { dailyCallBudget: 9000, urgentReserveCalls: 1800 },
      Lane.Routine,
    );
    const steps: string[] = [];
    const reserve = governor.reserve.bind(governor);
    const settle = governor.settle.bind(governor);
    jest.spyOn(governor, 'reserve').mockImplementation(async (calls) => {
      steps.push('reserve');
      return reserve(calls);
    });
    jest.spyOn(governor, 'settle').mockImplementation(async (reserved, used) => {
      steps.push('settle');
      return settle(reserved, used);
    });
    // Act
    const run = await timedRun(t, {
      governor,
      meanwhile: () => new Promise((resolve) => setTimeout(resolve, 500)),
    });
    // Assess: every token sent once, in sends that never overlap.
    expect(run.report).toMatchObject({ deleted: 60, carried: 0 });
    expect(t.sim.requests.flatMap((request) => request.tokens)).toHaveLength(60);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.join(' ')).toBe(
      Array(steps.length / 2)
        .fill('reserve settle')
        .join(' '),
    );
  });

  it('deletes the messages of each call as it ends, not when the whole send has', async () => {
    // Prepare: two messages of 20 tokens, received together: one send of two calls at once. One call is
    // refused once and tried again 50 ms later.
    await sendBodies(t.sqs, t.queueUrl, [
      { tokens: t.sim.issueTokens(20) },
      { tokens: t.sim.issueTokens(20) },
    ]);
    t.sim.injectFault('internal_error');
    const client = retryingClient(t.sim.url);
    // Act
    const run = await timedRun(t, { client, settings: { callConcurrency: 2 } });
    // Assess: a delete per call, as each ended (not one of both at the end of the send).
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20, 20, 20]);
    expect(run.record.deletes).toEqual([1, 1]);
    expect(run.report).toMatchObject({ deleted: 2, budgetCallsSpent: 3 });
  });
});
