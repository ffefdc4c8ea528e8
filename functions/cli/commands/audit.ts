import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Command, Option } from 'commander';
import { AuditOutcome, auditFingerprint } from '../../lib/audit';
import { ConfigurationError } from '../../lib/errors';
import { checkScheme } from '../../lib/queue-url';
import { type AuditHit, AuditQueryError, findAuditLines, verdictOf } from '../audit/audit-query';
import { addTokenInputOptions } from '../common-options';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { readTokens, type TokenInputOptions, uniqueTokens } from '../read-tokens';
import { checkSetting, type FromCommandLine, fromCommandLineOf } from '../setting-error';

interface AuditFlags extends TokenInputOptions {
  readonly json?: boolean;
  readonly since: string;
  /** Comma-separated log group names. */
  readonly logGroup?: string;
  readonly logsEndpoint?: string;
  readonly region?: string;
}

/** One output row: a token (by its audit fingerprint) and what the audit trail says of it. */
export interface AuditRow {
  readonly fingerprint: string;
  readonly where: string;
  /** The best outcome found (`invalidated`, `deauthenticated`, `already_dead`, `parked`), or `not_found`. */
  readonly outcome: string;
  readonly confirmedAt?: string;
  readonly lane?: string;
  readonly reason?: string;
  readonly messageId?: string;
  readonly source?: string;
  readonly requestId?: string;
  /** Every audit line of the token, oldest first (with --json). */
  readonly lines: readonly AuditHit[];
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const LOGS_ENDPOINT_SETTING = '--logs-endpoint / AWS_ENDPOINT_URL_CLOUDWATCH_LOGS';

/** `7d`, `12h`, `30m`, `90s`, or an ISO-8601 time: the start of the search, in epoch seconds. */
export function sinceOf(value: string, now = Date.now()): number {
  const relative = /^(\d+)([smhd])$/.exec(value.trim());
  if (relative) return Math.floor(now / 1000) - Number(relative[1]) * (UNITS[relative[2] as string] ?? 0);
  const time = Date.parse(value);
  if (Number.isFinite(time) && /^\d{4}-\d\d-\d\d/.test(value)) return Math.floor(time / 1000);
  throw new CliError(
    `--since "${value}" is not a duration (7d, 12h, 30m, 90s) or an ISO-8601 time`,
    ExitCode.Usage,
  );
}

function logGroupsOf(flags: AuditFlags): string[] {
  const names = (flags.logGroup ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) {
    throw new CliError(
      '--log-group / AUDIT_LOG_GROUPS is required: the stack output AuditLogGroups names them',
      ExitCode.Usage,
    );
  }
  return [...new Set(names)];
}

function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(LOGS_ENDPOINT_SETTING, 'not a URL');
  }
  checkScheme(url.protocol, url.hostname, LOGS_ENDPOINT_SETTING, 'the CloudWatch Logs endpoint');
  return url.href.replace(/\/+$/, '');
}

