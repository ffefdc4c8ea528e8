import type { RecordedRequest, SimulatorStats } from './types';

/** Counters the records cannot tell: what happened to tokens, and the quota. */
export interface StoreCounters {
  readonly invalidated: number;
  readonly deauthenticated: number;
  readonly quotaRemaining: number;
  /** Seconds until a spent quota comes back; undefined while some is left. */
  readonly quotaResetInSeconds: number | undefined;
}

/** Summarises the recorded requests. */
export function summarize(records: readonly RecordedRequest[], counters: StoreCounters): SimulatorStats {
  const byMethod = { invalidate: 0, read: 0, deauthenticate: 0, unknown: 0 };
  const errorsByName: Record<string, number> = {};
  let successfulCalls = 0;
  let tokensInSuccessfulCalls = 0;
  let throttleViolations = 0;
  let backoffViolations = 0;
  let faultsInjected = 0;
  let quotaRefusals = 0;
  for (const record of records) {
    byMethod[record.method] += 1;
    if (record.status === 200) {
      successfulCalls += 1;
      tokensInSuccessfulCalls += record.tokens.length;
    }
    if (record.errorName !== undefined)
      errorsByName[record.errorName] = (errorsByName[record.errorName] ?? 0) + 1;
    if (record.throttleViolation) throttleViolations += 1;
    if (record.backoffViolation) backoffViolations += 1;
    if (record.fault !== undefined) faultsInjected += 1;
    if (record.quotaExhausted) quotaRefusals += 1;
  }
  return {
    requests: records.length,
    byMethod,
    successfulCalls,
    tokensInSuccessfulCalls,
    meanTokensPerSuccessfulCall: successfulCalls === 0 ? 0 : tokensInSuccessfulCalls / successfulCalls,
    throttleViolations,
    backoffViolations,
    faultsInjected,
    quotaRefusals,
    errorsByName,
    invalidated: counters.invalidated,
    deauthenticated: counters.deauthenticated,
    quotaRemaining: counters.quotaRemaining,
    ...(counters.quotaResetInSeconds === undefined
      ? {}
      : { quotaResetInSeconds: counters.quotaResetInSeconds }),
  };
}
