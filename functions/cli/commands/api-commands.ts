import { Command } from 'commander';
import { ErrorCategory } from '../../lib/errors';
import { ApiMethod } from '../../lib/stackexchange/api-method';
import type { AccessTokenItem } from '../../lib/stackexchange/wrapper';
import { type ApiFlags, addApiOptions, createApiClient } from '../api-settings';
import { callApi, type TokenAnswer } from '../call-api';
import {
  addCommonOptions,
  addTokenInputOptions,
  type CommonFlags,
  TOKEN_INPUT_HELP,
} from '../common-options';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { startProgress } from '../progress';
import { readTokens, type TokenInputOptions, uniqueTokens } from '../read-tokens';
import { type FromCommandLine, fromCommandLineOf } from '../setting-error';

/** One output row: a token (by fingerprint) and what the API said about it. */
export interface ApiRow {
  readonly fingerprint: string;
  /** Where the token was first read: `argument 1`, `stdin line 3`, `FILE line 7`. */
  readonly where: string;
  readonly outcome: string;
  readonly detail?: string;
  readonly accountId?: number;
  /** ISO-8601; absent for tokens that never expire. */
  readonly expiresOn?: string;
  readonly scope?: readonly string[];
}

interface ApiCommandSpec {
  readonly name: string;
  readonly method: ApiMethod;
  readonly summary: string;
  readonly examples: string;
  /** Outcome names for a token returned in `items` and for one absent from them. */
  readonly returned: string;
  readonly absent: string;
  /** Outcomes that make the exit status 1. */
  readonly partialOutcomes: readonly string[];
  readonly confirmFlag?: { readonly flag: string; readonly description: string };
}

const SPECS: readonly ApiCommandSpec[] = [
  {
    name: 'invalidate',
    method: ApiMethod.Invalidate,
    summary:
      'invalidate tokens by calling Stack Exchange directly, bypassing the queue (incident response); one line per token: invalidated, already_dead or rejected',
    examples: `  $ token-revoker invalidate --file leaked.txt
  $ grep -o '[A-Za-z0-9*()_-]*))' dump.log | token-revoker invalidate --json > report.json`,
    returned: 'invalidated',
    absent: 'already_dead',
    partialOutcomes: ['rejected', 'failed'],
  },
  {
    name: 'inspect',
    method: ApiMethod.Read,
    summary:
      'read tokens (account id, expiry, scope) per fingerprint; exit status 1 if any token is still live, 0 if none is',
    examples: `  $ token-revoker inspect --file leaked.txt
  $ token-revoker inspect --json < leaked.txt | jq '.tokens[] | select(.outcome == "live")'`,
    returned: 'live',
    absent: 'not_found',
    partialOutcomes: ['live', 'rejected', 'failed'],
  },
  {
    name: 'deauthenticate',
    method: ApiMethod.Deauthenticate,
    summary:
      "de-authenticate tokens: removes the app from each token's user account, killing all of that user's tokens for the app (needs --confirm-remove-app)",
    examples: `  $ token-revoker deauthenticate --confirm-remove-app --file compromised-users.txt`,
    returned: 'deauthenticated',
    absent: 'already_dead',
    partialOutcomes: ['rejected', 'failed'],
    confirmFlag: {
      flag: '--confirm-remove-app',
      description: "confirm that the app is to be removed from every token's user account",
    },
  },
];

function propertiesOf(item: AccessTokenItem): Pick<ApiRow, 'accountId' | 'expiresOn' | 'scope'> {
  return {
    ...(item.accountId === undefined ? {} : { accountId: item.accountId }),
    ...(item.expiresOnDate === undefined
      ? {}
      : { expiresOn: new Date(item.expiresOnDate * 1000).toISOString() }),
    ...(item.scope === undefined ? {} : { scope: item.scope }),
  };
}

