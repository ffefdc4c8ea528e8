import type { InvocationReport } from '../event-source';
import type { AuditLine } from './pipeline';
import type { RoutineRun } from './routine-lane';

/**
 * What the kept-running pipeline prints: one line per event, a token only ever by its fingerprint
 * (the first 12 hex characters, as `inspect` and `dlq list` print; the audit trail's 32 begin with
 * them).
 */

const clock = (at = Date.now()) => new Date(at).toISOString().slice(11, 19);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A routine consumer run: what it received, settled, released and carried, and its calls. */
export function runLine(run: RoutineRun): string {
  const head = `${clock(run.startedAt + run.durationMs)} routine  run ${run.tick}`;
  if (run.report === undefined) return `${head}: ${run.outcome} after ${seconds(run.durationMs)}`;
  const { received, deleted, released, carried, counts } = run.report;
  return `${head}: ${received} received, ${deleted} deleted, ${released} released, ${carried} carried; ${counts.apiCalls} call(s), ${counts.tokensInvalidated + counts.tokensDeauthenticated} revoked, ${counts.tokensParked} parked (${seconds(run.durationMs)})`;
}

/** An urgent invocation, as the event source saw it. */
export function invocationLine(report: InvocationReport): string {
  const failed = report.failed > 0 ? `, ${report.failed} back to the queue` : '';
  return `${clock()} urgent   invocation on instance ${report.instance}: ${report.records} record(s), ${report.outcome}${failed} (${seconds(report.durationMs)})`;
}

/** A settled token, from its audit line. */
export function auditEventLine(line: AuditLine): string {
  const reason = line.reason === undefined ? '' : ` (${line.reason})`;
  const source = line.source === undefined ? '' : `, source ${line.source}`;
  return `${clock(Date.parse(line.confirmedAt))} ${line.lane.padEnd(8)} ${line.fingerprint.slice(0, 12)} ${line.outcome}${reason}, message ${line.messageId}${source}`;
}

/** A change in the dead-letter queue's size: messages parked or dead-lettered, or replayed or deleted. */
export function deadLetterLine(before: number, after: number): string | undefined {
  if (after === before) return undefined;
  const change =
    after > before
      ? `${after - before} message(s) arrived (parked or dead-lettered)`
      : `${before - after} message(s) left (replayed by dlq redrive, or deleted)`;
  return `${clock()} dlq      ${change}; ${after} now`;
}
