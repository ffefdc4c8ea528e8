import { Command, Option } from 'commander';
import { type EnqueueOutcome, EnqueueValidationError, enqueueTokens } from '../../enqueue';
import { RevocationAction, RevocationPriority } from '../../lib/message';
import {
  addCommonOptions,
  addTokenInputOptions,
  type CommonFlags,
  TOKEN_INPUT_HELP,
} from '../common-options';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { startProgress } from '../progress';
import { readTokens, type TokenInputOptions } from '../read-tokens';
import { type FromCommandLine, fromCommandLineOf } from '../setting-error';
import { addSqsOptions, createSqsClient, queueUrlSetting, type SqsFlags } from '../sqs-settings';

type EnqueueFlags = CommonFlags &
  SqsFlags &
  TokenInputOptions & {
    readonly queueUrl?: string;
    readonly urgentQueueUrl?: string;
    readonly urgent?: boolean;
    readonly action: RevocationAction;
    readonly reason?: string;
    readonly source: string;
    readonly confirmRemoveApp?: boolean;
  };

const QUEUE_URL_LABEL = '--queue-url / REVOCATION_QUEUE_URL';
const URGENT_QUEUE_URL_LABEL = '--urgent-queue-url / REVOCATION_URGENT_QUEUE_URL';

/** The queue this run sends to: the urgent queue with --urgent, else the routine queue. */
function destinationOf(flags: EnqueueFlags, fromCommandLine: FromCommandLine): string {
  if (flags.urgent !== true) {
    return queueUrlSetting(flags.queueUrl, QUEUE_URL_LABEL, fromCommandLine('queueUrl'));
  }
  if (flags.urgentQueueUrl === undefined || flags.urgentQueueUrl === '') {
    throw new CliError(
      '--urgent needs the urgent queue: pass --urgent-queue-url (or set REVOCATION_URGENT_QUEUE_URL) with the stack output UrgentQueueUrl. ' +
        'Urgent tokens are never sent to the routine queue, where they would wait for its next run (about a minute); ' +
        'leave out --urgent to accept that, or use invalidate to call Stack Exchange directly',
      ExitCode.Usage,
    );
  }
  return queueUrlSetting(flags.urgentQueueUrl, URGENT_QUEUE_URL_LABEL, fromCommandLine('urgentQueueUrl'));
}

