import type { Context } from 'aws-lambda';
import type { DrainClock, DrainReport } from '../../functions/routine-consumer/drain';
import type { Received, RoutineQueue } from '../../functions/routine-consumer/routine-queue';
import type { DrainQueues, RunOptions } from './support';

/**
 * A clock that stands still until the run sleeps (or the test advances it): a run of many rounds takes
 * milliseconds, and every time it counts is exact. `meanwhile` runs at each sleep, before the clock
 * moves: what happens between two rounds (more messages arrive, ...).
 */
export interface ManualClock extends DrainClock {
  /** Every sleep the run asked for, in order (ms). */
  readonly sleeps: number[];
  advance(ms: number): void;
}

export function manualClock(
  start = Date.now(),
  meanwhile: (sleep: number) => Promise<void> | void = () => undefined,
): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      await meanwhile(sleeps.length);
      now += ms;
    },
  };
}

/**
 * A `meanwhile` that waits `ms` of real time: the run's clock stands still while API calls take real
 * time, so between rounds the test gives them time to end, as a real round's wait would.
 */
export const realWait = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A Lambda context whose remaining time is counted on `clock`: `remainingMs` from now. */
export function clockContext(
  clock: DrainClock,
  remainingMs: number,
): Pick<Context, 'getRemainingTimeInMillis'> {
  const end = clock.now() + remainingMs;
  return { getRemainingTimeInMillis: () => Math.max(0, end - clock.now()) };
}

/** A visibility the run asked for: the message, and the seconds (before the queue clamps them to SQS's limits). */
export interface VisibilityAsked {
  readonly messageId: string;
  readonly seconds: number;
  /** The message's SentTimestamp (epoch ms). */
  readonly sentAt: number;
  readonly receiveCount: number;
  /** The clock's time when the run asked. */
  readonly at: number;
}

/** What a run asked of the queue. */
export interface QueueRecord {
  readonly receives: {
    readonly visibilitySeconds: number;
    readonly waitSeconds: number;
    readonly count: number;
  }[];
  readonly visibility: VisibilityAsked[];
  readonly deleted: string[];
  /** The size of each delete the run asked for. */
  readonly deletes: number[];
}

/** Time SQS calls take on the manual clock. */
export interface SqsCallMs {
  /** A receive (a long poll that finds nothing also waits its `waitSeconds`). */
  readonly receive: number;
  /** A delete or visibility batch call (10 entries); routine-queue.ts makes 8 at once. */
  readonly batch: number;
}

/**
 * The real routine queue, with SQS's time counted on the manual clock (the real receive is a short
 * poll, so that the test does not wait). Records what the run asked.
 */
export function clockedQueue(
  queue: RoutineQueue,
  clock: ManualClock,
  callMs: SqsCallMs = { receive: 0, batch: 0 },
): { readonly queue: RoutineQueue; readonly record: QueueRecord } {
  const batchMs = (entries: number) => callMs.batch * Math.ceil(entries / 10 / 8);
  const record: QueueRecord = { receives: [], visibility: [], deleted: [], deletes: [] };
  const id = (received: Received) => received.message.MessageId ?? '';
  return {
    record,
    queue: {
      async receive(visibilitySeconds, waitSeconds) {
        const batch = await queue.receive(visibilitySeconds, 0);
        record.receives.push({ visibilitySeconds, waitSeconds, count: batch.length });
        clock.advance(callMs.receive + (batch.length === 0 ? waitSeconds * 1000 : 0));
        return batch;
      },
      async delete(received) {
        const failed = await queue.delete(received);
        record.deleted.push(...received.map(id));
        record.deletes.push(received.length);
        clock.advance(batchMs(received.length));
        return failed;
      },
      async setVisibility(changes) {
        const at = clock.now();
        const failed = await queue.setVisibility(changes);
        record.visibility.push(
          ...changes.map(({ received, seconds }) => ({
            messageId: id(received),
            seconds,
            sentAt: Number(received.message.Attributes?.SentTimestamp),
            receiveCount: Number(received.message.Attributes?.ApproximateReceiveCount),
            at,
          })),
        );
        clock.advance(batchMs(changes.length));
        return failed;
      },
      visibleMessages: () => queue.visibleMessages(),
    },
  };
}

/**
 * The SQS server of a drain test file on a manual clock: SQS's time is counted on the clock (`sqsCallMs`),
 * so its real pace would only slow the tests (and `npm run mutate`, which runs them for each mutant).
 */
export const INSTANT_SQS = { latencyMs: 0 } as const;

/** A run on a manual clock: the report, the clock (its sleeps) and what the run asked of the queue. */
export interface TimedRun {
  readonly report: DrainReport;
  readonly clock: ManualClock;
  readonly record: QueueRecord;
  /** The clock's time when the run started. */
  readonly startedAt: number;
}

export interface TimedRunOptions extends Partial<RunOptions> {
  /** The clock's start. @default a second after now (the messages were sent before the run) */
  readonly startAt?: number;
  /** What happens at each sleep of the run, before the clock moves on. @default nothing */
  readonly meanwhile?: (sleep: number) => Promise<void> | void;
  /** Time SQS calls take on the clock. @default none */
  readonly sqsCallMs?: SqsCallMs;
}

/** One run of a drain test file's queues on a manual clock: milliseconds, whatever the rounds. */
export async function timedRun(queues: DrainQueues, options: TimedRunOptions = {}): Promise<TimedRun> {
  const { startAt, meanwhile, sqsCallMs, ...run } = options;
  const clock = manualClock(startAt ?? Date.now() + 1000, meanwhile);
  const startedAt = clock.now();
  let record: QueueRecord | undefined;
  const report = await queues.run({
    ...run,
    clock,
    wrapQueue: (queue) => {
      const clocked = clockedQueue(queue, clock, sqsCallMs);
      record = clocked.record;
      return clocked.queue;
    },
  });
  if (record === undefined) throw new Error('the run did not use its queue');
  return { report, clock, record, startedAt };
}
