import { Command, Option } from 'commander';
import { type EnqueueOutcome, EnqueueValidationError, enqueueTokens } from '../../enqueue';
import { RevocationAction } from '../../lib/message';
import {
  addCommonOptions,
  addTokenInputOptions,
  type CommonFlags,
  TOKEN_INPUT_HELP,
} from '../common-options';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { startProgress } from '../progress';
import { readTokens } from '../read-tokens';
import { addSqsOptions, checkQueueUrl, createSqsClient, type SqsFlags } from '../sqs-settings';

type EnqueueFlags = CommonFlags &
  SqsFlags & {
    readonly queueUrl?: string;
    readonly file?: string;
    readonly action: RevocationAction;
    readonly reason?: string;
    readonly source: string;
    readonly confirmRemoveApp?: boolean;
  };

async function runEnqueue(args: string[], flags: EnqueueFlags, io: Io): Promise<number> {
  const output = new Output(io, flags.json === true);
  const queueUrl = checkQueueUrl(flags.queueUrl, '--queue-url (or REVOCATION_QUEUE_URL)');
  if (flags.action === RevocationAction.Deauthenticate && flags.confirmRemoveApp !== true) {
    throw new CliError(
      "--action deauthenticate removes the app from each token's user account: pass --confirm-remove-app to confirm",
      ExitCode.Usage,
    );
  }
  const input = await readTokens(args, flags, io);
  const sqsClient = await createSqsClient(flags, queueUrl);
  const unique = new Set(input.map((t) => t.token)).size;
  const progress = startProgress(io, unique, 'enqueue', { progress: flags.progress, json: output.json });
  let outcomes: readonly EnqueueOutcome[];
  let messages: number;
  try {
    const result = await enqueueTokens(
      input.map((t) => t.token),
      {
        queueUrl,
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

  for (const row of rows) {
    if (row.status === 'failed') output.line(`${row.fingerprint}  failed  ${row.where}: ${row.reason}`);
  }
  output.note(
    `enqueue: ${sent} of ${outcomes.length} token(s) accepted by SQS in ${messages} message(s); ${failed.length} failed`,
  );
  output.document({
    command: 'enqueue',
    exitCode,
    queueUrl,
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
      'send tokens to the revocation queue (20 per message, 10 messages per SendMessageBatch); the handler revokes them',
    )
    .addOption(
      new Option('--queue-url <url>', 'URL of the revocation queue (stack output QueueUrl)').env(
        'REVOCATION_QUEUE_URL',
      ),
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
  $ token-revoker enqueue --queue-url "$QUEUE_URL" --file tokens.txt --reason leak
  $ export-sessions | token-revoker enqueue --queue-url "$QUEUE_URL" --json
  $ REVOCATION_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/revocations token-revoker enqueue < tokens.txt

${TOKEN_INPUT_HELP}

Needs sqs:SendMessage on the queue and kms:GenerateDataKey + kms:Decrypt on its key; credentials
come from the AWS SDK's usual chain (environment, profile, SSO, instance role).

${EXIT_CODES_HELP}
`,
    );
  return command.action(async (args: string[], flags: EnqueueFlags) => {
    setExitCode(await runEnqueue(args, flags, io));
  });
}
