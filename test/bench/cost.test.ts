import {
  costPerMillionTokens,
  gbSeconds,
  monthlyRunsCost,
  PRICES,
  priceOf,
  SECONDS_PER_MONTH,
} from '../../tools/bench/cost';

describe('cost model', () => {
  it('scales measured figures to a million tokens', () => {
    // Prepare: 1,000 tokens, 10 invocations of 1 s at 1 GB, 50 calls, 120 SQS requests, 2 scheduled runs
    const run = {
      tokens: 1000,
      apiCalls: 50,
      invocations: 10,
      invocationMs: 10_000,
      sqsRequests: 120,
      schedulerInvocations: 2,
    };
    // Act
    const cost = costPerMillionTokens(run, 1024);
    // Assess
    expect(cost.sqsRequests).toBe(120_000);
    expect(cost.lambdaGbSeconds).toBe(10_000);
    expect(cost.lambdaRequests).toBe(10_000);
    expect(cost.schedulerInvocations).toBe(2000);
    expect(cost.quotaDays).toBe(5);
    expect(cost.usd).toBeCloseTo(
      120_000 * PRICES.sqsPerRequestUsd +
        10_000 * PRICES.lambdaArmPerGbSecondUsd +
        10_000 * PRICES.lambdaPerRequestUsd +
        2000 * PRICES.schedulerPerInvocationUsd,
      10,
    );
  });

  it('costs twenty times the quota when every call carries one token', () => {
    const base = { tokens: 1000, invocations: 10, invocationMs: 1, sqsRequests: 0 };
    const packed = costPerMillionTokens({ ...base, apiCalls: 50 }, 256);
    const single = costPerMillionTokens({ ...base, apiCalls: 1000 }, 256);
    expect(single.quotaDays / packed.quotaDays).toBe(20);
  });

  it('costs nothing for a run without tokens', () => {
    const cost = costPerMillionTokens(
      { tokens: 0, apiCalls: 3, invocations: 3, invocationMs: 900, sqsRequests: 9 },
      256,
    );
    expect(cost).toEqual({
      sqsRequests: 0,
      lambdaGbSeconds: 0,
      lambdaRequests: 0,
      schedulerInvocations: 0,
      usd: 0,
      quotaDays: 0,
    });
  });

  it('bills GB-seconds as wall time times memory', () => {
    expect(gbSeconds(2000, 256)).toBe(0.5);
    expect(gbSeconds(500, 2048)).toBe(1);
  });

  it('prices a month of idle runs: one per tick, each one receive and one scheduler invocation', () => {
    // Prepare: a 1 s run every 60 s at 256 MB, one receive each
    const idle = { tickSeconds: 60, runMs: 1000, sqsRequestsPerRun: 1, memoryMb: 256 };
    // Act
    const month = monthlyRunsCost(idle);
    // Assess: 30.4375 days of 1,440 runs
    expect(month.runs).toBeCloseTo(43_830, 6);
    expect(month.lambdaGbSeconds).toBeCloseTo(43_830 * 0.25, 6);
    expect(month.sqsRequests).toBeCloseTo(43_830, 6);
    expect(month.schedulerInvocations).toBeCloseTo(43_830, 6);
    expect(month.usd).toBeCloseTo(
      43_830 *
        (0.25 * PRICES.lambdaArmPerGbSecondUsd +
          PRICES.lambdaPerRequestUsd +
          PRICES.sqsPerRequestUsd +
          PRICES.schedulerPerInvocationUsd),
      10,
    );
    expect(month.usd).toBeLessThan(1);
    expect(SECONDS_PER_MONTH / 86_400).toBe(30.4375);
  });

  it('adds each price to the total', () => {
    const one = { sqsRequests: 0, lambdaGbSeconds: 0, lambdaRequests: 0, schedulerInvocations: 0 };
    expect(priceOf({ ...one, sqsRequests: 1 }).usd).toBe(PRICES.sqsPerRequestUsd);
    expect(priceOf({ ...one, lambdaGbSeconds: 1 }).usd).toBe(PRICES.lambdaArmPerGbSecondUsd);
    expect(priceOf({ ...one, lambdaRequests: 1 }).usd).toBe(PRICES.lambdaPerRequestUsd);
    expect(priceOf({ ...one, schedulerInvocations: 1 }).usd).toBe(PRICES.schedulerPerInvocationUsd);
  });
});
