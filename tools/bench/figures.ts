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

/** What a consumer that runs only once per tick (no rounds) would do with the same arrivals. */
export interface PerTickFlush {
  readonly tokensPerSecond: number;
  readonly calls: number;
  readonly floor: number;
  readonly tokensPerCall: number;
  /** Seconds from arrival to the run that sends the token (the call's own time left out). */
  readonly routine: {
    readonly p50: number | undefined;
    readonly p95: number | undefined;
    readonly max: number | undefined;
  };
}

/**
 * Models a per-tick-only consumer: runs at every tick from the start, each sending all it finds. With
 * tick = maxHold, a token that arrived after one run cannot wait for the run after next, so every run
 * must flush: ceil(n / 20) calls for the n routine tokens of each tick, plus one call per urgent token.
 */
export function perTickFlush(
  arrivals: readonly { readonly atMs: number; readonly urgent: boolean }[],
  options: {
    readonly tokensPerSecond: number;
    readonly seconds: number;
    readonly tickSeconds: number;
    readonly maxHoldSeconds: number;
  },
): PerTickFlush {
  const tickMs = options.tickSeconds * 1000;
  const perRun = new Map<number, number>();
  const waits: number[] = [];
  for (const arrival of arrivals.filter((a) => !a.urgent)) {
    const runAt = Math.max(1, Math.ceil(arrival.atMs / tickMs)) * tickMs;
    perRun.set(runAt, (perRun.get(runAt) ?? 0) + 1);
    waits.push((runAt - arrival.atMs) / 1000);
  }
  const urgentTokens = arrivals.length - waits.length;
  const routineCalls = [...perRun.values()].reduce((sum, n) => sum + Math.ceil(n / MAX_TOKENS_PER_CALL), 0);
  const calls = routineCalls + urgentTokens;
  const summary = percentiles(waits);
  return {
    tokensPerSecond: options.tokensPerSecond,
    calls,
    floor: callFloor({
      routineTokens: waits.length,
      urgentTokens,
      seconds: options.seconds,
      maxHoldSeconds: options.maxHoldSeconds,
    }),
    tokensPerCall: calls === 0 ? 0 : arrivals.length / calls,
    routine: { p50: summary?.p50, p95: summary?.p95, max: summary?.max },
  };
}
