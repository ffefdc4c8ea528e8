import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { AUDIT_MESSAGE, AuditOutcome } from '../../lib/audit';
import { chunk } from '../../lib/tokens';

/** The fields an audit query returns, as the functions write them (functions/lib/audit.ts). */
export const AUDIT_FIELDS = [
  '@timestamp',
  'fingerprint',
  'outcome',
  'reason',
  'lane',
  'messageId',
  'source',
  'confirmedAt',
  'function_request_id',
] as const;

/** Fingerprints per query: each is 36 characters in the query, which Insights caps at 10,000. */
export const FINGERPRINTS_PER_QUERY = 200;
/** Insights returns at most this many rows per query. */
export const MAX_ROWS = 10_000;

/** One audit line found in the logs. */
export interface AuditHit {
  readonly fingerprint: string;
  readonly outcome: string;
  readonly reason?: string;
  readonly lane?: string;
  readonly messageId?: string;
  readonly source?: string;
  /** ISO-8601, from the line's `confirmedAt` (else its @timestamp). */
  readonly confirmedAt: string;
  readonly requestId?: string;
}

export interface AuditQueryOptions {
  readonly logGroupNames: readonly string[];
  /** Epoch seconds. */
  readonly startTime: number;
  readonly endTime: number;
  /** Between GetQueryResults polls. @default 1000 */
  readonly pollMs?: number;
  /** Give up on one query after this long. @default 300000 (5 minutes) */
  readonly timeoutMs?: number;
}

/** A query that Insights did not complete (failed, cancelled, timed out). */
export class AuditQueryError extends Error {
  override name = 'AuditQueryError';
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

/** The Insights query for some fingerprints (hex only: nothing to escape). */
export function auditQueryString(fingerprints: readonly string[]): string {
  const list = fingerprints.map((fingerprint) => `"${fingerprint}"`).join(', ');
  return [
    `fields ${AUDIT_FIELDS.join(', ')}`,
    `filter message = "${AUDIT_MESSAGE}" and fingerprint in [${list}]`,
    'sort @timestamp asc',
    `limit ${MAX_ROWS}`,
  ].join(' | ');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function hitOf(row: readonly { field?: string; value?: string }[]): AuditHit | undefined {
  const get = (name: string) => row.find((cell) => cell.field === name)?.value;
  const fingerprint = get('fingerprint');
  const outcome = get('outcome');
  if (fingerprint === undefined || outcome === undefined) return undefined;
  const timestamp = get('@timestamp');
  const confirmedAt =
    get('confirmedAt') ?? (timestamp === undefined ? '' : `${timestamp.replace(' ', 'T')}Z`);
  const optional = (name: string, key: keyof AuditHit) => {
    const value = get(name);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    fingerprint,
    outcome,
    confirmedAt,
    ...optional('reason', 'reason'),
    ...optional('lane', 'lane'),
    ...optional('messageId', 'messageId'),
    ...optional('source', 'source'),
    ...optional('function_request_id', 'requestId'),
  };
}

/**
 * Runs the audit query over the log groups, FINGERPRINTS_PER_QUERY fingerprints at a time (one
 * query after another: Insights allows few concurrent queries per account), and returns every audit
 * line found, oldest first, and whether a query hit the row limit.
 */
export async function findAuditLines(
  client: CloudWatchLogsClient,
  fingerprints: readonly string[],
  options: AuditQueryOptions,
): Promise<{ hits: AuditHit[]; truncated: boolean }> {
  const { GetQueryResultsCommand, StartQueryCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const hits: AuditHit[] = [];
  let truncated = false;
  for (const group of chunk(fingerprints, FINGERPRINTS_PER_QUERY)) {
    const { queryId } = await client.send(
      new StartQueryCommand({
        logGroupNames: [...options.logGroupNames],
        startTime: options.startTime,
        endTime: options.endTime,
        queryString: auditQueryString(group),
        limit: MAX_ROWS,
      }),
    );
    const started = Date.now();
    for (;;) {
      await sleep(options.pollMs ?? 1000);
      const result = await client.send(new GetQueryResultsCommand({ queryId }));
      const status = result.status ?? 'Unknown';
      if (status === 'Complete') {
        const rows = result.results ?? [];
        truncated ||= rows.length >= MAX_ROWS;
        for (const row of rows) {
          const hit = hitOf(row);
          if (hit !== undefined) hits.push(hit);
        }
        break;
      }
      if (status !== 'Running' && status !== 'Scheduled') {
        throw new AuditQueryError(`the Logs Insights query ended ${status}`, status);
      }
      if (Date.now() - started > (options.timeoutMs ?? 300_000)) {
        throw new AuditQueryError('the Logs Insights query did not complete in time', 'Timeout');
      }
    }
  }
  hits.sort((a, b) => a.confirmedAt.localeCompare(b.confirmedAt));
  return { hits, truncated };
}

/** Outcomes that answer "was it revoked", best first: a confirmation, then "already dead", then parked. */
const RANK: readonly (readonly string[])[] = [
  [AuditOutcome.Invalidated, AuditOutcome.Deauthenticated],
  [AuditOutcome.AlreadyDead],
  [AuditOutcome.Parked],
];

/** The line that answers for a token (hits oldest first): its earliest line of the best outcome. */
export function verdictOf(hits: readonly AuditHit[]): AuditHit | undefined {
  for (const outcomes of RANK) {
    const hit = hits.find((candidate) => outcomes.includes(candidate.outcome));
    if (hit !== undefined) return hit;
  }
  return hits[0];
}
