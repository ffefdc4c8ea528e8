import { Command, Option } from 'commander';
import { readNumber } from '../../lib/config';
import { budgetDayOf, type ControlState } from '../../lib/control/store';
import { ConfigurationError } from '../../lib/errors';
import { DAILY_CALL_BUDGET, URGENT_RESERVE_CALLS, urgentReserveCallsFor } from '../../lib/limits';
import { Lane } from '../../lib/telemetry-names';
import {
  addControlOptions,
  type ControlFlags,
  describeAwsFailure,
  type MappingState,
  openControlStore,
  openMappingSwitch,
  urgentMappingSetting,
} from '../control-settings';
import { countDeadLetters, type DeadLetterCounts } from '../dead-letter-counts';
import type { SourceQueue } from '../dlq/entry';
import { readParkingKey } from '../dlq/setup';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { type QueueDepth, queueDepth } from '../queue-depth';
import { type FromCommandLine, fromCommandLineOf, settingError } from '../setting-error';
import {
  addDeadLetterOptions,
  addSqsOptions,
  createSqsClient,
  type DeadLetterFlags,
  DLQ_URL_LABEL,
  describeSqsError,
  PARKED_URL_LABEL,
  type QueueUrlUse,
  queueUrlSetting,
  type SqsFlags,
} from '../sqs-settings';
import { formatAge } from './dlq';

type StatusFlags = ControlFlags &
  SqsFlags &
  DeadLetterFlags & {
    readonly json?: boolean;
    readonly queueUrl?: string;
    readonly urgentQueueUrl?: string;
    readonly deadLetters: boolean;
    readonly parkingKeySecret?: string;
    readonly dailyCallBudget?: string;
    readonly urgentReserveCalls?: string;
  };

/** What status says of one lane. */
export interface LaneStatus {
  readonly paused: boolean;
  readonly pause?: { readonly reason: string; readonly since: string; readonly by?: string };
  readonly budget: { readonly spent: number; readonly limit: number; readonly left: number };
  readonly queue?: QueueDepth & { readonly url: string };
  /** The oldest message the lane last saw, and when (a run that received, a batch it sent). */
  readonly oldestPending?: { readonly ageSeconds: number; readonly seenAt: string };
  readonly eventSource?: MappingState;
}

const QUEUE_LABELS = {
  [Lane.Routine]: { flag: 'queueUrl', label: '--queue-url / REVOCATION_QUEUE_URL' },
  [Lane.Urgent]: { flag: 'urgentQueueUrl', label: '--urgent-queue-url / REVOCATION_URGENT_QUEUE_URL' },
} as const;

const FLAGS: Readonly<Record<string, string>> = {
  dailyCallBudget: '--daily-call-budget',
  urgentReserveCalls: '--urgent-reserve-calls',
};

/** The deployment's budget (the functions' DAILY_CALL_BUDGET and URGENT_RESERVE_CALLS, stack outputs of the same names). */
function budgetSettings(flags: StatusFlags, fromCommandLine: FromCommandLine) {
  const env = { DAILY_CALL_BUDGET: flags.dailyCallBudget, URGENT_RESERVE_CALLS: flags.urgentReserveCalls };
  const read = (name: keyof typeof env, flag: string, limit: Parameters<typeof readNumber>[2]) => {
    try {
      return readNumber(env, name, limit);
    } catch (error) {
      if (error instanceof ConfigurationError) throw settingError(error, fromCommandLine(flag), FLAGS[flag]);
      throw error;
    }
  };
  const dailyCallBudget = read('DAILY_CALL_BUDGET', 'dailyCallBudget', DAILY_CALL_BUDGET);
  const urgentReserveCalls = read('URGENT_RESERVE_CALLS', 'urgentReserveCalls', {
    ...URGENT_RESERVE_CALLS,
    default: urgentReserveCallsFor(dailyCallBudget),
  });
  if (urgentReserveCalls > dailyCallBudget)
    throw new CliError(
      `--urgent-reserve-calls / URGENT_RESERVE_CALLS: ${urgentReserveCalls} is more than the daily call budget (${dailyCallBudget})`,
      fromCommandLine('urgentReserveCalls') ? ExitCode.Usage : ExitCode.Unavailable,
    );
  return { dailyCallBudget, urgentReserveCalls };
}

