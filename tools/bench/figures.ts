import { percentiles } from '../../functions/lib/telemetry';
import { MAX_TOKENS_PER_CALL } from '../../functions/lib/tokens';
import { PRICES } from './cost';

/** A trickle's tokens and how long it ran. */
export interface TrickleVolume {
  readonly routineTokens: number;
  readonly urgentTokens: number;
  /** T: the span over which the tokens arrived. */
  readonly seconds: number;
  /** L: the longest a routine token may wait. */
  readonly maxHoldSeconds: number;
}

/**
 * The fewest calls that can revoke a trickle: routine tokens fill calls of 20 but none may wait longer
 * than L, so at least one call per L seconds; every urgent token goes at once, alone.
 * `max(ceil(R / 20), ceil(T / L)) + U`.
 */
export function callFloor(volume: TrickleVolume): number {
  const routine =
    volume.routineTokens === 0
      ? 0
      : Math.max(
          Math.ceil(volume.routineTokens / MAX_TOKENS_PER_CALL),
          Math.ceil(volume.seconds / volume.maxHoldSeconds),
        );
  return routine + volume.urgentTokens;
}

/** The target for calls at a trickle rate: at most 1.15 x the floor + 1. */
export function callCeiling(floor: number): number {
  return 1.15 * floor + 1;
}

/** Calls a day if the measured rate went on all day. */
export function callsPerDay(calls: number, seconds: number): number {
  return (calls * 86_400) / seconds;
}

/** Hours until the daily quota is spent at this many calls a day (Infinity without calls). */
export function hoursUntilQuotaSpent(perDay: number, quota: number = PRICES.dailyQuota): number {
  return perDay === 0 ? Number.POSITIVE_INFINITY : (quota / perDay) * 24;
}

/** Time to revoke, in seconds: p50, p95 (nearest rank) and max over the confirmed tokens. */
export interface TimeToRevoke {
  readonly tokens: number;
  readonly confirmed: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly max: number | undefined;
}

/** Seconds from each token's send to its confirmation; tokens never confirmed are counted, not timed. */
export function timeToRevoke(
  sentAt: ReadonlyMap<string, number>,
  confirmedAt: ReadonlyMap<string, number>,
): TimeToRevoke {
  const seconds: number[] = [];
  for (const [token, sent] of sentAt) {
    const confirmed = confirmedAt.get(token);
    if (confirmed !== undefined) seconds.push((confirmed - sent) / 1000);
  }
  const summary = percentiles(seconds);
  return {
    tokens: sentAt.size,
    confirmed: seconds.length,
    p50: summary?.p50,
    p95: summary?.p95,
    max: summary?.max,
  };
}
