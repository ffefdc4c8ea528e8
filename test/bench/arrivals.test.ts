import { poissonArrivals } from '../../tools/bench/arrivals';

describe('Poisson arrivals', () => {
  it('arrive at about the rate, in order, inside the duration', () => {
    const arrivals = poissonArrivals({
      tokensPerSecond: 2,
      durationSeconds: 1000,
      urgentFraction: 0.02,
      seed: 7,
    });
    expect(arrivals.length).toBeGreaterThan(1800);
    expect(arrivals.length).toBeLessThan(2200);
    expect(arrivals.every((a, i) => i === 0 || a.atMs >= (arrivals[i - 1]?.atMs ?? 0))).toBe(true);
    expect(arrivals.at(-1)?.atMs).toBeLessThan(1_000_000);
  });

  it('mark the urgent fraction, rounded', () => {
    const arrivals = poissonArrivals({
      tokensPerSecond: 2,
      durationSeconds: 1000,
      urgentFraction: 0.02,
      seed: 7,
    });
    expect(arrivals.filter((a) => a.urgent)).toHaveLength(Math.round(arrivals.length * 0.02));
  });

  it('mark at least one urgent token, so that the urgent lane is measured at a low rate', () => {
    const arrivals = poissonArrivals({
      tokensPerSecond: 0.2,
      durationSeconds: 60,
      urgentFraction: 0.02,
      seed: 7,
    });
    expect(arrivals.filter((a) => a.urgent)).toHaveLength(1);
  });

  it('mark none with no urgent fraction', () => {
    const arrivals = poissonArrivals({
      tokensPerSecond: 0.2,
      durationSeconds: 60,
      urgentFraction: 0,
      seed: 7,
    });
    expect(arrivals.length).toBeGreaterThan(0);
    expect(arrivals.some((a) => a.urgent)).toBe(false);
  });

  it('are the same for the same seed, and differ for another', () => {
    const options = { tokensPerSecond: 0.5, durationSeconds: 180, urgentFraction: 0.02 };
    expect(poissonArrivals({ ...options, seed: 1 })).toEqual(poissonArrivals({ ...options, seed: 1 }));
    expect(poissonArrivals({ ...options, seed: 1 })).not.toEqual(poissonArrivals({ ...options, seed: 2 }));
  });
});