function laneStatus(
  lane: Lane,
  state: ControlState,
  budget: { dailyCallBudget: number; urgentReserveCalls: number },
): LaneStatus {
  const pause = state.operatorPauses[lane];
  const limit =
    lane === Lane.Urgent ? budget.dailyCallBudget : budget.dailyCallBudget - budget.urgentReserveCalls;
  const backlog = state.backlogs[lane];
  return {
    paused: pause !== undefined,
    ...(pause === undefined
      ? {}
      : {
          pause: {
            reason: pause.reason,
            since: new Date(pause.at).toISOString(),
            ...(pause.by === undefined ? {} : { by: pause.by }),
          },
        }),
    budget: { spent: state.budget[lane], limit, left: Math.max(0, limit - state.budget.spent) },
    ...(backlog === undefined
      ? {}
      : {
          oldestPending: {
            ageSeconds: backlog.oldestPendingAgeSeconds,
            seenAt: new Date(backlog.at).toISOString(),
          },
        }),
  };
}

/** Lines of text: one block per lane, then the day's budget, the API, the dead-letter queue. */
function textOf(
  lanes: Readonly<Record<Lane, LaneStatus>>,
  state: ControlState,
  budget: { dailyCallBudget: number; urgentReserveCalls: number },
  deadLetters: DeadLetterCounts | undefined,
  now: number,
): string[] {
  const lines: string[] = [];
  for (const lane of [Lane.Routine, Lane.Urgent]) {
    const status = lanes[lane];
    const pause = status.pause;
    lines.push(
      `${lane}: ${pause === undefined ? 'running' : `PAUSED since ${pause.since}${pause.by === undefined ? '' : ` by ${pause.by}`}: ${pause.reason}`}${status.eventSource === undefined ? '' : ` (event source ${status.eventSource.state})`}`,
    );
    lines.push(
      `  budget: ${status.budget.spent} calls spent today, ${status.budget.left} left of ${status.budget.limit}`,
    );
    if (status.queue !== undefined) {
      const { visible, inFlight, delayed } = status.queue;
      lines.push(`  queue: ${visible} waiting, ${inFlight} in flight, ${delayed} delayed`);
    }
    if (status.oldestPending !== undefined) {
      const seen = Math.max(0, (now - Date.parse(status.oldestPending.seenAt)) / 1000);
      lines.push(
        `  oldest pending: ${formatAge(status.oldestPending.ageSeconds)} when the lane last took work, ${formatAge(seen)} ago`,
      );
    }
  }
  lines.push(
    `budget day ${state.budget.day} (UTC): ${state.budget.spent} of ${budget.dailyCallBudget} calls spent, ${budget.urgentReserveCalls} kept for urgent`,
  );
  if (state.pause !== undefined && state.pause.until > now)
    lines.push(`API pause: ${state.pause.cause} until ${new Date(state.pause.until).toISOString()}`);
  if (state.quota !== undefined)
    lines.push(
      `quota: ${state.quota.remaining}${state.quota.max === undefined ? '' : ` of ${state.quota.max}`} left, seen ${new Date(state.quota.at).toISOString()}`,
    );
  if (deadLetters !== undefined) {
    const list = (counts: Readonly<Record<string, number>>) =>
      Object.entries(counts)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');
    const kinds = Object.entries(deadLetters.byKind).map(
      ([kind, { count, reasons, lanes }]) => `${count} ${kind} (${list(reasons)}; lanes: ${list(lanes)})`,
    );
    const more = deadLetters.truncated ? '+' : '';
    lines.push(
      `dead letters: ${deadLetters.total}${more} message(s) (${list(deadLetters.byQueue)})${kinds.length === 0 ? '' : `: ${kinds.join('; ')}`}`,
    );
  }
  return lines;
}

