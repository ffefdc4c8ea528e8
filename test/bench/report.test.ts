import type { BurstFigures } from '../../tools/bench/bursts';
import { costPerMillionTokens } from '../../tools/bench/cost';
import type { DeployedSettings } from '../../tools/bench/deployed';
import { burstTargets, otherTargets, trickleTargets } from '../../tools/bench/report';
import type { TrickleFigures } from '../../tools/bench/trickle';

const settings = { consumer: { maxHoldSeconds: 60 } } as DeployedSettings;

const time = (p95: number | undefined) => ({
  tokens: 10,
  confirmed: p95 === undefined ? 0 : 10,
  p50: p95,
  p95,
  max: p95,
});

function trickle(overrides: Partial<TrickleFigures>): TrickleFigures {
  return {
    tokensPerSecond: 0.5,
    design: 'two lanes',
    seconds: 180,
    routineTokens: 88,
    urgentTokens: 2,
    confirmed: 90,
    apiCalls: 7,
    urgentCalls: 2,
    floor: 7,
    ceiling: 9.05,
    tokensPerCall: 12.9,
    callsPerDay: 3360,
    hoursUntilQuotaSpent: 71.4,
    routine: time(58),
    urgent: time(5.2),
    throttleViolations: 0,
    backoffViolations: 0,
    deadLetters: 0,
    lambdaInvocations: 5,
    lambdaMs: 100_000,
    lambdaGbSeconds: 25,
    schedulerInvocations: 3,
    meanRunMs: 34_000,
    failedRuns: 0,
    sqsRequests: {},
    cost: costPerMillionTokens(
      { tokens: 90, apiCalls: 7, invocations: 5, invocationMs: 100_000, sqsRequests: 400 },
      256,
    ),
    wallSeconds: 240,
    ...overrides,
  };
}

const byName = (targets: readonly { target: string; met: boolean }[]) =>
  Object.fromEntries(targets.map((t) => [t.target, t.met]));

describe('trickle targets', () => {
  it('are met at the floor, within maxHold + 10 s and 10 s, with every token confirmed', () => {
    expect(byName(trickleTargets([trickle({})], settings))).toEqual({
      'trickle 0.5 tokens/s: calls <= 1.15 x floor + 1': true,
      'trickle 0.5 tokens/s: routine p95 <= 70 s': true,
      'trickle 0.5 tokens/s: urgent p95 <= 10 s': true,
      'trickle 0.5 tokens/s: every token confirmed, nothing in the dead-letter queue': true,
      'trickle 0.5 tokens/s: 0 throttle or backoff violations': true,
    });
  });

  it('are missed past each limit', () => {
    const missed = trickle({
      apiCalls: 10,
      routine: time(70.1),
      urgent: time(10.1),
      confirmed: 89,
      throttleViolations: 1,
    });
    expect(Object.values(byName(trickleTargets([missed], settings)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('count a token in the dead-letter queue and an unmeasured urgent lane as misses', () => {
    const targets = byName(trickleTargets([trickle({ deadLetters: 1, urgent: time(undefined) })], settings));
    expect(targets['trickle 0.5 tokens/s: every token confirmed, nothing in the dead-letter queue']).toBe(
      false,
    );
    expect(targets['trickle 0.5 tokens/s: urgent p95 <= 10 s']).toBe(false);
  });

  it('apply to the two-lane design only', () => {
    expect(trickleTargets([trickle({ design: 'per-batch (today)', apiCalls: 40 })], settings)).toEqual([]);
  });
});

function burst(overrides: Partial<BurstFigures>): BurstFigures {
  return {
    workload: 'bulk-100',
    implementation: 'routine consumer',
    tokensEnqueued: 10_000,
    tokensConfirmed: 10_000,
    messages: 100,
    apiCalls: 500,
    apiCallsPer1000Tokens: 50,
    tokensPerCall: 20,
    tokensPerSecond: 270,
    budgetTokensPerSecond: 300,
    throttleViolations: 0,
    backoffViolations: 0,
    unfinished: 0,
    deadLetters: 0,
    peakRssMb: 200,
    invocations: 1,
    invocationMs: 35_000,
    schedulerInvocations: 1,
    sqsRequests: 32,
    wallMs: 35_000,
    timeLimitMs: 300_000,
    firstCallAfterMs: 100,
    ...overrides,
  };
}

describe('burst targets', () => {
  it('hold the consumer to 19.5 tokens per call and 90% of its budget', () => {
    expect(byName(burstTargets([burst({})]))).toEqual({
      'bulk-100 (consumer): >= 19.5 tokens per call': true,
      'bulk-100 (consumer): throughput >= 90% of 300 tokens/s': true,
      'bulk-100 (consumer): 0 throttle or backoff violations': true,
      'bulk-100 (consumer): nothing left or lost': true,
    });
    const slow = byName(
      burstTargets([burst({ tokensPerSecond: 269.9, tokensPerCall: 19.4, unfinished: 1 })]),
    );
    expect(slow['bulk-100 (consumer): throughput >= 90% of 300 tokens/s']).toBe(false);
    expect(slow['bulk-100 (consumer): >= 19.5 tokens per call']).toBe(false);
    expect(slow['bulk-100 (consumer): nothing left or lost']).toBe(false);
  });

  it('leave out throughput and packing for the faults workload, and other implementations', () => {
    expect(Object.keys(byName(burstTargets([burst({ workload: 'logouts-5pct-faults' })])))).toEqual([
      'logouts-5pct-faults (consumer): 0 throttle or backoff violations',
      'logouts-5pct-faults (consumer): nothing left or lost',
    ]);
    expect(burstTargets([burst({ implementation: 'per-batch (today)' })])).toEqual([]);
  });
});

describe('other targets', () => {
  const cpu = {
    records: 1000,
    repetitions: 7,
    productMs: 24,
    floorMs: 20,
    baselineMs: 300,
    ratio: { median: 1.2, lower: 1.1, upper: 1.3 },
    loadAverage: 0.5,
    apiCallsPerRun: 50,
  };
  const cold = {
    handlerBundleBytes: 80 * 1024,
    deployedBundleBytes: 90 * 1024,
    deployedCodeBytes: 790 * 1024,
    floorBundleBytes: 11_000,
    handlerInitMs: 25,
    floorInitMs: 20,
    runs: 15,
  };
  const idle = (usd: number) => ({ monthly: { usd } }) as Parameters<typeof otherTargets>[0];

  it('hold idle cost under $1 a month, CPU to 1.2x, the bundle to 80 KB, initialisation to 1.25x', () => {
    expect(Object.values(byName(otherTargets(idle(0.22), cpu, cold)))).toEqual([true, true, true, true]);
    expect(
      Object.values(
        byName(
          otherTargets(
            idle(1),
            { ...cpu, ratio: { median: 1.21, lower: 1.1, upper: 1.3 } },
            { ...cold, handlerBundleBytes: 80 * 1024 + 1, handlerInitMs: 25.1 },
          ),
        ),
      ),
    ).toEqual([false, false, false, false]);
  });
});
