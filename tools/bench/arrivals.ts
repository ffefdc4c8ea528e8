import { seededRandom } from '../simulator';

/** One single-token logout: when it is sent (ms from the start) and which lane it belongs to. */
export interface Arrival {
  readonly atMs: number;
  readonly urgent: boolean;
}

/**
 * Poisson arrivals: exponential gaps at `tokensPerSecond` over `durationSeconds`. `urgentFraction` of
 * them (rounded; when above 0, at least one, so that the urgent lane is measured at every rate) are
 * urgent, at seeded random positions.
 */
export function poissonArrivals(options: {
  readonly tokensPerSecond: number;
  readonly durationSeconds: number;
  readonly urgentFraction: number;
  readonly seed: number;
}): Arrival[] {
  const random = seededRandom(options.seed);
  const times: number[] = [];
  for (let at = 0; ; ) {
    at += (-Math.log(1 - random()) / options.tokensPerSecond) * 1000;
    if (at >= options.durationSeconds * 1000) break;
    times.push(Math.round(at));
  }
  const share = Math.round(options.urgentFraction * times.length);
  const urgentCount = Math.min(times.length, options.urgentFraction > 0 ? Math.max(1, share) : 0);
  const urgent = new Set<number>();
  while (urgent.size < urgentCount) urgent.add(Math.floor(random() * times.length));
  return times.map((atMs, index) => ({ atMs, urgent: urgent.has(index) }));
}