/** Warnings: a lane whose event source disagrees with its pause. */
function warningsOf(lanes: Readonly<Record<Lane, LaneStatus>>): string[] {
  const urgent = lanes[Lane.Urgent];
  const state = urgent.eventSource?.state;
  if (state === undefined) return [];
  if (urgent.paused && state !== 'Disabled' && state !== 'Disabling')
    return [
      `the urgent lane is paused but its event source is ${state} (a deploy enables it again): its batches are held, not revoked; run token-revoker pause --lane urgent again to stop receiving`,
    ];
  if (!urgent.paused && (state === 'Disabled' || state === 'Disabling'))
    return [
      `the urgent lane is not paused but its event source is ${state}: it receives nothing; run token-revoker resume --lane urgent`,
    ];
  return [];
}

async function runStatus(flags: StatusFlags, io: Io, fromCommandLine: FromCommandLine): Promise<number> {
  const output = new Output(io, flags.json === true);
  const budget = budgetSettings(flags, fromCommandLine);
  const uuid = urgentMappingSetting(flags, fromCommandLine, undefined);
  const queues: (QueueUrlUse & { lane?: Lane })[] = [];
  for (const lane of [Lane.Routine, Lane.Urgent]) {
    const { flag, label } = QUEUE_LABELS[lane];
    const value = flags[flag];
    if (value)
      queues.push({
        url: queueUrlSetting(value, label, fromCommandLine(flag)),
        label,
        fromCommandLine: fromCommandLine(flag),
        lane,
      });
  }
  const setAside: SourceQueue[] = [];
  if (flags.deadLetters && flags.dlqUrl)
    setAside.push({
      source: 'dead_letter',
      url: queueUrlSetting(flags.dlqUrl, DLQ_URL_LABEL, fromCommandLine('dlqUrl')),
      label: DLQ_URL_LABEL,
    });
  if (flags.deadLetters && flags.parkedUrl)
    setAside.push({
      source: 'parked',
      url: queueUrlSetting(flags.parkedUrl, PARKED_URL_LABEL, fromCommandLine('parkedUrl')),
      label: PARKED_URL_LABEL,
    });
  const key = setAside.length === 0 ? undefined : await readParkingKey(flags.parkingKeySecret, io);
  const errors: string[] = [];
  const now = Date.now();

  const control = await openControlStore(flags, fromCommandLine);
  let state: ControlState;
  try {
    state = await control.store.read(budgetDayOf(now));
  } catch (error) {
    throw describeAwsFailure(error, `reading the control table ${control.tableName}`);
  } finally {
    control.destroy();
  }
  const lanes: Record<Lane, LaneStatus> = {
    [Lane.Routine]: laneStatus(Lane.Routine, state, budget),
    [Lane.Urgent]: laneStatus(Lane.Urgent, state, budget),
  };

  if (uuid !== undefined) {
    const mapping = await openMappingSwitch(flags, uuid, fromCommandLine);
    try {
      lanes[Lane.Urgent] = { ...lanes[Lane.Urgent], eventSource: await mapping.get() };
    } catch (error) {
      errors.push(describeAwsFailure(error, `reading the urgent event source mapping ${uuid}`).message);
    } finally {
      mapping.destroy();
    }
  }

  let deadLetters: DeadLetterCounts | undefined;
  const sqsQueues = [
    ...queues,
    ...setAside.map((queue) => ({
      url: queue.url,
      label: queue.label,
      fromCommandLine: fromCommandLine(queue.source === 'parked' ? 'parkedUrl' : 'dlqUrl'),
    })),
  ];
  const laneUrls = Object.fromEntries(queues.map((queue) => [queue.lane, queue.url]));
  if (sqsQueues.length > 0) {
    const sqs = await createSqsClient(flags, sqsQueues, fromCommandLine, (text) => output.note(text));
    try {
      for (const queue of queues) {
        const lane = queue.lane as Lane;
        try {
          lanes[lane] = { ...lanes[lane], queue: { url: queue.url, ...(await queueDepth(sqs, queue.url)) } };
        } catch (error) {
          errors.push(describeSqsError(error, queue.url, flags).message);
        }
      }
      if (setAside.length > 0) {
        try {
          deadLetters = await countDeadLetters(sqs, setAside, key, laneUrls);
        } catch (error) {
          errors.push(describeSqsError(error, setAside.map((queue) => queue.url).join(', '), flags).message);
        }
      }
    } finally {
      sqs.destroy();
    }
  }
  // A lane whose queue is empty has nothing pending, whatever it saw last.
  for (const lane of [Lane.Routine, Lane.Urgent]) {
    const { queue, oldestPending, ...rest } = lanes[lane];
    if (queue !== undefined && queue.visible + queue.inFlight + queue.delayed === 0)
      lanes[lane] = { ...rest, queue };
  }

  const warnings = warningsOf(lanes);
  const exitCode = errors.length > 0 ? ExitCode.Unavailable : ExitCode.Ok;
  for (const line of textOf(lanes, state, budget, deadLetters, now)) output.line(line);
  for (const warning of warnings) output.note(`status: warning: ${warning}`);
  for (const error of errors) output.note(`status: ${error}`);
  if (setAside.length > 0 && key === undefined)
    output.note(
      'status: no parking key (--parking-key-secret or PARKED_MESSAGE_KEY): no message is counted as parked',
    );
  if (flags.deadLetters && !flags.dlqUrl)
    output.note(`status: no ${DLQ_URL_LABEL}: dead-lettered requests not counted`);
  if (flags.deadLetters && !flags.parkedUrl)
    output.note(`status: no ${PARKED_URL_LABEL}: parked input not counted`);
  output.document({
    command: 'status',
    exitCode,
    at: new Date(now).toISOString(),
    lanes,
    budget: { day: state.budget.day, spent: state.budget.spent, ...budget },
    apiPause:
      state.pause !== undefined && state.pause.until > now
        ? { cause: state.pause.cause, until: new Date(state.pause.until).toISOString() }
        : undefined,
    quota:
      state.quota === undefined ? undefined : { ...state.quota, at: new Date(state.quota.at).toISOString() },
    ...(deadLetters === undefined ? {} : { deadLetters }),
    warnings,
    ...(errors.length === 0 ? {} : { errors }),
  });
  return exitCode;
}

