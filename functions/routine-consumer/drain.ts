import type { Context } from 'aws-lambda';
import type { AuditTrail } from '../lib/audit';
import { callsFor, fitCalls } from '../lib/calls';
import type { Governor } from '../lib/control/governor';
import { type ApiPause, budgetDayEndOf } from '../lib/control/store';
import { routineRetryDelaySeconds } from '../lib/limits';
import { RevocationPriority } from '../lib/message';
import type { Parker } from '../lib/park';
import type { ParkingKey } from '../lib/parked-message';
import { fromMessage } from '../lib/queued-message';
import { type MessageRequest, readMessages, type StepLogger, tokensByAction } from '../lib/read-messages';
import { type Outcomes, outcomeOf, revokeTokens } from '../lib/revoke';
import { apiRejections, type MessageFate, settleMessages } from '../lib/settle';
import { ApiMethod } from '../lib/stackexchange/api-method';
import type { ClientEvent, StackExchangeClient } from '../lib/stackexchange/client';
import {
  type Counts,
  countClientEvents,
  countParking,
  countRevocation,
  logCallErrors,
  mergeCounts,
} from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';
import { MAX_TOKENS_PER_CALL } from '../lib/tokens';
import type { ConsumerConfig } from './config';
import { planRound, type WaitCause } from './plan';
import type { QuotaWatch } from './quota';
import type { Received, RoutineQueue } from './routine-queue';

export interface DrainDependencies {
  readonly client: StackExchangeClient;
  readonly queue: RoutineQueue;
  readonly park: Parker;
  readonly logger: StepLogger;
  /** Lives across runs: the lowest recent quota the API reported. */
  readonly quota: QuotaWatch;
  /** The routine lane's share of the daily call budget, and where pauses and quota are shared. */
  readonly governor: Governor;
  /** Writes one audit line per settled token. @default none */
  readonly audit?: AuditTrail;
  /** The key parked messages are sealed with: a sealed one sent back stands for its original request. @default none */
  readonly parkingKey?: ParkingKey;
  /** Where the run reads the time and waits between rounds. @default systemClock */
  readonly clock?: DrainClock;
}