/** Failures of the whole request (no such queue, access denied, unreachable), once each with its count. */
function requestFailures(outcomes: readonly EnqueueOutcome[]): string[] {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.status === 'failed' && outcome.failure !== 'refused')
      counts.set(outcome.reason, (counts.get(outcome.reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => `failed  ${count} token(s): ${reason}`);
}

async function runEnqueue(
  args: string[],
  flags: EnqueueFlags,
  io: Io,
  fromCommandLine: FromCommandLine,
): Promise<number> {
  const output = new Output(io, flags.json === true);
  const priority = flags.urgent === true ? RevocationPriority.Urgent : RevocationPriority.Routine;
  const queueUrl = destinationOf(flags, fromCommandLine);
  if (flags.action === RevocationAction.Deauthenticate && flags.confirmRemoveApp !== true) {
    throw new CliError(
      "--action deauthenticate removes the app from each token's user account: pass --confirm-remove-app to confirm",
      ExitCode.Usage,
    );
  }
  const input = await readTokens(args, flags, io);
  const [label, key] =
    flags.urgent === true ? [URGENT_QUEUE_URL_LABEL, 'urgentQueueUrl'] : [QUEUE_URL_LABEL, 'queueUrl'];
  const sqsClient = await createSqsClient(
    flags,
    [{ url: queueUrl, label, fromCommandLine: fromCommandLine(key) }],
    fromCommandLine,
    (text) => output.note(text),
  );
  const unique = new Set(input.map((t) => t.token)).size;
  const progress = startProgress(io, unique, 'enqueue', { progress: flags.progress, json: output.json });
  let outcomes: readonly EnqueueOutcome[];
  let messages: number;
  try {
    const result = await enqueueTokens(
      input.map((t) => t.token),
      {
        ...(priority === RevocationPriority.Urgent ? { urgentQueueUrl: queueUrl } : { queueUrl }),
        priority,
        sqsClient,
        action: flags.action,
        reason: flags.reason,
        source: flags.source,
        onProgress: (done) => progress.update(done),
      },
    );
    outcomes = result.outcomes;
    messages = result.messages;
  } catch (error) {
    if (error instanceof EnqueueValidationError) {
      throw new CliError(
        error.message,
        ExitCode.Usage,
        error.problems.map((p) => p.detail),
      );
    }
    throw error;
  } finally {
    progress.stop();
    sqsClient.destroy();
  }

  const failed = outcomes.filter((o) => o.status === 'failed');
  const sent = outcomes.length - failed.length;
  const unavailable = failed.some((o) => o.failure !== 'refused');
  const exitCode = failed.length === 0 ? ExitCode.Ok : unavailable ? ExitCode.Unavailable : ExitCode.Partial;
  const rows = outcomes.map((o) => ({ ...o, where: input[o.index]?.where }));

  // A message SQS refused concerns its own tokens: one line each. A failed request is said once.
  for (const row of rows) {
    if (row.status === 'failed' && row.failure === 'refused')
      output.line(`${row.fingerprint}  failed  ${row.where}: ${row.reason}`);
  }
  for (const line of requestFailures(outcomes)) output.line(line);
  output.note(
    `enqueue: ${sent} of ${outcomes.length} token(s) accepted by SQS in ${messages} message(s) to the ${priority} queue; ${failed.length} failed`,
  );
  output.document({
    command: 'enqueue',
    exitCode,
    queueUrl,
    priority,
    sent,
    failed: failed.length,
    messages,
    tokens: rows,
  });
  return exitCode;
}

export function enqueueCommand(io: Io, setExitCode: (code: number) => void): Command {
  const command = addSqsOptions(addCommonOptions(addTokenInputOptions(new Command('enqueue'))))
    .description(
      'send tokens to the routine queue, or the urgent queue with --urgent (20 per message, 10 messages per SendMessageBatch); the pipeline revokes them',
    )
    .addOption(
      new Option('--queue-url <url>', 'URL of the routine queue (stack output QueueUrl)').env(
        'REVOCATION_QUEUE_URL',
      ),
    )
    .option(
      '--urgent',
      'revoke at once through the urgent queue (leaks, compromised accounts); routine requests wait up to about a minute to fill calls of 20',
    )
    .addOption(
      new Option(
        '--urgent-queue-url <url>',
        'URL of the urgent queue (stack output UrgentQueueUrl), for --urgent',
      ).env('REVOCATION_URGENT_QUEUE_URL'),
    )
    .addOption(
      new Option('--action <action>', 'what the handler does with the tokens')
        .choices([RevocationAction.Invalidate, RevocationAction.Deauthenticate])
        .default(RevocationAction.Invalidate),
    )
    .option('--confirm-remove-app', 'confirm --action deauthenticate (removes the app from the users)')
    .option('--reason <text>', 'why, for operators (e.g. logout, leak); never put a token here')
    .option('--source <name>', 'who asks, for operators', 'token-revoker-cli')
    .addHelpText(
      'after',
      `
Examples:
  $ token-revoker enqueue --queue-url "$QUEUE_URL" --file logouts.txt --reason logout
  $ token-revoker enqueue --urgent --urgent-queue-url "$URGENT_QUEUE_URL" --file leaked.txt --reason leak
  $ export-sessions | token-revoker enqueue --queue-url "$QUEUE_URL" --json
  $ REVOCATION_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/revocations token-revoker enqueue < tokens.txt

Queue URLs and --sqs-endpoint must be https (plain http only for loopback hosts): the messages carry
the tokens. --urgent without an urgent queue URL is refused, never sent to the routine queue.

${TOKEN_INPUT_HELP}

Needs sqs:SendMessage on the queue and kms:GenerateDataKey + kms:Decrypt on its key; credentials
come from the AWS SDK's usual chain (environment, profile, SSO, instance role).

${EXIT_CODES_HELP}
`,
    );
  return command.action(async (args: string[], flags: EnqueueFlags, self: Command) => {
    setExitCode(await runEnqueue(args, flags, io, fromCommandLineOf(self)));
  });
}
