import { Governor } from '../../functions/lib/control/governor';
import { type ControlStore, memoryControlStore } from '../../functions/lib/control/store';
import { ApiMethod } from '../../functions/lib/stackexchange/api-method';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { Lane } from '../../functions/lib/telemetry-names';
import { manualClock } from './manual-clock';
import { useDrainQueues } from './support';

/**
 * A refusal that pauses the client (the quota spent, a ban) stops the run's receiving at once: a
 * receive raises a message's receive count, and the send the refusal came in can take a while longer
 * (its other calls, the control table). SQS takes 30 ms a call here, so the receiving of 100 logouts
 * (10 receives) is still going on when the first full call is refused.
 */
describe('drain at a refusal', () => {
  const t = useDrainQueues(
    'refusal',
    { seed: 37, banSeconds: 80_000, latencyMs: { min: 1, max: 5 } },
    {
      latencyMs: 30,
    },
  );

  it('asks SQS for nothing more once its client is refused, though the send it came in has not ended', async () => {
    // Prepare: the first call is refused for 80,000 s; recording the pause takes the control table 1 s.
    await t.sendLogouts(100);
    t.sim.injectFault('throttle_violation');
    const client = new StackExchangeClient({ apiUrl: t.sim.url, requestsPerSecond: 25, retryBaseDelayMs: 1 });
    const memory = memoryControlStore();
    const store: ControlStore = {
      ...memory,
      recordPause: (pause) =>
        new Promise<void>((resolve) => setTimeout(resolve, 1000)).then(() => memory.recordPause(pause)),
    };
    const governor = new Governor(store, { dailyCallBudget: 9000, urgentReserveCalls: 1800 }, Lane.Routine);
    const refused = () => client.pausedUntil(ApiMethod.Invalidate) !== undefined;
    const receives: { readonly afterRefusal: boolean }[] = [];
    // Act
    const report = await t.run({
      client,
      governor,
      clock: manualClock(Date.now() + 1000),
      settings: { maxHoldSeconds: 0 },
      wrapQueue: (queue) => ({
        receive: (visibilitySeconds) => {
          receives.push({ afterRefusal: refused() });
          return queue.receive(visibilitySeconds, 0); // no long poll: an empty queue answers at once
        },
        delete: (received) => queue.delete(received),
        setVisibility: (changes) => queue.setVisibility(changes),
        visibleMessages: () => queue.visibleMessages(),
      }),
    });
    // Assess: it received while the refused call was out, and not after; one call, nothing else sent
    expect(report.stoppedBy).toBe('paused');
    expect(receives.length).toBeGreaterThan(2);
    expect(receives.filter((receive) => receive.afterRefusal)).toEqual([]);
    expect(report.received).toBeLessThan(100);
    expect(t.sim.requests).toHaveLength(1);
    expect(report.deleted).toBe(0);
    expect(report.released + report.carried).toBe(report.received);
  });
});
