import { Command, Option } from 'commander';
import { resolveStoredText } from '../../lib/app-key';
import type { KeySource } from '../../lib/config';
import { type ParkingKey, parkingKey } from '../../lib/parked-message';
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
    readonly dryRun?: boolean;
    readonly parkingKeySecret?: string;
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

/**
 * The parking key (decision record 0005): PARKED_MESSAGE_KEY (the key itself, local pipelines) or
 * --parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID (the stack's secret, output ParkingKeySecretArn,
 * readable by the operator roles). Without one, no message is taken for parked.
 */
async function parkingKeyOf(flags: DlqFlags, io: Io): Promise<ParkingKey | undefined> {
  const plain = io.env.PARKED_MESSAGE_KEY;
  if (plain && flags.parkingKeySecret) {
    throw new CliError(
      'PARKED_MESSAGE_KEY and --parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID: give one',
      ExitCode.Usage,
    );
  }
  const source: KeySource = plain
    ? { kind: 'plain', key: plain }
    : flags.parkingKeySecret
      ? { kind: 'secret', secretId: flags.parkingKeySecret }
      : { kind: 'none' };
  const setting = plain ? 'PARKED_MESSAGE_KEY' : '--parking-key-secret / PARKED_MESSAGE_KEY_SECRET_ID';
  try {
    const text = await resolveStoredText(source, {
      what: 'the parking key',
      secret: setting,
      parameter: setting,
    });
    return text === undefined ? undefined : parkingKey(text, setting);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.Usage);
  }
}

const NO_KEY_NOTE =
  'no parking key (--parking-key-secret or PARKED_MESSAGE_KEY): no message can be recognised as parked';

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
  const key = await parkingKeyOf(flags, io);
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
      const { kind, reason, detail, tokenCount, fingerprints, action, replay } = classifyMessage(
        message,
        key,
      );
      return {
        messageId: message.MessageId ?? '',
        kind,
        reason,
        detail,
        ...(action === undefined ? {} : { action }),
        tokenCount,
        fingerprints,
        redrive: 'problem' in replay ? `refused: ${replay.problem}` : 'sends this request',
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
    if (key === undefined) output.note(`dlq list: ${NO_KEY_NOTE}`);
    output.note(
      `dlq list: ${rows.length} message(s) (nothing deleted; receive counts include this listing)${notReleased > 0 ? `; ${notReleased} could not be made visible again and stay hidden for up to 30 s` : ''}`,
    );
    output.document({
      command: 'dlq list',
      exitCode: ExitCode.Ok,
      dlqUrl,
      parkingKey: key !== undefined,
      messages: rows,
    });
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
  const key = await parkingKeyOf(flags, io);
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
    if (key === undefined) output.note(`dlq redrive: ${NO_KEY_NOTE}`);
    const result = await redrive(sqs, dlqUrl, to, {
      includeParked: flags.includeParked === true,
      dryRun: flags.dryRun === true,
      parkingKey: key,
      maxMessages,
      waitSeconds,
    }).catch((error: unknown) => {
      throw error instanceof CliError ? error : describeSqsError(error, dlqUrl, flags);
    });
    const count = (outcome: string) => result.rows.filter((row) => row.outcome === outcome).length;
    const stopped =
      result.stoppedBy === undefined ? undefined : describeSqsError(result.stoppedBy, dlqUrl, flags);
    // A message refused (its request would be parked again) is not moved.
    const refused = result.rows.filter((row) => row.detail?.startsWith('refused:')).length;
    const notMoved = count('failed') + count('duplicated') + refused;
    const exitCode =
      stopped !== undefined ? ExitCode.Unavailable : notMoved > 0 ? ExitCode.Partial : ExitCode.Ok;
    for (const row of result.rows) {
      output.line(
        `${row.messageId}  ${row.kind.padEnd(13)}  ${row.reason.padEnd(22)}  ${row.outcome}  ${row.action ?? '-'} ${row.tokenCount}: ${shortList(row.fingerprints, row.tokenCount)}${row.detail ? `  (${row.detail})` : ''}`,
      );
    }
    output.note(
      flags.dryRun
        ? `dlq redrive --dry-run: ${count('would_move')} would be sent to ${result.destination}, ${count('left')} would stay (${refused} refused); nothing sent or deleted`
        : `dlq redrive: ${count('moved')} moved to ${result.destination}, ${count('left')} left in the DLQ (${refused} refused)${flags.includeParked ? '' : ' (--include-parked moves parked ones too)'}, ${count('failed')} failed, ${count('duplicated')} copied but not deleted`,
    );
    if (stopped !== undefined) output.note(stopped.message);
    output.document({
      command: 'dlq redrive',
      exitCode,
      dlqUrl,
      method: 'copy',
      dryRun: flags.dryRun === true,
      parkingKey: key !== undefined,
      destination: result.destination,
      moved: count('moved'),
      wouldMove: count('would_move'),
      refused,
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
  parked         written by a function for input it will never retry (invalid tokens,
                 unreadable bodies, tokens the API rejected), and sealed with the parking key:
                 recognised only by that seal, never by a message attribute or a field a
                 producer could write; reason is the reject code
  dead_lettered  a request SQS moved here after maxReceiveCount failed receives (API down,
                 throttling, misconfiguration), or a failed EventBridge or SNS delivery:
                 reason max_receives_exceeded
  unreadable     neither: no request the functions would read

The parking key: --parking-key-secret ARN (or PARKED_MESSAGE_KEY_SECRET_ID; the stack output
ParkingKeySecretArn, readable by the operator roles), or PARKED_MESSAGE_KEY (the key itself, for
local pipelines). Without it no message is taken for parked.

Each row shows the request redrive would send for the message (action, token count and
fingerprints), read as the functions read it, or why redrive refuses it.

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
    .option('--wait-seconds <n>', 'long-poll wait of each receive; the read ends at the first empty one', '1')
    .addOption(
      new Option(
        '--parking-key-secret <arn>',
        'secret holding the parking key (stack output ParkingKeySecretArn)',
      ).env('PARKED_MESSAGE_KEY_SECRET_ID'),
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
    .option('--include-parked', 'also move parked messages, as the request each stands for')
    .option('--dry-run', 'send and delete nothing: show what would be sent for each message')
    .option('--max-messages <n>', 'move at most this many messages')
    .addHelpText(
      'after',
      `${DLQ_HELP}

By default only dead_lettered messages are moved, by receive, send, delete: a message is deleted from
the DLQ only after SQS accepted what was sent for it (if the delete fails, it is reported
"duplicated"; the handler tolerates a repeated request). With --include-parked, parked messages go
back as the request each stands for (its original body, or its parked tokens with their action).
What is sent for a message is exactly the request dlq list shows for it (same action, same token
fingerprints), without message attributes; a message whose request would only be parked again
(unreadable, no valid token) is refused and stays, with the reason. --dry-run sends and deletes
nothing and shows what would be sent. SQS's StartMessageMoveTask is never used: it would send
parked messages back as they are, to be parked again.

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
