import { poissonArrivals } from './arrivals';
import type { DeployedSettings } from './deployed';
import { type PerTickFlush, perTickFlush } from './figures';

/** Rates where a per-tick-only consumer is modelled over a whole day (routine tokens only). */
export const PER_TICK_DAY_RATES = [0.1, 0.2, 0.35, 0.5, 0.7, 1, 2, 5] as const;

/**
 * A day of Poisson routine logouts at each rate through a consumer that runs once per tick and must
 * flush every run: arithmetic on the arrivals, no pipeline. Shows the rates where one partial call
 * per tick costs most against the floor (a tick's tokens just above a multiple of 20).
 */
export function perTickFlushDay(settings: DeployedSettings, seed: number): PerTickFlush[] {
  const seconds = 86_400;
  return PER_TICK_DAY_RATES.map((tokensPerSecond) =>
    perTickFlush(poissonArrivals({ tokensPerSecond, durationSeconds: seconds, urgentFraction: 0, seed }), {
      tokensPerSecond,
      seconds,
      tickSeconds: settings.consumer.tickSeconds,
      maxHoldSeconds: settings.consumer.maxHoldSeconds,
    }),
  );
}
