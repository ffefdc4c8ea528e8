import { RevocationPriority } from '../../functions/lib/message';
import type { Pipeline } from '../../tools/local-pipeline/pipeline';
import type { RoutineRun } from '../../tools/local-pipeline/routine-lane';
import { TRANSIENT_FAULTS } from '../../tools/local-pipeline/workload';
import { seededRandom } from '../../tools/simulator';
import { accountFor, enqueue, leaks, queued, sleep, usePipelines, waitFor } from './support';

/** Both lanes under API faults, a paused schedule and a low quota, on the real local SQS server. */
describe('local pipeline under faults', () => {
  const pipelines = usePipelines();

  /** Everything revoked and both queues empty, both lanes idle. */
  const drained = async (p: Pipeline, tokens: readonly string[]) =>
    tokens.every((token) => p.simulator.tokenState(token) === 'invalidated') &&
    p.urgent.source.idle() &&
    !p.routine.busy() &&
    (await queued(p)) === 0;

  it('loses nothing from a trickle on both lanes under transient faults, then an outage (seed 5)', async () => {
    // Prepare
    const started = await pipelines.start('faults-trickle', {
      simulator: {
        seed: 5,
        faults: {
          rate: 0.2,
          kinds: TRANSIENT_FAULTS,
        },
      },
    });
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    const routine = p.simulator.issueTokens(80);
    const urgent = p.simulator.issueTokens(10);
    const afterOutage = { routine: p.simulator.issueTokens(5), urgent: p.simulator.issueTokens(2) };
    const all = [...routine, ...urgent, ...afterOutage.routine, ...afterOutage.urgent];
    const random = seededRandom(5);
    // Act 1: one logout every 100 ms on average for 8 s, an urgent token every eighth
    for (const [index, token] of routine.entries()) {
      await enqueue(sqs, p, RevocationPriority.Routine, [token]);
      if (index % 8 === 0) {
        await enqueue(sqs, p, RevocationPriority.Urgent, urgent.slice(index / 8, index / 8 + 1));
      }
      await sleep(-Math.log(1 - random()) * 100);
    }
    await waitFor('the trickle revoked', () => drained(p, [...routine, ...urgent]), 120_000);
    // Act 2: an outage fails every attempt of the next calls of each lane; then the API recovers
    p.simulator.injectFault('temporarily_unavailable', { method: 'invalidate', times: 6 });
    await enqueue(sqs, p, RevocationPriority.Urgent, afterOutage.urgent);
    await enqueue(sqs, p, RevocationPriority.Routine, afterOutage.routine);
    await waitFor('every token revoked', () => drained(p, all), 120_000);
    // Assess: messages failed and came back; none is lost, parked or dead-lettered
    const retried =
      p.routine.runs().reduce((sum, run) => sum + (run.report?.released ?? 0), 0) +
      p.urgent.source.stats().reportedFailures +
      p.urgent.source.stats().handlerErrors;
    expect(retried).toBeGreaterThan(0);
    const { lost, parked } = await accountFor(p, all);
    expect(lost).toEqual([]);
    expect(parked).toEqual([]);
    expect((await p.deadLetters()).length).toBe(0);
    const stats = p.simulator.stats();
    expect(stats.faultsInjected).toBeGreaterThan(6); // the outage and random ones
    expect(stats.backoffViolations + stats.throttleViolations).toBe(0);
    expect(leaks(started.output, all)).toBe(0);
  }, 240_000);

  it('keeps messages through a paused schedule, then sends them when it resumes', async () => {
    // Prepare: a hold long enough that the first run sends 20 and keeps 10 for later
    const runs: RoutineRun[] = [];
    const started = await pipelines.start('faults-paused', {
      maxHoldSeconds: 20,
      onRun: (run) => runs.push(run),
    });
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    const tokens = p.simulator.issueTokens(30);
    await enqueue(sqs, p, RevocationPriority.Routine, tokens);
    const revoked = () => tokens.filter((token) => p.simulator.tokenState(token) === 'invalidated').length;
    // The run that finds them sends one full call and keeps 10 (on a loaded machine the first tick
    // can come before the messages are queued, and that run finds nothing).
    await waitFor('the run that sends the first call', () => revoked() > 0 && !p.routine.busy(), 20_000);
    // Act: the schedule stops for three ticks
    p.routine.pause();
    const runsAtPause = runs.length;
    const revokedAtPause = revoked();
    await sleep(12_000);
    const runsWhilePaused = runs.length - runsAtPause;
    const waiting = await p.depth(p.routineQueueUrl);
    const revokedWhilePaused = revoked();
    p.routine.resume();
    await waitFor('every token revoked', () => drained(p, tokens), 30_000);
    // Assess: one full call before the pause, nothing during it, the rest after it
    expect(revokedAtPause).toBe(20);
    expect(runsWhilePaused).toBe(0);
    expect(revokedWhilePaused).toBe(20);
    expect(waiting.visible + waiting.inFlight).toBe(10);
    expect(p.simulator.requests.filter((r) => r.status === 200).map((r) => r.tokens.length)).toEqual([
      20, 10,
    ]);
    expect((await p.deadLetters()).length).toBe(0);
  }, 60_000);

  it('below the quota reserve: routine waits then goes, urgent goes at once, nothing dead-lettered', async () => {
    // Prepare: quota_max 40, of which 25 are already spent by the rest of the app (reserve: 20)
    const runs: RoutineRun[] = [];
    // A hold shorter than the tick: without the governor, a partial call goes at the next run.
    const started = await pipelines.start('faults-quota', {
      maxHoldSeconds: 2,
      maxDeferSeconds: 12,
      simulator: { quotaMax: 40 },
      onRun: (run) => runs.push(run),
    });
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    for (let i = 0; i < 25; i += 1) {
      await fetch(`${p.simulator.url}/info`).then((r) => r.arrayBuffer());
      await sleep(50); // under the API's 30 requests/s
    }
    // A full call goes whatever the quota, and tells the consumer how low it is
    const full = p.simulator.issueTokens(20);
    await enqueue(sqs, p, RevocationPriority.Routine, full);
    await waitFor(
      'the full call',
      () => full.every((t) => p.simulator.tokenState(t) === 'invalidated'),
      20_000,
    );
    // Act: a partial call's worth of logouts, and a leak
    const partial = p.simulator.issueTokens(5);
    const [leak = ''] = p.simulator.issueTokens(1);
    const sentAt = Date.now();
    await enqueue(sqs, p, RevocationPriority.Routine, partial);
    await enqueue(sqs, p, RevocationPriority.Urgent, [leak]);
    await waitFor('every token revoked', () => drained(p, [...full, ...partial, leak]), 60_000);
    // Assess
    const revokedAt = (token: string) =>
      p.simulator.requests.find((r) => r.status === 200 && r.tokens.includes(token))?.at ?? Number.NaN;
    const routineAt = Math.min(...partial.map(revokedAt));
    // At once: within the window and an instance's cold start, on a loaded machine too; the governor
    // would have held it maxDeferSeconds (12 s here), as it holds the routine calls (8 s or more).
    expect(revokedAt(leak) - sentAt).toBeLessThan(10_000);
    expect(routineAt - sentAt).toBeGreaterThanOrEqual(8_000);
    expect(revokedAt(leak)).toBeLessThan(routineAt);
    expect(runs.reduce((sum, run) => sum + (run.report?.counts.tokensDeferred ?? 0), 0)).toBeGreaterThan(0);
    expect((await p.deadLetters()).length).toBe(0);
  }, 90_000);
});
