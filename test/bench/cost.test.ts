import { costPerMillionTokens, PRICES } from '../../tools/bench/cost';

describe('cost model', () => {
  it('scales measured figures to a million tokens', () => {
    // Prepare: 1,000 tokens in 1,000 messages, 10 invocations of 1 s, 50 calls
    const run = {
      tokens: 1000,
      messages: 1000,
      apiCalls: 50,
      invocations: 10,
      invocationMs: 10_000,
      deliveries: 1000,
      parked: 0,
    };
    // Act
    const cost = costPerMillionTokens(run, 1024);
    // Assess
    expect(cost.sqsRequests).toBe((100 + 20) * 1000);
    expect(cost.lambdaGbSeconds).toBe(10 * 1000);
    expect(cost.lambdaRequests).toBe(10 * 1000);
    expect(cost.quotaDays).toBe(5);
    expect(cost.usd).toBeCloseTo(
      120_000 * PRICES.sqsPerRequestUsd +
        10_000 * PRICES.lambdaArmPerGbSecondUsd +
        10_000 * PRICES.lambdaPerRequestUsd,
      10,
    );
  });

  it('costs twenty times the quota when every call carries one token', () => {
    const packed = costPerMillionTokens({
      tokens: 1000,
      messages: 1000,
      apiCalls: 50,
      invocations: 10,
      invocationMs: 1,
      deliveries: 1000,
      parked: 0,
    });
    const single = costPerMillionTokens({
      tokens: 1000,
      messages: 1000,
      apiCalls: 1000,
      invocations: 100,
      invocationMs: 1,
      deliveries: 1000,
      parked: 0,
    });
    expect(single.quotaDays / packed.quotaDays).toBe(20);
  });
});
