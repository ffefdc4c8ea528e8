import { Command, Option } from 'commander';
import { addCommonOptions, type CommonFlags } from '../common-options';
import { classifyMessage } from '../dlq/classify';
import { receiveAll, release } from '../dlq/queue-reader';
import { redrive } from '../dlq/redrive';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { fitTable } from '../fit-table';
import { type Io, Output } from '../io';
import { printable } from '../printable';
import { type FromCommandLine, fromCommandLineOf } from '../setting-error';
import {
  addSqsOptions,
  createSqsClient,
  describeSqsError,
  queueUrlSetting,
  type SqsFlags,
} from '../sqs-settings';
import { terminalWidth } from '../terminal-width';

type DlqFlags = CommonFlags &
  SqsFlags & {
    readonly dlqUrl?: string;
    readonly to?: string;
    readonly includeParked?: boolean;
    readonly maxMessages?: string;
    readonly waitSeconds: string;
  };

function nonNegativeInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < 0)
    throw new CliError(`${flag}: not a non-negative integer`, ExitCode.Usage);
  return number;
}

const DLQ_URL_LABEL = '--dlq-url / DEAD_LETTER_QUEUE_URL';
const TO_LABEL = '--to / REVOCATION_QUEUE_URL';

/** 95 -> `1m35s`, 90061 -> `1d1h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

const shortList = (fingerprints: readonly string[], count: number) =>
  count <= 3 ? fingerprints.join(' ') : `${fingerprints.slice(0, 3).join(' ')} +${count - 3}`;

async function runList(flags: DlqFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const dlqUrl = queueUrlSetting(flags.dlqUrl, DLQ_URL_LABEL, fromCommandLine('dlqUrl'));
  const maxMessages = nonNegativeInteger(flags.maxMessages, '--max-messages') ?? 1000;
  const waitSeconds = nonNegativeInteger(flags.waitSeconds, '--wait-seconds');
  const sqs = await createSqsClient(
    flags,
    [{ url: dlqUrl, label: DLQ_URL_LABEL, fromCommandLine: fromCommandLine('dlqUrl') }],
    fromCommandLine,
    (text) => output.note(text),
  );
  try {
    const messages = await receiveAll(sqs, dlqUrl, { maxMessages, waitSeconds, visibilityTimeout: 30 }).catch(
      (error: unknown) => {
        throw describeSqsError(error, dlqUrl, flags);
      },
    );
    const notReleased = await release(sqs, dlqUrl, messages);
    const now = Date.now();
    const rows = messages.map((message) => {
      const sent = Number(message.Attributes?.SentTimestamp);
      const { kind, reason, detail, tokenCount, fingerprints } = classifyMessage(message);
      return {
        messageId: message.MessageId ?? '',
        kind,
        reason,
        detail,
        tokenCount,
        fingerprints,
        sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
        ageSeconds: Number.isFinite(sent) ? Math.max(0, Math.round((now - sent) / 1000)) : undefined,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      };
    });
    if (!output.json && rows.length > 0) {
      // Fits the terminal: content moves under its row, then the message id, the fingerprints, the
      // reason and the kind are cut, in that order (--json has every value whole).
      const table = fitTable(
        ['message id', 'kind', 'reason', 'tokens', 'age', 'receives', 'content'],
        rows.map((row) =>
          [
            row.messageId,
            row.kind,
            row.reason,
            `${row.tokenCount}: ${shortList(row.fingerprints, row.tokenCount)}`,
            row.ageSeconds === undefined ? '?' : formatAge(row.ageSeconds),
            String(row.receiveCount),
            row.detail,
          ].map(printable),
        ),
        terminalWidth(io.stdout, io.env),
        {
          detail: 6,
          shrink: [
            { column: 0, min: 10 },
            { column: 3, min: 15 },
            { column: 2, min: 12 },
            { column: 1, min: 6 },
          ],
        },
      );
      for (const line of table) output.line(line);
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

async function runRedrive(flags: DlqFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const dlqUrl = queueUrlSetting(flags.dlqUrl, DLQ_URL_LABEL, fromCommandLine('dlqUrl'));
  const to = flags.to === undefined ? undefined : queueUrlSetting(flags.to, TO_LABEL, fromCommandLine('to'));
  const maxMessages = nonNegativeInteger(flags.maxMessages, '--max-messages');
  const waitSeconds = nonNegativeInteger(flags.waitSeconds, '--wait-seconds');
  const sqs = await createSqsClient(
    flags,
    [
      { url: dlqUrl, label: DLQ_URL_LABEL, fromCommandLine: fromCommandLine('dlqUrl') },
      ...(to === undefined ? [] : [{ url: to, label: TO_LABEL, fromCommandLine: fromCommandLine('to') }]),
    ],
    fromCommandLine,
    (text) => output.note(text),
  );
  try {
    const result = await redrive(sqs, dlqUrl, to, {
      includeParked: flags.includeParked === true,
      maxMessages,
      waitSeconds,
    }).catch((error: unknown) => {
      throw error instanceof CliError ? error : describeSqsError(error, dlqUrl, flags);
    });
    const count = (outcome: string) => result.rows.filter((row) => row.outcome === outcome).length;
    const stopped =
      result.stoppedBy === undefined ? undefined : describeSqsError(result.stoppedBy, dlqUrl, flags);
    // With --include-parked, a message left behind is one that could not be replayed.
    const notMoved = count('failed') + count('duplicated') + (flags.includeParked ? count('left') : 0);
    const exitCode =
      stopped !== undefined ? ExitCode.Unavailable : notMoved > 0 ? ExitCode.Partial : ExitCode.Ok;
    for (const row of result.rows) {
      output.line(
        `${row.messageId}  ${row.kind.padEnd(13)}  ${row.reason.padEnd(22)}  ${row.outcome}${row.detail ? `  (${row.detail})` : ''}`,
      );
    }
    output.note(
      `dlq redrive: ${count('moved')} moved to ${result.destination}, ${count('left')} left in the DLQ${flags.includeParked ? '' : ' (--include-parked moves parked and unreadable ones too)'}, ${count('failed')} failed, ${count('duplicated')} copied but not deleted`,
    );
    if (stopped !== undefined) output.note(stopped.message);
    output.document({
      command: 'dlq redrive',
      exitCode,
      dlqUrl,
      method: 'copy',
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
                 unreadable bodies, tokens the API rejected); recognised by its reason message
                 attribute (a known code), else by its body (parkedAt); reason is the reject code
  dead_lettered  an original request SQS moved here after maxReceiveCount failed receives
                 (API down, throttling, misconfiguration): reason max_receives_exceeded
  unreadable     neither format

Message bodies are never printed, not even in part: they may hold tokens and terminal escape
sequences. The content column gives sizes, types, positions and problem codes only; a reason
that is not a known code shows as "unknown". Text from the queue is printed without control
characters.`;

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
    .action(async (flags: DlqFlags, self: Command) =>
      setExitCode(await runList(flags, io, fromCommandLineOf(self))),
    );

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
      'also move parked messages (as their original request) and unreadable ones; most will be parked again',
    )
    .option('--max-messages <n>', 'move at most this many messages')
    .addHelpText(
      'after',
      `${DLQ_HELP}

By default only dead_lettered messages are moved, by receive, send, delete: a message is deleted from
the DLQ only after SQS accepted what was sent for it (if the delete fails, it is reported
"duplicated"; the handler tolerates a repeated request). With --include-parked, parked messages go
back as their original request (the parked body, or the parked tokens with their action as a
request), without the parked reason attribute, and unreadable ones as they are; a parked message
that holds neither stays. SQS's StartMessageMoveTask is never used: it would send parked messages
back as they are, to be parked again.

Without --to, the destination is the DLQ's only source queue (ListDeadLetterSourceQueues). With
two lanes the DLQ has two source queues, and local servers list none: then pass --to QUEUE_URL.

Examples:
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --to "$QUEUE_URL"
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --to "$QUEUE_URL" --include-parked --json

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: DlqFlags, self: Command) =>
      setExitCode(await runRedrive(flags, io, fromCommandLineOf(self))),
    );

  return new Command('dlq')
    .description('inspect and redrive the dead-letter queue')
    .addCommand(list)
    .addCommand(redriveCommand);
}
