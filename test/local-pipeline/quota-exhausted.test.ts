import {
  type QuotaExhaustedFigures,
  type QuotaExhaustedOptions,
  QuotaSpender,
  runQuotaExhausted,
} from '../../tools/bench/quota-edge';
import { localSettings } from '../../tools/local-pipeline/settings';
import { usePipelines } from './support';

/**
 * A compressed day of exhaustion: 4 s ticks, a quota that comes back 15 s after it ran out
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
    // The API's quota_max (10,000) with most of the day spent: routine's floor is 2,000, so with 60 left only
    // the urgent lane sends and spends it; from outside, 3,000 are left and spent while routine sends.
    quotaLeftAtStart: spentBy === QuotaSpender.Deployment ? 60 : 3000,
    quotaResetSeconds: 15,
    routineBacklogTokens: 800,
    // Messages of one call each: a short run carries few, so a message whose call the API refused has been
    // received once and waits the first retry delay (30 s, which the compressed day does not shorten).
    routineBacklogTokensPerMessage: 20,
    trickle: { tokensPerSecond: 1, urgentFraction: 0.2 },
    exhaustAtMs: 5000,
    leakTokens: 1600,
    durationMs: 15_000,
    comeBackLimitMs: 70_000,
    pipeline: {
      tickSeconds: 4,
      // An 8 s urgent invocation has time for 32 calls: messages of 100 tokens (5 calls) fit.
      urgentFunctionTimeoutSeconds: 8,
      maxBatchingWindowSeconds: 1,
      maxHoldSeconds: 6,
      maxDeferSeconds: 1,
      simulator: { latencyMs: { min: 5, max: 20 }, banSeconds: 2, backoffSeconds: 1, timeoutMs: 1500 },
    },
  });

  /** Calls the pipeline can have in flight at once: every urgent instance's and the routine consumer's. */
  const { urgent, routine } = localSettings(scenario('settings', QuotaSpender.Deployment).pipeline);
  const CALLS_IN_FLIGHT_AT_ONCE = urgent.maxConcurrency * urgent.callConcurrency + routine.callConcurrency;

  /** What must hold, as one object: a failure shows every figure beside what was expected. */
  const verdict = (figures: QuotaExhaustedFigures) => ({
    spentBy: figures.spentBy,
    // The quota ran out, and the pause lasted while runs were due
    ranOut: figures.firstRefusalAfterSeconds !== undefined,
    // No call while paused but the refused one that started the pause and the calls in flight with it
    // (each instance sending at that moment learns of the pause from its own refused call): all refused,
    // spending nothing, within a second of the first; none later, no probe
    callsWhilePausedAllRefused: figures.refusedWhilePaused === figures.callsWhilePaused,
    callsWhilePausedAtMost: Math.max(figures.callsWhilePaused, CALLS_IN_FLIGHT_AT_ONCE - 1),
    lastCallWithinASecond: figures.lastCallWhilePausedAfterSeconds < 1,
    probesWhilePaused: figures.probesWhilePaused,
    // Routine asked for nothing while paused: every run reported received 0 and skipped ('paused'; a run
    // that started before the refused instance had recorded the pause is skipped below the quota floor)
    routineReceivesWhilePaused: figures.routineReceivesWhilePaused,
    routineReceivedByRunsWhilePaused: figures.routineReceivedByRunsWhilePaused,
    everyPausedRunSkipped: figures.routineRunsSkippedWhilePaused === figures.routineRunsWhilePaused,
    runsSkippedAsPaused: figures.routineRunsSkippedPaused >= 2,
    // An urgent message arriving while paused is received once and held to the pause's end
    urgentReceivedAtMostOnce: figures.urgentMostReceivesOfOneMessageWhilePaused <= 1,
    // Nothing dead-lettered, and everything revoked once the quota came back
    deadLetters: figures.deadLetters,
    waitingTokens: figures.waitingTokens,
    figures,
  });
  const expected = (spentBy: QuotaSpender) => ({
    spentBy,
    ranOut: true,
    callsWhilePausedAllRefused: true,
    callsWhilePausedAtMost: CALLS_IN_FLIGHT_AT_ONCE - 1,
    lastCallWithinASecond: true,
    probesWhilePaused: 0,
    routineReceivesWhilePaused: 0,
    routineReceivedByRunsWhilePaused: 0,
    everyPausedRunSkipped: true,
    runsSkippedAsPaused: true,
    urgentReceivedAtMostOnce: true,
    deadLetters: 0,
    waitingTokens: 0,
    figures: expect.objectContaining({ spentBy, cameBack: true }),
  });

  it('holds both lanes without calls or receives while paused, then revokes everything: quota spent by the deployment, and from outside', async () => {
    // Prepare: both cases at once, to keep the test short
    const sqsEndpoint = pipelines.sqs().endpoint;
    // Act
    const [own, outside] = await Promise.all([
      runQuotaExhausted({ ...scenario('quota-own', QuotaSpender.Deployment), sqsEndpoint }),
      runQuotaExhausted({ ...scenario('quota-outside', QuotaSpender.Outside), sqsEndpoint }),
    ]);
    // Assess
    expect(verdict(own)).toEqual(expected(QuotaSpender.Deployment));
    expect(verdict(outside)).toEqual(expected(QuotaSpender.Outside));
    expect(outside.refusals).toBe(1);
  }, 100_000);
});
