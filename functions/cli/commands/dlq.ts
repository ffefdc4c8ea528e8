import { Command, Option } from 'commander';
import { addCommonOptions } from '../common-options';
import { deleteMessages } from '../dlq/delete';
import { checkDestinations, type Destination } from '../dlq/destinations';
import { entryOf } from '../dlq/entry';
import { addFilterOptions, describeFilter, selects } from '../dlq/filter';
import { receiveAll, release } from '../dlq/queue-reader';
import { redrive, type Stop } from '../dlq/redrive';
import {
  type DlqFlags,
  dlqSetup,
  NO_KEY_NOTE,
  nonNegativeInteger,
  ROUTINE_URL_LABEL,
  URGENT_URL_LABEL,
} from '../dlq/setup';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { fitTable } from '../fit-table';
import { type Io, Output } from '../io';
import { printable } from '../printable';
import { type FromCommandLine, fromCommandLineOf } from '../setting-error';
import {
  addDeadLetterOptions,
  addSqsOptions,
  describeSqsError,
  type QueueUrlUse,
  queueUrlSetting,
  type SqsFlags,
} from '../sqs-settings';
import { terminalWidth } from '../terminal-width';

type RedriveFlags = DlqFlags & {
  readonly to?: string;
  readonly includeParked?: boolean;
  readonly dryRun?: boolean;
  readonly rate?: string;
};
type DeleteFlags = DlqFlags & { readonly yes?: boolean };

const TO_LABEL = '--to';

/** `--rate 5` -> 5 messages a second; a bad value is bad usage naming the flag. */
function rateOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
    throw new CliError('--rate: not a positive number of messages a second', ExitCode.Usage);
  }
  return rate;
}

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

/** How many rows had each outcome, and the SQS error that stopped the run as the CLI reports it. */
function summaryOf(
  result: { readonly rows: readonly { readonly outcome: string }[]; readonly stoppedBy?: Stop },
  flags: SqsFlags,
): { count: (outcome: string) => number; stopped: CliError | undefined } {
  const stop = result.stoppedBy;
  return {
    count: (outcome) => result.rows.filter((row) => row.outcome === outcome).length,
    stopped: stop === undefined ? undefined : describeSqsError(stop.error, stop.queueUrl, flags),
  };
}

/** ` (lane urgent, kind parked)` for notes, or nothing. */
const filterNote = (text: string) => (text === '' ? '' : ` (${text})`);

/** The queue URLs a JSON document names. */
const queueUrlsOf = (queues: readonly { source: string; url: string }[]) => ({
  dlqUrl: queues.find((queue) => queue.source === 'dead_letter')?.url ?? null,
  parkedUrl: queues.find((queue) => queue.source === 'parked')?.url ?? null,
});