async function createLogsClient(
  flags: AuditFlags,
  fromCommandLine: FromCommandLine,
): Promise<CloudWatchLogsClient> {
  const endpoint =
    flags.logsEndpoint === undefined || flags.logsEndpoint === ''
      ? undefined
      : checkSetting(() => checkEndpoint(flags.logsEndpoint as string), fromCommandLine('logsEndpoint'));
  const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
  const client = new CloudWatchLogsClient({
    ...(flags.region ? { region: flags.region } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new CliError('no AWS region: pass --region REGION or set AWS_REGION', ExitCode.Usage);
  }
  return client;
}

function rowOf(fingerprint: string, where: string, lines: readonly AuditHit[]): AuditRow {
  const verdict = verdictOf(lines);
  if (verdict === undefined) return { fingerprint, where, outcome: 'not_found', lines };
  const { fingerprint: _, outcome, ...rest } = verdict;
  return { fingerprint, where, outcome, ...rest, lines };
}

function textOf(row: AuditRow): string {
  if (row.outcome === 'not_found') return `${row.fingerprint}  not_found        ${row.where}`;
  const details = [
    `lane=${row.lane ?? '-'}`,
    ...(row.reason === undefined ? [] : [`reason=${row.reason}`]),
    `message=${row.messageId ?? '-'}`,
    ...(row.source === undefined ? [] : [`source=${row.source}`]),
  ];
  return `${row.fingerprint}  ${row.outcome.padEnd(15)}  ${row.confirmedAt}  ${details.join(' ')}  ${row.where}`;
}

/** Outcomes after which a token is known dead. */
const REVOKED: readonly string[] = [
  AuditOutcome.Invalidated,
  AuditOutcome.Deauthenticated,
  AuditOutcome.AlreadyDead,
];

async function runAudit(
  args: string[],
  flags: AuditFlags,
  io: Io,
  fromCommandLine: FromCommandLine,
): Promise<number> {
  const output = new Output(io, flags.json === true);
  const startTime = sinceOf(flags.since);
  const logGroupNames = logGroupsOf(flags);
  const unique = uniqueTokens(await readTokens(args, flags, io));
  // Fingerprints are computed here: tokens never leave this machine.
  const wanted = unique.map((token) => ({ where: token.where, fingerprint: auditFingerprint(token.token) }));
  const client = await createLogsClient(flags, fromCommandLine);
  const endTime = Math.floor(Date.now() / 1000);
  let found: Awaited<ReturnType<typeof findAuditLines>>;
  try {
    found = await findAuditLines(
      client,
      wanted.map((token) => token.fingerprint),
      { logGroupNames, startTime, endTime },
    );
  } catch (error) {
    const reason =
      error instanceof AuditQueryError
        ? error.message
        : `${(error as Error).name}: ${(error as Error).message}`;
    throw new CliError(
      `cannot search the audit trail in ${logGroupNames.join(', ')}: ${reason}`,
      ExitCode.Unavailable,
      [],
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
  const byFingerprint = new Map<string, AuditHit[]>();
  for (const hit of found.hits)
    byFingerprint.set(hit.fingerprint, [...(byFingerprint.get(hit.fingerprint) ?? []), hit]);
  const rows = wanted.map(({ fingerprint, where }) =>
    rowOf(fingerprint, where, byFingerprint.get(fingerprint) ?? []),
  );
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
  const exitCode = rows.every((row) => REVOKED.includes(row.outcome)) ? ExitCode.Ok : ExitCode.Partial;
  const since = new Date(startTime * 1000).toISOString();

  for (const row of rows) output.line(textOf(row));
  output.note(
    `audit: ${rows.length} token(s) since ${since}: ${Object.entries(counts)
      .map(([outcome, count]) => `${count} ${outcome}`)
      .join(', ')}`,
  );
  if (found.truncated)
    output.note('some queries returned 10,000 lines, the most Insights gives: narrow --since');
  output.document({
    command: 'audit',
    exitCode,
    since,
    logGroups: logGroupNames,
    counts,
    truncated: found.truncated,
    tokens: rows,
  });
  return exitCode;
}

/** `token-revoker audit`: was each token revoked, when and how, from the functions' audit trail. */
export function auditCommand(io: Io, setExitCode: (code: number) => void): Command {
  return addTokenInputOptions(new Command('audit'))
    .description(
      "search the audit trail (CloudWatch Logs Insights over the functions' log groups): one line per token, revoked when and how, or not_found",
    )
    .option('--json', 'print one JSON document on stdout (for scripts) instead of text')
    .option('--since <when>', 'how far back to search: 7d, 12h, 30m, or an ISO-8601 time', '30d')
    .addOption(
      new Option(
        '--log-group <names>',
        "the functions' log groups, comma-separated (the stack output AuditLogGroups)",
      ).env('AUDIT_LOG_GROUPS'),
    )
    .addOption(
      new Option(
        '--logs-endpoint <url>',
        'explicit CloudWatch Logs endpoint (local servers; https unless loopback)',
      ).env('AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'),
    )
    .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'))
    .addHelpText(
      'after',
      `
Examples:
  $ token-revoker audit --file leaked.txt --log-group "$AUDIT_LOG_GROUPS"
  $ token-revoker audit --since 2026-12-01T00:00:00Z --json < leaked.txt | jq '.tokens[] | select(.outcome == "not_found")'

Fingerprints (the first 32 hex characters of each token's SHA-256) are computed on this machine:
tokens never leave it and are never printed. The functions write one audit line per settled token
(message "Token settled"): invalidated, deauthenticated, already_dead or parked (with its reason),
with the lane, the SQS message id, the producer's source and the time. A token's line shows its
first confirmation, else its first "already dead", else its parking. Exit status 0 when every token
is known dead, 1 when one is not found or only parked. Logs Insights bills the data it scans: a
shorter --since costs less.

${EXIT_CODES_HELP}
`,
    )
    .action(async (args: string[], flags: AuditFlags, self: Command) => {
      setExitCode(await runAudit(args, flags, io, fromCommandLineOf(self)));
    });
}