/** The time as the run sees it: its deadline, rounds, holds and visibilities are counted from `now`. */
export interface DrainClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` (never negative) milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The system's clock and timers. */
export const systemClock: DrainClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export type DrainSettings = Pick<
  ConsumerConfig,
  | 'tickSeconds'
  | 'maxHoldSeconds'
  | 'maxDeferSeconds'
  | 'quotaReserveFraction'
  | 'receiveWaitSeconds'
  | 'requestsPerSecond'
  | 'callConcurrency'
  | 'safetyMarginMs'
>;

/**
 * Why a run stopped taking work before its end: the API paused us, the lane's budget ran out, or
 * the control table could not be reached (nothing is sent without a reservation).
 */
export type StopCause = 'paused' | 'budget_exhausted' | 'control_unavailable';

/** What one run did. */
export interface DrainReport {
  readonly rounds: number;
  /** Messages received (each receive counts against the queue's maxReceiveCount). */
  readonly received: number;
  /** Messages settled and deleted: every token confirmed, dead or parked. */
  readonly deleted: number;
  /** Messages released for retry with a backoff delay (a call failed, or parking did). */
  readonly released: number;
  /** Messages left invisible until a later run: held for a fuller call, deferred for quota, or paused. */
  readonly carried: number;
  /** Calls of the daily budget this run spent (every HTTP request, retries included). */
  readonly budgetCallsSpent: number;
  /** Set when the run stopped early: the API paused us, or the lane's budget ran out. */
  readonly stoppedBy: StopCause | undefined;
  /** SQS calls or entries that failed (receives, deletes, visibility changes). */
  readonly sqsErrors: number;
  /** Seconds since the oldest received message was first sent (whatever its receive count). */
  readonly oldestPendingAgeSeconds: number | undefined;
  /** The highest ApproximateReceiveCount received. */
  readonly maxReceiveCountSeen: number | undefined;
  /** Tokens received and not settled at the end of the run (carried or released). */
  readonly tokensLeft: number;
  /** Tokens of the readable messages received (duplicates counted): with `received`, the mean message size. */
  readonly tokensReceived: number;
  readonly counts: Counts;
}

/** Extra visibility past the function's timeout, so a message never reappears while its run still holds it. */
export const VISIBILITY_MARGIN_SECONDS = 30;
/** Held messages become visible this long before the next run is due. */
const CARRY_LEAD_MS = 2000;
/** Delete and visibility calls in flight at once (routine-queue.ts): used to count their time. */
const SQS_PARALLEL_BATCHES = 8;

interface PendingMessage {
  readonly received: Received;
  readonly request: MessageRequest;
}

/**
 * One run of the routine lane's single consumer. In rounds (a sixth of the tick, 1 to 10 s): receive
 * what is waiting with long polls (never more than the run can send, SQS time counted), park bad
 * input, and send what `planRound` chooses (full calls of 20, or tokens at their time limit) while the
 * receiving goes on. Each send first reserves its calls in the shared daily budget; each message is
 * deleted as soon as its calls have settled. Failures are released with a backoff delay. A pause the
 * API names stops the run: nothing more is received or sent, and what it holds waits for the pause's
 * end (at most 12 hours from its receive, as SQS allows). At the end of the run the rest are made
 * visible again for the next run (held) or later (deferred for quota). A killed run loses nothing:
 * its messages reappear when their visibility ends. Every message is routine here: the lane is the
 * queue, not the body.
 */
export async function drain(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  settings: DrainSettings,
  deps: DrainDependencies,
  /** When the scheduler meant this run to start (its `scheduledTime`); the next run is one tick later. */
  scheduledAt?: number,
): Promise<DrainReport> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const functionEnd = started + context.getRemainingTimeInMillis();
  const deadline = functionEnd - settings.safetyMarginMs;
  const tickMs = settings.tickSeconds * 1000;
  const nextRunAt = Math.min(started, scheduledAt ?? started) + tickMs;
  const roundMs = Math.min(10_000, Math.max(1000, tickMs / 6));
  const pending = new Map<string, PendingMessage>();
  /** Messages whose tokens are being sent: not planned again, settled as their calls finish. */
  const inFlight = new Set<string>();
  /** Tokens of the pending messages (duplicates counted twice: an upper bound, kept as they come and go). */
  let pendingTokens = 0;
  const parts: Partial<Counts>[] = [];
  const report = { rounds: 0, received: 0, deleted: 0, released: 0, carried: 0, sqsErrors: 0 };
  let budgetCallsSpent = 0;
  let tokensLeft = 0;
  let tokensReceived = 0;
  let stoppedBy: StopCause | undefined;
  let oldestSentAt: number | undefined;
  let maxReceiveCountSeen: number | undefined;
  /** Settling work started by finished calls (parking, deletes, releases): awaited before the run ends. */
  const settling = new Set<Promise<void>>();
  /** The mean duration of one SQS batch call so far (starts at 20 ms, the slow end of real SQS). */
  let sqsCallMs = 20;
  let sqsCalls = 0;

  const timedSqs = async <T>(work: Promise<T>, calls: number): Promise<T> => {
    const before = clock.now();
    const result = await work;
    if (calls > 0) {
      const perCall = (clock.now() - before) / Math.ceil(calls / SQS_PARALLEL_BATCHES);
      sqsCallMs = (sqsCallMs * sqsCalls + perCall) / (sqsCalls + 1);
      sqsCalls += 1;
    }
    return result;
  };

  /** Time the run still needs for SQS: one delete per 10 pending messages, 8 calls at a time. */
  const sqsTimeNeededMs = () => Math.ceil(pending.size / 10 / SQS_PARALLEL_BATCHES) * sqsCallMs + sqsCallMs;

  /** Tokens there is time to send: the request budget until the deadline, less SQS work still to do. */
  const capacityTokens = () =>
    Math.floor(
      (settings.requestsPerSecond * Math.max(0, deadline - clock.now() - 1000 - sqsTimeNeededMs())) / 1000,
    ) * MAX_TOKENS_PER_CALL;

  const apiPause = (): ApiPause | undefined => {
    const pause = deps.client.pausedUntil(ApiMethod.Invalidate);
    return pause !== undefined && (pause.cause === 'throttled' || pause.cause === 'backoff')
      ? { until: pause.until, cause: pause.cause }
      : undefined;
  };

  const setVisibility = async (changes: readonly { received: Received; seconds: number }[]) => {
    if (changes.length === 0) return;
    report.sqsErrors += await timedSqs(deps.queue.setVisibility(changes), changes.length / 10);
  };

  const deleteSettled = async (messages: readonly Received[]) => {
    if (messages.length === 0) return;
    const failed = await timedSqs(deps.queue.delete(messages), messages.length / 10);
    report.sqsErrors += failed;
    report.deleted += messages.length - failed;
  };

  const release = async (messages: readonly Received[]) => {
    if (messages.length === 0) return;
    const paused = deps.client.pausedUntil(ApiMethod.Invalidate)?.until ?? 0;
    await setVisibility(
      messages.map((received) => {
        const count = Number(received.message.Attributes?.ApproximateReceiveCount ?? 1);
        return {
          received,
          seconds: Math.max(routineRetryDelaySeconds(count), (paused - clock.now()) / 1000),
        };
      }),
    );
    report.released += messages.length;
  };

  /**
   * False once the run stopped. A refusal that pauses the client (throttled: the quota is spent, or a
   * ban) stops it at once, not when the send it came in ends: the receiving going on meanwhile asks for
   * nothing more. As at the end of a send, the pause is the cause that counts (what waits, waits for it).
   */
  const takeWork = () => {
    if (apiPause()?.cause === 'throttled') stoppedBy = 'paused';
    return stoppedBy === undefined;
  };

  const receive = async (): Promise<number> => {
    let count = 0;
    while (takeWork() && clock.now() + settings.receiveWaitSeconds * 1000 + sqsTimeNeededMs() < deadline) {
      if (capacityTokens() - pendingTokens <= 0) break;
      const before = clock.now();
      const batch = await deps.queue.receive(
        (functionEnd - clock.now()) / 1000 + VISIBILITY_MARGIN_SECONDS,
        settings.receiveWaitSeconds,
      );
      if (batch.length === 0) break;
      // A receive that returns messages answers at once: its time is SQS time.
      sqsCallMs = (sqsCallMs * sqsCalls + (clock.now() - before)) / (sqsCalls + 1);
      sqsCalls += 1;
      count += batch.length;
      await admit(batch);
      kick();
    }
    report.received += count;
    return count;
  };

  /**
   * Admits a batch; if that throws (a hostile message broke a step), each message is admitted on its
   * own, and one that still throws is released for a later retry: no message fails another.
   */
  const admit = async (batch: readonly Received[]) => {
    try {
      await admitBatch(batch);
    } catch {
      for (const received of batch) {
        // Stryker disable next-line LogicalOperator: no message of a batch that threw is pending (admitBatch sets pending last, after every step that can throw), whatever the key.
        if (pending.has(received.message.MessageId ?? '')) continue;
        try {
          await admitBatch([received]);
        } catch (error) {
          deps.logger.error('Message could not be admitted; it will be retried', {
            messageId: received.message.MessageId,
            error: { name: error instanceof Error ? error.name : 'Error' },
          });
          await release([received]);
        }
      }
    }
  };

  /** Reads received messages: bad input parked at once; readable requests wait in `pending`. */
  const admitBatch = async (batch: readonly Received[]) => {
    const byId = new Map(batch.map((received) => [received.message.MessageId ?? '', received]));
    for (const received of batch) {
      const sentAt = Number(received.message.Attributes?.SentTimestamp);
      if (Number.isFinite(sentAt)) oldestSentAt = Math.min(oldestSentAt ?? sentAt, sentAt);
      const count = Number(received.message.Attributes?.ApproximateReceiveCount);
      if (Number.isFinite(count)) maxReceiveCountSeen = Math.max(maxReceiveCountSeen ?? count, count);
    }
    const read = readMessages(
      batch.map((received) => fromMessage(received.message)),
      deps.logger,
      { parkingKey: deps.parkingKey },
    );
    const parked = await deps.park(read.toPark);
    deps.audit?.({ lane: Lane.Routine, requests: read.requests, parked });
    parts.push(countParking(parked));
    const failedParking = new Set(parked.filter((r) => !r.parked).map((r) => r.entry.sourceMessageId));
    const withTokens = new Set(
      read.requests.filter((r) => r.tokens.length > 0).map((r) => r.message.messageId),
    );
    const done = [...byId].filter(([id]) => !failedParking.has(id) && !withTokens.has(id));
    await Promise.all([
      release([...failedParking].flatMap((id) => byId.get(id) ?? [])),
      deleteSettled(done.map(([, received]) => received)),
    ]);
    for (const request of read.requests) {
      const id = request.message.messageId;
      const received = byId.get(id);
      if (received !== undefined && withTokens.has(id) && !failedParking.has(id)) {
        // The lane is the queue: a body that says "urgent" gets no urgent treatment here.
        pending.set(id, { received, request: { ...request, priority: RevocationPriority.Routine } });
        pendingTokens += request.tokens.length;
        tokensReceived += request.tokens.length;
      }
    }
  };

  /** Settles the chosen messages whose tokens all have an outcome: deleted, released or parked. */
  const settleReady = (chosen: MessageRequest[], outcomes: Outcomes) => {
    const ready = chosen.filter((request) => allKnown(outcomes, request));
    if (ready.length === 0) return;
    for (const request of ready) chosen.splice(chosen.indexOf(request), 1);
    const settleGroup = async (group: readonly MessageRequest[]) => {
      const rejected = await deps.park(apiRejections(group, outcomes, deps.logger));
      const settled = settleMessages(
        group.map(({ message }) => message.messageId),
        group,
        outcomes,
        rejected,
      );
      deps.audit?.({ lane: Lane.Routine, requests: group, outcomes, parked: rejected });
      return { fates: settled.fates, counts: [countParking(rejected), settled.counts] };
    };
    const work = (async () => {
      const fates: MessageFate[] = [];
      try {
        const settled = await settleGroup(ready);
        parts.push(...settled.counts);
        fates.push(...settled.fates);
      } catch {
        // A step broke on one of these messages: settle each on its own; only the one that breaks is retried.
        for (const request of ready) {
          try {
            const settled = await settleGroup([request]);
            parts.push(...settled.counts);
            fates.push(...settled.fates);
          } catch (error) {
            deps.logger.error('Message could not be settled; it will be retried', {
              messageId: request.message.messageId,
              error: { name: error instanceof Error ? error.name : 'Error' },
            });
            fates.push({
              messageId: request.message.messageId,
              fate: 'retry',
              unfinished: 0,
              // Stryker disable next-line ArrayDeclaration: finish reads only a fate's messageId and fate.
              categories: [],
            });
          }
        }
      }
      await finish(fates);
    })();
    settling.add(work);
    void work.finally(() => settling.delete(work));
  };

  /** Reserves the budget for the chosen messages, sends what it got, and settles each message as its calls end. */
  const send = async (planned: readonly MessageRequest[]) => {
    const wanted = callsFor(planned);
    const reserved = await deps.governor.reserve(wanted);
    const chosen = reserved >= wanted ? [...planned] : fitCalls(planned, reserved);
    if (reserved < wanted) stoppedBy = 'budget_exhausted';
    // Stryker disable next-line BlockStatement: without it, an empty send settles the same reservation (nothing used) and records nothing new.
    if (chosen.length === 0) {
      await deps.governor.settle(reserved, 0);
      return;
    }
    for (const request of chosen) inFlight.add(request.message.messageId);
    const events: ClientEvent[] = [];
    const unsettled = [...chosen];
    const revocation = await revokeTokens(deps.client, tokensByAction(chosen), {
      concurrency: settings.callConcurrency,
      deadline,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'quota') deps.quota.observe(event.remaining, event.max);
      },
      onCallSettled: (outcomes) => settleReady(unsettled, outcomes),
    });
    // Stryker disable next-line CallExpression: revokeTokens calls onCallSettled after every call, however it ended (revoke.ts), so nothing is left to settle here today; kept in case that changes.
    settleReady(unsettled, revocation.outcomes);
    const used = events.filter((event) => event.type === 'response').length;
    budgetCallsSpent += used;
    logCallErrors(deps.logger, revocation);
    parts.push(countClientEvents(events), countRevocation(revocation));
    const pause = apiPause();
    const observed = deps.quota.latest();
    await Promise.all([
      deps.governor.settle(reserved, used),
      deps.governor.record({ pause, quota: observed }),
    ]);
    if (pause?.cause === 'throttled') stoppedBy = 'paused';
  };

  const finish = async (fates: readonly MessageFate[]) => {
    const take = (fate: MessageFate['fate']) =>
      fates.filter((f) => f.fate === fate).flatMap((f) => pending.get(f.messageId) ?? []);
    const done = take('done');
    const retry = take('retry');
    for (const { messageId } of fates) {
      pendingTokens -= pending.get(messageId)?.request.tokens.length ?? 0;
      pending.delete(messageId);
      inFlight.delete(messageId);
    }
    await Promise.all([
      deleteSettled(done.map(({ received }) => received)),
      release(retry.map(({ received }) => received)),
    ]);
  };

  /** At the end of the run: what still waits becomes visible for the next run (held) or later (deferred, paused). */
  const carry = async (waiting: readonly { request: MessageRequest; cause: WaitCause }[]) => {
    const heldUntil = nextRunAt - CARRY_LEAD_MS;
    // Stopped early: wait for the pause's end or the next budget day (the queue keeps it within 12 hours of the receive).
    const pausedUntil =
      stoppedBy === 'paused'
        ? (apiPause()?.until ?? heldUntil)
        : stoppedBy === 'budget_exhausted'
          ? budgetDayEndOf(clock.now())
          : heldUntil;
    const changes = waiting.flatMap(({ request, cause }) => {
      const item = pending.get(request.message.messageId);
      if (item === undefined) return [];
      const sentAt = request.message.sentAt ?? started;
      const until =
        cause === 'defer'
          ? Math.max(heldUntil, sentAt + settings.maxDeferSeconds * 1000 - tickMs - CARRY_LEAD_MS)
          : heldUntil;
      return [{ received: item.received, seconds: (Math.max(until, pausedUntil) - clock.now()) / 1000 }];
    });
    const tokens = (cause: WaitCause) =>
      new Set(waiting.filter((w) => w.cause === cause).flatMap((w) => w.request.tokens)).size;
    parts.push({ tokensHeld: tokens('hold'), tokensDeferred: tokens('defer') });
    await setVisibility(changes);
    report.carried += changes.length;
    tokensLeft += pendingTokens;
    // Stryker disable next-line CallExpression: carry ends the run: nothing reads pending after it.
    pending.clear();
    pendingTokens = 0;
  };

  const plan = (nextChanceAt: number) =>
    planRound(
      [...pending.values()]
        .filter(({ request }) => !inFlight.has(request.message.messageId))
        .map((p) => p.request),
      {
        now: clock.now(),
        nextChanceAt,
        maxHoldMs: settings.maxHoldSeconds * 1000,
        maxDeferMs: settings.maxDeferSeconds * 1000,
        belowReserve: deps.quota.belowReserve(settings.quotaReserveFraction),
        capacityTokens: capacityTokens() - inFlightTokens(),
      },
    );

  const inFlightTokens = () =>
    [...inFlight].reduce((sum, id) => sum + (pending.get(id)?.request.tokens.length ?? 0), 0);

  /**
   * Sends in the background while the receiving goes on: one send at a time, each planned afresh.
   * While a round still receives, only full calls go (no token is due before the round's plan):
   * `nextChance` is -Infinity then, and the round's next chance once its receiving has ended.
   */
  let sending: Promise<void> | undefined;
  let nextChance = Number.NEGATIVE_INFINITY;
  const kick = () => {
    if (sending !== undefined || !takeWork()) return;
    const chosen = plan(nextChance).send;
    if (chosen.length === 0) return;
    sending = send(chosen)
      .catch((error: unknown) => {
        // Without the control table nothing is sent: what this send chose waits for the next run.
        stoppedBy ??= 'control_unavailable';
        deps.logger.error('Send failed before any call; the run stops taking work', {
          error: { name: error instanceof Error ? error.name : 'Error' },
        });
        // Stryker disable next-line CallExpression: after a failed send the run takes no more work: nothing is planned or sent again, and what waits is carried from pending.
        for (const request of chosen) inFlight.delete(request.message.messageId);
      })
      .finally(() => {
        sending = undefined;
        kick();
      });
  };
  const idle = async () => {
    while (sending !== undefined || settling.size > 0) await Promise.all([sending, ...settling]);
  };

  try {
    for (;;) {
      report.rounds += 1;
      const roundStarted = clock.now();
      nextChance = Number.NEGATIVE_INFINITY;
      // Full calls go out as soon as there are 20 tokens: `receive` kicks a send after each batch.
      const arrived = await receive();
      const now = clock.now();
      const last = !takeWork() || now + roundMs + settings.receiveWaitSeconds * 1000 >= deadline;
      // The next round (or run) sends only after its own receive, which ends with an empty long poll:
      // count a receive like this one, so that no token passes its limit while it runs.
      const receiveMs = Math.max(now - roundStarted, settings.receiveWaitSeconds * 1000);
      nextChance = (last ? nextRunAt : now + roundMs) + receiveMs;
      kick();
      if (last) {
        await idle();
        const final = plan(nextRunAt + receiveMs);
        if (final.send.length > 0 && takeWork()) {
          kick();
          await idle();
        }
        await carry(takeWork() ? stillWaiting(plan(nextRunAt + receiveMs).wait) : waitingAll());
        break;
      }
      if (pending.size === 0 && arrived === 0 && sending === undefined) break;
      await clock.sleep(Math.max(0, Math.min(now + roundMs, deadline) - clock.now()));
    }
  } finally {
    await idle().catch(() => undefined);
  }
  return {
    ...report,
    budgetCallsSpent,
    stoppedBy,
    oldestPendingAgeSeconds:
      oldestSentAt === undefined ? undefined : Math.max(0, (clock.now() - oldestSentAt) / 1000),
    maxReceiveCountSeen,
    tokensLeft,
    tokensReceived,
    counts: mergeCounts(...parts),
  };

  /**
   * Everything still pending, when the run stopped early: held until the pause ends or the next
   * budget day starts (carry's `pausedUntil`), not for the quota deferral on top of it.
   */
  function waitingAll() {
    return [...pending.values()].map(({ request }) => ({ request, cause: 'hold' as WaitCause }));
  }

  /**
   * Every message still pending at the end, with the cause the plan gave it; one the plan would still
   * send (no time or no send left for it) is held for the next run: nothing is left without a visibility.
   */
  function stillWaiting(planned: readonly { request: MessageRequest; cause: WaitCause }[]) {
    const causes = new Map(planned.map(({ request, cause }) => [request.message.messageId, cause]));
    return [...pending.values()].map(({ request }) => ({
      request,
      cause: causes.get(request.message.messageId) ?? ('hold' as WaitCause),
    }));
  }
}

function allKnown(outcomes: Outcomes, request: MessageRequest): boolean {
  return request.tokens.every((token) => outcomeOf(outcomes, request.action, token) !== undefined);
}
