import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { RevocationAction } from './message';
import type { ParkResult } from './park';
import type { MessageRequest } from './read-messages';
import { type Outcomes, outcomeOf } from './revoke';
import type { Lane } from './telemetry-names';

/**
 * The audit trail: one structured log line per settled token, so that "was this leaked token
 * revoked, and when?" has an answer (`token-revoker audit`). A line names the token by a 128-bit
 * fingerprint, never by its value.
 */

/** The `message` of every audit line: what the audit query filters on. */
export const AUDIT_MESSAGE = 'Token settled';

/** Hex characters of an audit fingerprint: 128 bits of SHA-256, unique over billions of tokens. */
export const AUDIT_FINGERPRINT_LENGTH = 32;

/** What became of a settled token. */
export const AuditOutcome = {
  /** The invalidate endpoint confirmed it. */
  Invalidated: 'invalidated',
  /** The de-authenticate endpoint confirmed it. */
  Deauthenticated: 'deauthenticated',
  /** The API did not return it (unknown or already dead), or said it is dead. */
  AlreadyDead: 'already_dead',
  /** Parked in the parked queue, with a reason: never sent again by the pipeline. */
  Parked: 'parked',
} as const;
export type AuditOutcome = (typeof AuditOutcome)[keyof typeof AuditOutcome];

/** One audit line's fields (the logger adds level, time, service and the invocation's context). */
export interface AuditRecord {
  /** The first 32 hex characters of the token's SHA-256. */
  readonly fingerprint: string;
  readonly outcome: AuditOutcome;
  /** Parked: the park reason; already dead: why the API says so (`absent`, `invalid_access_token`, `compromised`). */
  readonly reason?: string;
  readonly lane: Lane;
  /** The SQS message that carried the token. */
  readonly messageId: string;
  /** The producer's `source` field, when it gave one. */
  readonly source?: string;
  /** ISO-8601 time the outcome became known. */
  readonly confirmedAt: string;
}

/** What one step settled: the requests read, the outcomes of the tokens sent, the entries parked. */
export interface SettledTokens {
  readonly lane: Lane;
  readonly requests: readonly MessageRequest[];
  /** Absent when nothing was sent (only parked input to record). */
  readonly outcomes?: Outcomes;
  readonly parked: readonly ParkResult[];
  /** @default new Date() */
  readonly now?: Date;
}

/** Writes the audit lines of a step. */
export type AuditTrail = (settled: SettledTokens) => void;

/** A token's audit fingerprint: 128 bits of its SHA-256 (non-strings through their JSON form). */
export function auditFingerprint(token: unknown): string {
  const text = typeof token === 'string' ? token : (JSON.stringify(token) ?? String(token));
  return createHash('sha256').update(text).digest('hex').slice(0, AUDIT_FINGERPRINT_LENGTH);
}

/**
 * The audit records of a step: one per token of a request with a final outcome (confirmed, dead;
 * failed tokens are not settled and wait for their retry), and one per token of each parked entry.
 * A token in two messages gets a line for each.
 */
export function auditRecords(settled: SettledTokens): AuditRecord[] {
  const confirmedAt = (settled.now ?? new Date()).toISOString();
  const { lane } = settled;
  const sourceOf = new Map(settled.requests.map((r) => [r.message.messageId, r.source]));
  const base = (token: unknown, messageId: string) => {
    const source = sourceOf.get(messageId);
    return {
      fingerprint: auditFingerprint(token),
      lane,
      messageId,
      ...(source === undefined ? {} : { source }),
      confirmedAt,
    };
  };
  const records: AuditRecord[] = [];
  if (settled.outcomes !== undefined) {
    for (const { message, action, tokens } of settled.requests) {
      for (const token of tokens) {
        const outcome = outcomeOf(settled.outcomes, action, token);
        if (outcome?.kind === 'confirmed') {
          const confirmed =
            action === RevocationAction.Deauthenticate
              ? AuditOutcome.Deauthenticated
              : AuditOutcome.Invalidated;
          records.push({ ...base(token, message.messageId), outcome: confirmed });
        } else if (outcome?.kind === 'dead') {
          records.push({
            ...base(token, message.messageId),
            outcome: AuditOutcome.AlreadyDead,
            reason: outcome.cause,
          });
        }
      }
    }
  }
  for (const { entry, parked } of settled.parked) {
    if (!parked) continue;
    for (const token of entry.tokens ?? []) {
      records.push({
        ...base(token, entry.sourceMessageId),
        outcome: AuditOutcome.Parked,
        reason: entry.reason,
      });
    }
  }
  return records;
}

/**
 * The audit trail of a function: each record an INFO line of `logger`. Give it a logger whose level
 * is fixed at INFO (`createTelemetry` does), so that raising POWERTOOLS_LOG_LEVEL never drops it.
 */
export function auditTrail(logger: Pick<Logger, 'info'>): AuditTrail {
  return (settled) => {
    for (const record of auditRecords(settled)) logger.info(AUDIT_MESSAGE, { ...record });
  };
}
