import { Governor } from '../../functions/lib/control/governor';
import { type ControlStore, memoryControlStore } from '../../functions/lib/control/store';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { Lane } from '../../functions/lib/telemetry-names';
import { INSTANT_SQS, timedRun } from './manual-clock';
import { queueDepth, useDrainQueues } from './support';

/**
 * What the routine consumer does at the quota's edge: a pause the API names, a budget that runs out, a
 * step that throws. Runs on a manual clock (manual-clock.ts).
 */
describe('drain at the quota edge', () => {
  const t = useDrainQueues('edge', { seed: 7, banSeconds: 80_000 }, INSTANT_SQS);

  const governorOver = (store: ControlStore, dailyCallBudget = 9000, urgentReserveCalls = 1800) =>
    new Governor(store, { dailyCallBudget, urgentReserveCalls }, Lane.Routine);

  it('stops at a throttle that names its end: no further call, the pause shared, held messages within 12 hours', async () => {
    // Prepare: the first call is refused, "more requests available in 80000 seconds".
    await t.sendLogouts(60);
    t.sim.injectFault('throttle_violation');
    const store = memoryControlStore();
    const started = Date.now();
    // Act
    const { report } = await timedRun(t, {
      settings: { maxHoldSeconds: 0 },
      governor: governorOver(store),
    });
    // Assess: one request, then nothing; every message still waits (none deleted, none dead-lettered).
    expect(t.sim.requests).toHaveLength(1);
    expect(report.stoppedBy).toBe('paused');
    expect(report.deleted).toBe(0);
    expect(report.sqsErrors).toBe(0);
    const { pause } = await store.read(new Date().toISOString().slice(0, 10));
    expect(pause?.cause).toBe('throttled');
    expect(pause?.until).toBeGreaterThanOrEqual(started + 80_000_000);
    // What it received waits invisible for the pause (within 12 hours); what it had not received yet stays visible.
    const depth = await queueDepth(t.sqs, t.queueUrl);
    expect(depth.inFlight).toBe(report.received);
    expect(depth.visible + depth.inFlight).toBe(60);
    expect(await queueDepth(t.sqs, t.dlqUrl)).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('sends only the calls its share of the daily budget grants, whole messages, then stops receiving', async () => {
    // Prepare: a budget of 4 calls with 2 kept for urgent work leaves routine 2 calls (40 tokens) of 80.
    await t.sendLogouts(80);
    const store = memoryControlStore();
    // Act
    const { report } = await timedRun(t, {
      governor: governorOver(store, 4, 2),
    });
    // Assess
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20, 20]);
    expect(report).toMatchObject({ deleted: 40, stoppedBy: 'budget_exhausted', budgetCallsSpent: 2 });
    const day = new Date().toISOString().slice(0, 10);
    expect((await store.read(day)).budget).toMatchObject({ spent: 2, routine: 2, urgent: 0 });
    expect(await queueDepth(t.sqs, t.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('counts every attempt against the budget, retries included, and gives back what it did not use', async () => {
    // Prepare: one transient failure makes the first call take two attempts.
    await t.sendLogouts(20);
    t.sim.injectFault('internal_error');
    const store = memoryControlStore();
    const client = new StackExchangeClient({
      apiUrl: t.sim.url,
      requestsPerSecond: 25,
      retryBaseDelayMs: 1,
      random: () => 0,
    });
    // Act
    const { report } = await timedRun(t, {
      client,
      governor: governorOver(store),
    });
    // Assess
    expect(t.sim.requests).toHaveLength(2);
    expect(report.budgetCallsSpent).toBe(2);
    const day = new Date().toISOString().slice(0, 10);
    expect((await store.read(day)).budget.spent).toBe(2);
  });
});
