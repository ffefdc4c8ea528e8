import type { BacklogFigures } from '../../tools/bench/backlog';
import { type EdgeResults, edgeMarkdown, edgeTargets } from '../../tools/bench/edge-report';
import type { LeakFigures } from '../../tools/bench/leak';
import { type QuotaExhaustedFigures, QuotaSpender } from '../../tools/bench/quota-edge';
import type { ReserveFigures } from '../../tools/bench/reserve';

function quota(overrides: Partial<QuotaExhaustedFigures> = {}): QuotaExhaustedFigures {
  return {
    spentBy: QuotaSpender.Outside,
    quotaMax: 10_000,
    quotaLeftAtStart: 3000,
    quotaResetSeconds: 80_000,
    tickSeconds: 60,
    routineBacklogTokens: 3000,
    trickleTokens: 120,
    urgentTokens: 24,
    firstRefusalAfterSeconds: 70,
    pausedSeconds: 180,
    apiCalls: 60,
    refusals: 1,
    callsWhilePaused: 0,
    probesWhilePaused: 0,
    refusedWhilePaused: 0,
    lastCallWhilePausedAfterSeconds: 0,
    deadLetters: 0,
    routineRunsWhilePaused: 3,
    routineRunsSkippedWhilePaused: 3,
    routineRunsSkippedPaused: 3,
    routineReceivedByRunsWhilePaused: 0,
    routineReceivesWhilePaused: 0,
    urgentReceivesWhilePaused: 18,
    urgentMostReceivesOfOneMessageWhilePaused: 1,
    routineHighestReceiveCount: 2,
    urgentHighestReceiveCount: 2,
    routineMaxReceiveCount: 14,
    urgentMaxReceiveCount: 13,
    revoked: 1000,
    tokens: 3144,
    waitingTokens: 2144,
    cameBack: undefined,
    wallSeconds: 250,
    ...overrides,
  };
}

const reserve: ReserveFigures = {
  dailyCallBudget: 100,
  urgentReserveCalls: 20,
  routineBacklogTokens: 20_000,
  routineCalls: 80,
  urgentTokens: 20,
  urgentConfirmed: 20,
  urgentMaxSeconds: 6.2,
  urgentCalls: 12,
  routineStoppedBy: 'budget_exhausted',
  deadLetters: 0,
};

function backlog(overrides: Partial<BacklogFigures> = {}): BacklogFigures {
  return {
    sqsLatencyMs: 15,
    tokens: 10_000,
    confirmed: 10_000,
    tokensSentTwice: 0,
    apiCalls: 500,
    runs: 3,
    timedOutRuns: 0,
    failedRuns: 0,
    runSeconds: 105,
    tokensPerRunSecond: 95.2,
    tokensPerWallSecond: 80,
    budgetTokensPerSecond: 100,
    runShareOfTick: 50 / 60,
    deadLetters: 0,
    sqsErrors: 0,
    wallSeconds: 180,
    ...overrides,
  };
}

function leak(overrides: Partial<LeakFigures> = {}): LeakFigures {
  return {
    tokens: 10_000,
    tokensPerMessage: 100,
    confirmed: 10_000,
    secondsToRevokeAll: 38,
    floorSeconds: 33.3,
    firstCallAfterSeconds: 5.5,
    callsPerSecondWhileSending: 15,
    peakConcurrency: 3,
    tokensSentTwice: 0,
    apiCalls: 500,
    invocations: 20,
    timeouts: 0,
    deadLetters: 0,
    throttleViolations: 0,
    ...overrides,
  };
}

const results = (overrides: Partial<EdgeResults> = {}): EdgeResults => ({
  quotaExhausted: [quota()],
  reserve,
  backlogs: [backlog()],
  leaks: [leak()],
  ...overrides,
});

const verdicts = (edge: EdgeResults) => new Map(edgeTargets(edge).map((t) => [t.target, t.met]));

describe('quota-edge targets', () => {
  it('meets every target on figures inside the limits', () => {
    // Prepare
    const edge = results();
    // Act
    const targets = edgeTargets(edge);
    // Assess
    expect(targets.filter((t) => !t.met)).toEqual([]);
    expect(targets.length).toBe(4 + 2 + 4 + 2);
  });

  it('names a call while paused, a routine receive while paused and a second urgent receive as misses', () => {
    // Prepare
    const edge = results({
      quotaExhausted: [
        quota({
          callsWhilePaused: 2,
          refusedWhilePaused: 2,
          routineReceivesWhilePaused: 10,
          urgentMostReceivesOfOneMessageWhilePaused: 2,
        }),
      ],
    });
    // Act
    const met = verdicts(edge);
    // Assess
    expect(met.get('quota exhausted (from outside): 0 calls while paused')).toBe(false);
    expect(met.get('quota exhausted (from outside): no routine receive while paused')).toBe(false);
    expect(
      met.get('quota exhausted (from outside): an urgent message received at most once per 12 h of pause'),
    ).toBe(false);
    expect(met.get('quota exhausted (from outside): 0 messages dead-lettered')).toBe(true);
  });

  it('allows an urgent message one receive per 12 hours of pause, and misses when the quota never ran out', () => {
    // Prepare
    const day = quota({ pausedSeconds: 80_000, urgentMostReceivesOfOneMessageWhilePaused: 2 });
    const never = quota({ firstRefusalAfterSeconds: undefined, pausedSeconds: 0 });
    // Act
    const long = verdicts(results({ quotaExhausted: [day] }));
    const none = edgeTargets(results({ quotaExhausted: [never] }));
    // Assess
    expect(
      long.get('quota exhausted (from outside): an urgent message received at most once per 12 h of pause'),
    ).toBe(true);
    expect(none.find((t) => t.target.endsWith('0 calls while paused'))).toEqual(
      expect.objectContaining({ met: false, measured: 'the quota never ran out in the run' }),
    );
  });

  it('holds the backlog to 90% of the budget while the runs last, and the leak to 40 s', () => {
    // Prepare
    const edge = results({
      backlogs: [backlog({ tokensPerRunSecond: 89.9 }), backlog({ sqsLatencyMs: 30, timedOutRuns: 1 })],
      leaks: [
        leak({ secondsToRevokeAll: 40.1 }),
        leak({ tokensPerMessage: 1, secondsToRevokeAll: undefined }),
      ],
    });
    // Act
    const met = verdicts(edge);
    // Assess
    expect(met.get("backlog at 15 ms per SQS call: >= 90% of the routine lane's request budget")).toBe(false);
    expect(met.get('backlog at 30 ms per SQS call: no run timing out')).toBe(false);
    expect(
      met.get('leak of 10,000 urgent tokens in messages of 100: revoked within 40 s of the first send'),
    ).toBe(false);
    expect(
      met.get('leak of 10,000 urgent tokens in messages of 1: revoked within 40 s of the first send'),
    ).toBe(false);
  });

  it('writes a section with every scenario', () => {
    // Act
    const text = edgeMarkdown(results());
    // Assess
    expect(text).toContain('### Quota exhausted ("more requests available in 80,000 seconds")');
    expect(text).toContain('| from outside | 3,000 of 10,000 | 80,000 |');
    expect(text).toContain('| 15 | 10000 / 10000 |');
    expect(text).toContain('| 100 | 10000 / 10000 | 38.0 | 33.3 |');
  });
});
