import {
  type QuotaExhaustedFigures,
  type QuotaExhaustedOptions,
  QuotaSpender,
  runQuotaExhausted,
} from '../../tools/bench/quota-edge';
import { usePipelines } from './support';

/**
 * A compressed day of exhaustion: 4 s ticks, a quota of 60 calls that comes back 15 s after it ran out
 * (80,000 s in the API; the consumer's 900 s defer is compressed with it, to 1 s). A routine backlog, a
 * trickle on both lanes and urgent arrivals; the quota is spent by the deployment's own calls, or from
 * outside while the deployment still has budget. Every receive is seen through a tap in front of SQS.
 */
describe('local pipeline: the quota runs out', () => {
  const pipelines = usePipelines();

  const scenario = (name: string, spentBy: QuotaSpender): Omit<QuotaExhaustedOptions, 'sqsEndpoint'> => ({
    name,
    spentBy,
    seed: 16,
    quotaMax: 60,
    quotaResetSeconds: 15,
    // 40 calls: the first runs send them; with the leak's 20 the own calls spend the quota.
    routineBacklogTokens: 800,
    trickle: { tokensPerSecond: 1, urgentFraction: 0.2 },
    exhaustAtMs: 7000,
    leakTokens: 600,
    // One call each: a 2 s urgent invocation has time for two.
    leakTokensPerMessage: 10,
    durationMs: 15_000,
    comeBackLimitMs: 70_000,
    pipeline: {
      tickSeconds: 4,
      urgentFunctionTimeoutSeconds: 2,
      maxBatchingWindowSeconds: 1,
      maxHoldSeconds: 6,
      maxDeferSeconds: 1,
      simulator: { latencyMs: { min: 5, max: 20 }, banSeconds: 2, backoffSeconds: 1, timeoutMs: 1500 },
    },
  });

  const assessPause = (figures: QuotaExhaustedFigures) => {
    // The quota ran out, and the pause lasted while runs were due
    expect(figures.firstRefusalAfterSeconds).toBeDefined();
    expect(figures.routineRunsWhilePaused).toBeGreaterThanOrEqual(2);
    // No call while paused but the refused one that started the pause, and (own calls) one refused call of
    // an instance that was sending at that moment (it learns of the pause from that refusal): every such
    // call was refused, spending nothing, within a second of the first; none later
    expect(figures.refusedWhilePaused).toBe(figures.callsWhilePaused);
    expect(figures.callsWhilePaused).toBeLessThanOrEqual(figures.spentBy === QuotaSpender.Outside ? 0 : 3);
    expect(figures.lastCallWhilePausedAfterSeconds).toBeLessThan(1);
    expect(figures.probesWhilePaused).toBe(0);
    // Routine received nothing while paused: every run reported received 0, skipped 'paused'
    expect(figures.routineReceivesWhilePaused).toBe(0);
    expect(figures.routineRunsSkippedPaused).toBe(figures.routineRunsWhilePaused);
    // An urgent message arriving while paused is received once and held to the pause's end
    expect(figures.urgentMostReceivesOfOneMessageWhilePaused).toBeLessThanOrEqual(1);
    // Nothing dead-lettered, and everything revoked once the quota came back
    expect(figures.deadLetters).toBe(0);
    expect(figures.cameBack).toBe(true);
    expect(figures.revoked).toBe(figures.tokens);
  };

  it('holds both lanes without calls or receives while paused, then revokes everything: quota spent by the deployment, and from outside', async () => {
    // Prepare: both cases at once (a message whose call the API refused waits for its retry delay,
    // 30-60 s, which the compressed day does not shorten)
    const sqsEndpoint = pipelines.sqs().endpoint;
    // Act
    const [own, outside] = await Promise.all([
      runQuotaExhausted({ ...scenario('quota-own', QuotaSpender.Deployment), sqsEndpoint }),
      runQuotaExhausted({ ...scenario('quota-outside', QuotaSpender.Outside), sqsEndpoint }),
    ]);
    // Assess
    assessPause(own);
    assessPause(outside);
    expect(outside.refusals).toBe(1);
  }, 100_000);
});
