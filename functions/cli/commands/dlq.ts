import Table from 'cli-table3';
import { Command, Option } from 'commander';
import { addCommonOptions, type CommonFlags } from '../common-options';
import { classifyMessage } from '../dlq/classify';
import { receiveAll, release } from '../dlq/queue-reader';
import { redrive } from '../dlq/redrive';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import {
  addSqsOptions,
  checkQueueUrl,
  createSqsClient,
  describeSqsError,
  type SqsFlags,
} from '../sqs-settings';

type DlqFlags = CommonFlags &
  SqsFlags & {
    readonly dlqUrl?: string;
    readonly to?: string;
    readonly includeParked?: boolean;
    readonly maxMessages?: string;
    readonly waitSeconds: string;
  };

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw new CliError(`${flag}: "${value}" is not a non-negative integer`, ExitCode.Usage);
  return number;
}

/** 95 -> `1m35s`, 90061 -> `1d1h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

const shortList = (fingerprints: readonly string[]) =>
  fingerprints.length <= 3
    ? fingerprints.join(' ')
    : `${fingerprints.slice(0, 3).join(' ')} +${fingerprints.length - 3}`;

async function runList(flags: DlqFlags, io: Io): Promise<number> {
  const output = new Output(io, flags.json === true);
  const dlqUrl = checkQueueUrl(flags.dlqUrl, '--dlq-url (or DEAD_LETTER_QUEUE_URL)');
  const sqs = await createSqsClient(flags, dlqUrl);
  try {
    const messages = await receiveAll(sqs, dlqUrl, {
      maxMessages: positiveInteger(flags.maxMessages, '--max-messages') ?? 1000,
      waitSeconds: positiveInteger(flags.waitSeconds, '--wait-seconds'),
      visibilityTimeout: 30,
    }).catch((error: unknown) => {
      throw describeSqsError(error, dlqUrl, flags);
    });
    const notReleased = await release(sqs, dlqUrl, messages);
    const now = Date.now();
    const rows = messages.map((message) => {
      const sent = Number(message.Attributes?.SentTimestamp);
      const { kind, reason, detail, fingerprints } = classifyMessage(message.Body ?? '');
      return {
        messageId: message.MessageId ?? '',
        kind,
        reason,
        ...(detail === undefined ? {} : { detail }),
        fingerprints,
        sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
        ageSeconds: Number.isFinite(sent) ? Math.max(0, Math.round((now - sent) / 1000)) : undefined,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      };
    });
    if (!output.json && rows.length > 0) {
      const table = new Table({
        head: ['message id', 'kind', 'reason', 'tokens (fingerprints)', 'age', 'receives'],
        style: { head: [], border: [] },
      });
      for (const row of rows) {
        table.push([
          row.messageId,
          row.kind,
          row.reason,
          `${row.fingerprints.length}: ${shortList(row.fingerprints)}`,
          row.ageSeconds === undefined ? '?' : formatAge(row.ageSeconds),
          String(row.receiveCount),
        ]);
      }
      output.line(table.toString());
    }
    output.note(
      `dlq list: ${rows.length} message(s) (nothing deleted; receive counts include this listing)${notReleased > 0 ? `; ${notReleased} could not be made visible again and stay hidden for up to 30 s` : ''}`,
    );
    output.document({ command: 'dlq list', exitCode: ExitCode.Ok, dlqUrl, messages: rows });
    return ExitCode.Ok;
  } finally {
    sqs.destroy();
  }
}

async function runRedrive(flags: DlqFlags, io: Io): Promise<number> {
  const output = new Output(io, flags.json === true);
  const dlqUrl = checkQueueUrl(flags.dlqUrl, '--dlq-url (or DEAD_LETTER_QUEUE_URL)');
  const to = flags.to === undefined ? undefined : checkQueueUrl(flags.to, '--to');
  const sqs = await createSqsClient(flags, dlqUrl);
  try {
    const result = await redrive(sqs, dlqUrl, to, {
      includeParked: flags.includeParked === true,
      maxMessages: positiveInteger(flags.maxMessages, '--max-messages'),
      waitSeconds: positiveInteger(flags.waitSeconds, '--wait-seconds'),
    }).catch((error: unknown) => {
      throw error instanceof CliError ? error : describeSqsError(error, dlqUrl, flags);
    });
    if (result.method === 'move_task') {
      output.line(
        `started an SQS message move task to ${result.destination} (task handle ${result.taskHandle ?? '?'})`,
      );
      output.document({ command: 'dlq redrive', exitCode: ExitCode.Ok, dlqUrl, ...result });
      return ExitCode.Ok;
    }
    const count = (outcome: string) => result.rows.filter((row) => row.outcome === outcome).length;
    const stopped =
      result.stoppedBy === undefined ? undefined : describeSqsError(result.stoppedBy, dlqUrl, flags);
    const exitCode =
      stopped !== undefined
        ? ExitCode.Unavailable
        : count('failed') + count('duplicated') > 0
          ? ExitCode.Partial
          : ExitCode.Ok;
    for (const row of result.rows) {
      output.line(
        `${row.messageId}  ${row.kind.padEnd(13)}  ${row.reason.padEnd(22)}  ${row.outcome}${row.detail ? `  (${row.detail})` : ''}`,
      );
    }
    output.note(
      `dlq redrive: ${count('moved')} moved to ${result.destination}, ${count('left')} parked/unreadable left in the DLQ${flags.includeParked ? '' : ' (--include-parked moves them too)'}, ${count('failed')} failed, ${count('duplicated')} copied but not deleted`,
    );
    if (stopped !== undefined) output.note(stopped.message);
    output.document({
      command: 'dlq redrive',
      exitCode,
      dlqUrl,
      method: result.method,
      destination: result.destination,
      moved: count('moved'),
      left: count('left'),
      failed: count('failed'),
      duplicated: count('duplicated'),
      messages: result.rows,
      ...(stopped === undefined ? {} : { error: { message: stopped.message } }),
    });
    return exitCode;
  } finally {
    sqs.destroy();
  }
}

const DLQ_HELP = `
Kinds of messages:
  parked         written by the handler for input it will never retry (invalid tokens,
                 unreadable bodies, tokens the API rejected): reason is its reject code
  dead_lettered  an original request SQS moved here after maxReceiveCount failed receives
                 (API down, throttling, misconfiguration): reason max_receives_exceeded
  unreadable     neither format`;

function dlqOptions(command: Command): Command {
  return addSqsOptions(addCommonOptions(command))
    .addOption(
      new Option('--dlq-url <url>', 'URL of the dead-letter queue (stack output DeadLetterQueueUrl)').env(
        'DEAD_LETTER_QUEUE_URL',
      ),
    )
    .option(
      '--wait-seconds <n>',
      'long-poll wait of each receive; the read ends at the first empty one',
      '1',
    );
}

export function dlqCommand(io: Io, setExitCode: (code: number) => void): Command {
  const list = dlqOptions(new Command('list'))
    .description(
      'show parked and dead-lettered messages as a table (fingerprints, reason, age, receive count) without deleting them',
    )
    .option('--max-messages <n>', 'list at most this many messages', '1000')
    .addHelpText(
      'after',
      `${DLQ_HELP}

Listing receives each message (its receive count goes up by one) and makes it visible again at once.

Examples:
  $ token-revoker dlq list --dlq-url "$DLQ_URL"
  $ token-revoker dlq list --json | jq '.messages[] | select(.kind == "parked")'

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: DlqFlags) => setExitCode(await runList(flags, io)));

  const redriveCommand = dlqOptions(new Command('redrive'))
    .description(
      'move dead-lettered messages back to the source queue; parked ones stay unless --include-parked',
    )
    .addOption(
      new Option('--to <url>', "destination queue (default: the DLQ's only source queue)").env(
        'REVOCATION_QUEUE_URL',
      ),
    )
    .option(
      '--include-parked',
      'also move parked and unreadable messages (the handler will most likely park them again)',
    )
    .option('--max-messages <n>', 'move at most this many messages (always copies, never a move task)')
    .addHelpText(
      'after',
      `${DLQ_HELP}

By default only dead_lettered messages are moved, by receive, send, delete: a message is deleted from
the DLQ only after SQS accepted its copy (if the delete fails, it is reported "duplicated"; the
handler tolerates a repeated request). With --include-parked everything is moved, with SQS's
StartMessageMoveTask where the server supports it, else by copying.

Examples:
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --to "$QUEUE_URL"
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --to "$QUEUE_URL" --include-parked --json

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: DlqFlags) => setExitCode(await runRedrive(flags, io)));

  return new Command('dlq')
    .description('inspect and redrive the dead-letter queue')
    .addCommand(list)
    .addCommand(redriveCommand);
}