/** `token-revoker status`: pauses, budget, queues and dead letters of both lanes. */
export function statusCommand(io: Io, setExitCode: (code: number) => void): Command {
  return addDeadLetterOptions(addSqsOptions(addControlOptions(new Command('status'))))
    .description(
      'show each lane: paused or not (why, since when, by whom), budget spent and left, queue depth, oldest pending message, and dead letters by kind and reason',
    )
    .option('--json', 'print one JSON document on stdout (for scripts) instead of text')
    .addOption(
      new Option('--queue-url <url>', 'the routine queue (stack output QueueUrl)').env(
        'REVOCATION_QUEUE_URL',
      ),
    )
    .addOption(
      new Option('--urgent-queue-url <url>', 'the urgent queue (stack output UrgentQueueUrl)').env(
        'REVOCATION_URGENT_QUEUE_URL',
      ),
    )
    .option('--no-dead-letters', 'do not read the dead-letter and parked queues')
    .addOption(
      new Option(
        '--parking-key-secret <arn>',
        'secret holding the parking key (stack output ParkingKeySecretArn)',
      ).env('PARKED_MESSAGE_KEY_SECRET_ID'),
    )
    .addOption(
      new Option(
        '--daily-call-budget <n>',
        "the deployment's daily call budget (stack output DailyCallBudget)",
      ).env('DAILY_CALL_BUDGET'),
    )
    .addOption(
      new Option('--urgent-reserve-calls <n>', 'calls kept for urgent (stack output UrgentReserveCalls)').env(
        'URGENT_RESERVE_CALLS',
      ),
    )
    .addHelpText(
      'after',
      `
Each part is read without changing anything: the control table (pauses, the day's budget, the API's
pause and quota, the oldest message each lane last saw), the urgent event source mapping (when
--urgent-mapping is given), the queues' depths (GetQueueAttributes: nothing is received) and the
dead-letter queue (each message is received once and made visible again at once, as dlq list does;
--no-dead-letters skips it). A part that is not configured is left out; one that fails is reported
and exits 3 after the others are shown.

Examples:
  $ token-revoker status
  $ token-revoker status --json | jq '.lanes.urgent.paused'

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: StatusFlags, self: Command) => {
      setExitCode(await runStatus(flags, io, fromCommandLineOf(self)));
    });
}