async function runList(flags: DlqFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const maxMessages = nonNegativeInteger(flags.maxMessages, '--max-messages') ?? 1000;
  const waitSeconds = nonNegativeInteger(flags.waitSeconds, '--wait-seconds');
  const { queues, laneUrls, filter, key, sqs } = await dlqSetup(flags, io, fromCommandLine, (text) =>
    output.note(text),
  );
  try {
    const now = Date.now();
    const rows = [];
    let notReleased = 0;
    let read = 0;
    for (const queue of queues) {
      const messages = await receiveAll(sqs, queue.url, {
        maxMessages,
        waitSeconds,
        visibilityTimeout: 30,
      }).catch((error: unknown) => {
        throw describeSqsError(error, queue.url, flags);
      });
      notReleased += await release(sqs, queue.url, messages);
      read += messages.length;
      for (const message of messages) {
        const entry = entryOf(message, queue, key, laneUrls);
        if (!selects(filter, entry)) continue;
        const sent = Number(message.Attributes?.SentTimestamp);
        const { kind, reason, detail, tokenCount, fingerprints, action, replay } = entry.classified;
        rows.push({
          messageId: message.MessageId ?? '',
          queue: queue.source,
          kind,
          lane: entry.lane,
          reason,
          detail,
          ...(action === undefined ? {} : { action }),
          tokenCount,
          fingerprints,
          redrive: 'problem' in replay ? `refused: ${replay.problem}` : 'sends this request',
          sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
          ageSeconds: Number.isFinite(sent) ? Math.max(0, Math.round((now - sent) / 1000)) : undefined,
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        });
      }
    }
    if (!output.json && rows.length > 0) {
      // Fits the terminal: content moves under its row, then the message id, the fingerprints, the
      // reason and the kind are cut, in that order (--json has every value whole).
      const table = fitTable(
        ['message id', 'kind', 'lane', 'reason', 'tokens', 'age', 'receives', 'content'],
        rows.map((row) =>
          [
            row.messageId,
            row.kind,
            row.lane,
            row.reason,
            `${row.tokenCount}: ${shortList(row.fingerprints, row.tokenCount)}`,
            row.ageSeconds === undefined ? '?' : formatAge(row.ageSeconds),
            String(row.receiveCount),
            row.detail,
          ].map(printable),
        ),
        terminalWidth(io.stdout, io.env),
        {
          detail: 7,
          shrink: [
            { column: 0, min: 10 },
            { column: 4, min: 15 },
            { column: 3, min: 12 },
            { column: 1, min: 6 },
          ],
        },
      );
      for (const line of table) output.line(line);
    }
    if (key === undefined) output.note(`dlq list: ${NO_KEY_NOTE}`);
    const selected = describeFilter(filter);
    output.note(
      `dlq list: ${rows.length} message(s)${selected === '' ? '' : ` of ${read} read (${selected})`} (nothing deleted; receive counts include this listing)${notReleased > 0 ? `; ${notReleased} could not be made visible again and stay hidden for up to 30 s` : ''}`,
    );
    output.document({
      command: 'dlq list',
      exitCode: ExitCode.Ok,
      ...queueUrlsOf(queues),
      parkingKey: key !== undefined,
      filter,
      messages: rows,
    });
    return ExitCode.Ok;
  } finally {
    sqs.destroy();
  }
}