function rowOf(
  spec: ApiCommandSpec,
  fingerprint: string,
  where: string,
  answer: TokenAnswer | undefined,
): ApiRow {
  const base = { fingerprint, where };
  switch (answer?.kind) {
    case 'item':
      return {
        ...base,
        outcome: spec.returned,
        ...(spec.method === ApiMethod.Read ? propertiesOf(answer.item) : {}),
      };
    case 'absent':
      return { ...base, outcome: spec.absent };
    case 'rejected':
      return { ...base, outcome: 'rejected', detail: answer.detail };
    case 'failed':
      return { ...base, outcome: 'failed', detail: answer.detail };
    default:
      return { ...base, outcome: 'failed', detail: 'no answer' };
  }
}

function textOf(row: ApiRow): string {
  const parts = [row.fingerprint, row.outcome.padEnd(15)];
  if (row.accountId !== undefined) parts.push(`account=${row.accountId}`);
  if (row.outcome === 'live') parts.push(`expires=${row.expiresOn ?? 'never'}`);
  if (row.scope !== undefined) parts.push(`scope=${row.scope.length > 0 ? row.scope.join(',') : '-'}`);
  if (row.detail !== undefined) parts.push(`(${row.detail})`);
  return parts.join('  ').trimEnd();
}

type ApiCommandFlags = CommonFlags & ApiFlags & TokenInputOptions & { readonly confirmRemoveApp?: boolean };

async function runApiCommand(
  spec: ApiCommandSpec,
  args: string[],
  flags: ApiCommandFlags,
  io: Io,
  fromCommandLine: FromCommandLine,
): Promise<number> {
  const output = new Output(io, flags.json === true);
  if (spec.confirmFlag !== undefined && flags.confirmRemoveApp !== true) {
    throw new CliError(
      `${spec.name} removes the app from each token's user account (all of their tokens for the app die): pass ${spec.confirmFlag.flag} to confirm`,
      ExitCode.Usage,
    );
  }
  const input = await readTokens(args, flags, io);
  const unique = uniqueTokens(input);
  const client = await createApiClient(flags, io.env, fromCommandLine);
  const progress = startProgress(io, unique.length, spec.name, {
    progress: flags.progress,
    json: output.json,
  });
  const result = await callApi(client, spec.method, unique, (done) => progress.update(done)).finally(() =>
    progress.stop(),
  );

  const rows = unique.map((t) => rowOf(spec, t.fingerprint, t.where, result.answers.get(t.token)));
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
  const stopped = result.stoppedBy;
  const exitCode =
    stopped !== undefined && stopped.category !== ErrorCategory.BadInput
      ? ExitCode.Unavailable
      : rows.some((row) => spec.partialOutcomes.includes(row.outcome))
        ? ExitCode.Partial
        : ExitCode.Ok;

  for (const row of rows) output.line(textOf(row));
  const summary = Object.entries(counts)
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(', ');
  output.note(`${spec.name}: ${unique.length} token(s): ${summary}`);
  if (stopped !== undefined) {
    output.note(`stopped at ${client.apiUrl}: ${stopped.message}; the remaining tokens were not sent`);
  }
  output.document({
    command: spec.name,
    exitCode,
    apiUrl: client.apiUrl,
    counts,
    tokens: rows,
    ...(stopped === undefined ? {} : { error: { message: stopped.message, category: stopped.category } }),
  });
  return exitCode;
}

/** The invalidate, inspect and deauthenticate commands. */
export function apiCommands(io: Io, setExitCode: (code: number) => void): Command[] {
  return SPECS.map((spec) => {
    const command = addApiOptions(addCommonOptions(addTokenInputOptions(new Command(spec.name))))
      .description(spec.summary)
      .addHelpText(
        'after',
        `\nExamples:\n${spec.examples}\n\n${TOKEN_INPUT_HELP}\n\nThe app key comes from STACKEXCHANGE_KEY, STACKEXCHANGE_KEY_SECRET_ID or\nSTACKEXCHANGE_KEY_PARAMETER_NAME, as for the handler.\n\n${EXIT_CODES_HELP}\n`,
      );
    if (spec.confirmFlag !== undefined) command.option(spec.confirmFlag.flag, spec.confirmFlag.description);
    return command.action(async (args: string[], flags: ApiCommandFlags, self: Command) => {
      setExitCode(await runApiCommand(spec, args, flags, io, fromCommandLineOf(self)));
    });
  });
}