async function runRedrive(flags: RedriveFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const to = flags.to === undefined ? undefined : queueUrlSetting(flags.to, TO_LABEL, fromCommandLine('to'));
  const maxMessages = nonNegativeInteger(flags.maxMessages, '--max-messages');
  const waitSeconds = nonNegativeInteger(flags.waitSeconds, '--wait-seconds');
  const ratePerSecond = rateOf(flags.rate);
  const extra: QueueUrlUse[] = to === undefined ? [] : [{ url: to, label: TO_LABEL, fromCommandLine: true }];
  const { queues, laneUrls, filter, key, sqs } = await dlqSetup(
    flags,
    io,
    fromCommandLine,
    (text) => output.note(text),
    extra,
  );
  try {
    const destinations: Destination[] =
      to !== undefined
        ? [{ url: to, what: 'the --to queue', label: TO_LABEL }]
        : [
            ...(laneUrls.routine === undefined
              ? []
              : [{ url: laneUrls.routine, what: "the routine lane's queue", label: ROUTINE_URL_LABEL }]),
            ...(laneUrls.urgent === undefined
              ? []
              : [{ url: laneUrls.urgent, what: "the urgent lane's queue", label: URGENT_URL_LABEL }]),
          ];
    if (destinations.length === 0) {
      throw new CliError(
        `no destination: pass ${ROUTINE_URL_LABEL} and ${URGENT_URL_LABEL} (stack outputs QueueUrl and UrgentQueueUrl) to send each message back to its lane, or --to QUEUE_URL to send every selected one there`,
        ExitCode.Usage,
      );
    }
    await checkDestinations(sqs, destinations, (error, url) => describeSqsError(error, url, flags));
    if (key === undefined) output.note(`dlq redrive: ${NO_KEY_NOTE}`);
    const includeParked =
      flags.includeParked === true || filter.kind === 'parked' || filter.kind === 'unsealed';
    const result = await redrive(sqs, queues, {
      lanes: { urls: laneUrls, flags: { routine: ROUTINE_URL_LABEL, urgent: URGENT_URL_LABEL } },
      ...(to === undefined ? {} : { to }),
      includeParked,
      dryRun: flags.dryRun === true,
      parkingKey: key,
      filter,
      ...(maxMessages === undefined ? {} : { maxMessages }),
      ...(waitSeconds === undefined ? {} : { waitSeconds }),
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    });
    const { count, stopped } = summaryOf(result, flags);
    // A message refused (its request would be parked again, or its lane has no queue) is not moved.
    const refused = result.rows.filter((row) => row.detail?.startsWith('refused:')).length;
    const notMoved = count('failed') + count('duplicated') + refused;
    const exitCode =
      stopped !== undefined ? ExitCode.Unavailable : notMoved > 0 ? ExitCode.Partial : ExitCode.Ok;
    for (const row of result.rows) {
      output.line(
        printable(
          `${row.messageId}  ${row.kind.padEnd(13)}  ${row.lane.padEnd(7)}  ${row.reason.padEnd(22)}  ${row.outcome}  ${row.action ?? '-'} ${row.tokenCount}: ${shortList(row.fingerprints, row.tokenCount)}${row.destination === undefined ? '' : `  -> ${row.destination}`}${row.detail ? `  (${row.detail})` : ''}`,
        ),
      );
    }
    const where = to === undefined ? "each message's lane" : to;
    const selected = filterNote(describeFilter(filter));
    output.note(
      flags.dryRun
        ? `dlq redrive --dry-run${selected}: ${count('would_move')} would be sent to ${where}, ${count('left')} would stay (${refused} refused); nothing sent or deleted`
        : `dlq redrive${selected}: ${count('moved')} moved to ${where}, ${count('left')} left (${refused} refused)${includeParked ? '' : ' (--include-parked moves parked ones too)'}, ${count('failed')} failed, ${count('duplicated')} copied but not deleted${ratePerSecond === undefined ? '' : `; at most ${ratePerSecond} a second`}`,
    );
    if (stopped !== undefined) output.note(stopped.message);
    output.document({
      command: 'dlq redrive',
      exitCode,
      ...queueUrlsOf(queues),
      method: 'copy',
      dryRun: flags.dryRun === true,
      parkingKey: key !== undefined,
      filter,
      destination: to ?? laneUrls,
      ratePerSecond: ratePerSecond ?? null,
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

/** `invalid_token 3, max_receives_exceeded 1`: the reasons of the selected messages, most frequent first. */
function reasonCounts(rows: readonly { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.reason, (counts.get(row.reason) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}

async function runDelete(flags: DeleteFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const maxMessages = nonNegativeInteger(flags.maxMessages, '--max-messages');
  const waitSeconds = nonNegativeInteger(flags.waitSeconds, '--wait-seconds');
  const { queues, laneUrls, filter, key, sqs } = await dlqSetup(flags, io, fromCommandLine, (text) =>
    output.note(text),
  );
  try {
    if (key === undefined) output.note(`dlq delete: ${NO_KEY_NOTE}`);
    const yes = flags.yes === true;
    const result = await deleteMessages(sqs, queues, {
      yes,
      filter,
      parkingKey: key,
      laneUrls,
      ...(maxMessages === undefined ? {} : { maxMessages }),
      ...(waitSeconds === undefined ? {} : { waitSeconds }),
    });
    const { count, stopped } = summaryOf(result, flags);
    const exitCode =
      stopped !== undefined ? ExitCode.Unavailable : count('failed') > 0 ? ExitCode.Partial : ExitCode.Ok;
    const selected = filterNote(describeFilter(filter));
    output.note(
      `dlq delete${selected}: ${result.rows.length} message(s) selected${result.rows.length === 0 ? '' : `; reasons: ${reasonCounts(result.rows)}`} (${result.notSelected} read but not selected, left as they were)`,
    );
    for (const row of result.rows) {
      output.line(
        printable(
          `${row.messageId}  ${row.kind.padEnd(13)}  ${row.lane.padEnd(7)}  ${row.reason.padEnd(22)}  ${row.outcome}  ${row.tokenCount}: ${row.fingerprints.join(' ')}${row.detail ? `  (${row.detail})` : ''}`,
        ),
      );
    }
    output.note(
      yes
        ? `dlq delete: ${count('deleted')} deleted, ${count('failed')} not deleted`
        : `dlq delete: nothing deleted; run again with --yes to delete the ${result.rows.length} message(s) selected then`,
    );
    if (stopped !== undefined) output.note(stopped.message);
    output.document({
      command: 'dlq delete',
      exitCode,
      ...queueUrlsOf(queues),
      yes,
      parkingKey: key !== undefined,
      filter,
      selected: result.rows.length,
      deleted: count('deleted'),
      failed: count('failed'),
      notSelected: result.notSelected,
      messages: result.rows,
      ...(stopped === undefined ? {} : { error: { message: stopped.message } }),
    });
    return exitCode;
  } finally {
    sqs.destroy();
  }
}

const DLQ_HELP = `
Queues: --dlq-url (DEAD_LETTER_QUEUE_URL) is SQS's redrive target, where requests land after
maxReceiveCount failed receives; --parked-url (PARKED_QUEUE_URL) is where the functions park input
they will never retry. Give either or both: both are read (dead-letter queue first). Older
deployments park in the dead-letter queue too; such messages are still told apart by their seal.

Kinds of messages:
  parked         written by a function for input it will never retry (invalid tokens,
                 unreadable bodies, tokens the API rejected), and sealed with the parking key:
                 recognised only by that seal, never by a message attribute or a field a
                 producer could write; reason is the reject code
  dead_lettered  a request SQS moved to the dead-letter queue after maxReceiveCount failed
                 receives (API down, throttling, misconfiguration), or a failed EventBridge or
                 SNS delivery: reason max_receives_exceeded
  unreadable     in the dead-letter queue, neither: no request the functions would read
  unsealed       in the parked queue without a valid seal: not written by the functions (or
                 sealed with another key); reason no_valid_seal. Never trusted, never redriven

Lanes: a parked message's lane is the one its seal covers (messages parked before lanes were
recorded show "unknown"); a dead-lettered one's is its source queue (SQS's
DeadLetterQueueSourceArn), matched against --queue-url and --urgent-queue-url, else the stack's
queue names (...-source routine, ...-urgent urgent). Anything else is "unknown".

Filters (list, redrive, delete): --lane routine|urgent|unknown, --kind parked|dead-lettered|
unreadable|unsealed, --reason CODE (exact). A message must meet all of them; the others are not
touched and are visible again at once.

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
  return addFilterOptions(addDeadLetterOptions(addSqsOptions(addCommonOptions(command))))
    .addOption(
      new Option(
        '--queue-url <url>',
        "URL of the routine lane's queue (stack output QueueUrl): where its messages go back",
      ).env('REVOCATION_QUEUE_URL'),
    )
    .addOption(
      new Option(
        '--urgent-queue-url <url>',
        "URL of the urgent lane's queue (stack output UrgentQueueUrl): where its messages go back",
      ).env('REVOCATION_URGENT_QUEUE_URL'),
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
      'show parked and dead-lettered messages as a table (lane, fingerprints, reason, age, receive count) without deleting them',
    )
    .option('--max-messages <n>', 'list at most this many messages per queue', '1000')
    .addHelpText(
      'after',
      `${DLQ_HELP}

Listing receives each message (its receive count goes up by one) and makes it visible again at once.

Examples:
  $ token-revoker dlq list --dlq-url "$DLQ_URL" --parked-url "$PARKED_URL"
  $ token-revoker dlq list --lane urgent --kind dead-lettered
  $ token-revoker dlq list --json | jq '.messages[] | select(.kind == "parked")'

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: DlqFlags, self: Command) =>
      setExitCode(await runList(flags, io, fromCommandLineOf(self))),
    );

  const redriveCommand = dlqOptions(new Command('redrive'))
    .description(
      "send dead-lettered messages back to their own lane's queue; parked ones stay unless --include-parked",
    )
    .option('--to <url>', "send every selected message to this queue instead of its lane's")
    .option('--include-parked', 'also move parked messages, as the request each stands for')
    .option('--dry-run', 'send and delete nothing: show what would be sent for each message')
    .option('--rate <n>', 'send at most this many messages a second (default: no limit)')
    .option('--max-messages <n>', 'move at most this many messages per queue')
    .addHelpText(
      'after',
      `${DLQ_HELP}

Each message goes back to its own lane's queue: --queue-url (REVOCATION_QUEUE_URL) for routine,
--urgent-queue-url (REVOCATION_URGENT_QUEUE_URL) for urgent; --to QUEUE_URL sends every selected
message there instead. Every destination is checked before anything moves: a queue that does not
exist exits 3, even with nothing to move. A message whose lane is unknown, or whose lane has no
queue given, is refused and stays. --rate N paces the sends to N messages a second (across both
queues), so that a replay cannot spend the call budget at once.

By default only dead_lettered messages are moved, by receive, send, delete: a message is deleted
only after SQS accepted what was sent for it (if the delete fails, it is reported "duplicated";
the handler tolerates a repeated request). With --include-parked (or --kind parked), parked
messages go back as the request each stands for (its original body, or its parked tokens with
their action). What is sent for a message is exactly the request dlq list shows for it (same
action, same token fingerprints), without message attributes; a message whose request would only
be parked again (unreadable, no valid token) is refused and stays, with the reason. --dry-run
sends and deletes nothing and shows what would be sent. SQS's StartMessageMoveTask is never used:
it would send parked messages back as they are, to be parked again.

Examples:
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --queue-url "$QUEUE_URL" --urgent-queue-url "$URGENT_QUEUE_URL"
  $ token-revoker dlq redrive --lane urgent --rate 5 --dry-run
  $ token-revoker dlq redrive --parked-url "$PARKED_URL" --kind parked --reason rejected_by_api --to "$QUEUE_URL" --json

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: RedriveFlags, self: Command) =>
      setExitCode(await runRedrive(flags, io, fromCommandLineOf(self))),
    );

  const deleteCommand = dlqOptions(new Command('delete'))
    .description(
      'delete the selected messages for good: shows what it would delete (count, reasons, fingerprints) and deletes only with --yes',
    )
    .option('--yes', 'delete them; without it nothing is deleted')
    .option('--max-messages <n>', 'read at most this many messages per queue')
    .addHelpText(
      'after',
      `${DLQ_HELP}

Without --yes, delete reads the queues, prints what it would delete (the count, the reasons and each
message's fingerprints, never a token), makes every message visible again and exits 0: nothing is
deleted. With --yes it prints the same and deletes exactly the messages it printed (those of the
same read). Check with dlq list (same filters) first; deleted messages cannot be recovered.

Examples:
  $ token-revoker dlq delete --parked-url "$PARKED_URL" --kind parked --reason invalid_token
  $ token-revoker dlq delete --parked-url "$PARKED_URL" --kind parked --reason invalid_token --yes

${EXIT_CODES_HELP}
  dlq delete: 0 also when --yes was not given and nothing was deleted; 1 when some selected
  messages could not be deleted`,
    )
    .action(async (flags: DeleteFlags, self: Command) =>
      setExitCode(await runDelete(flags, io, fromCommandLineOf(self))),
    );

  return new Command('dlq')
    .description('inspect, redrive and delete dead-lettered and parked messages')
    .addCommand(list)
    .addCommand(redriveCommand)
    .addCommand(deleteCommand);
}
