import type { Context } from 'aws-lambda';
import type { AuditTrail } from '../lib/audit';
import { routineRetryDelaySeconds } from '../lib/limits';
import type { Parker } from '../lib/park';
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
  /** Writes one audit line per settled token. @default none */
  readonly audit?: AuditTrail;
}

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

/** What one run did. */
export interface DrainReport {
  readonly rounds: number;
  /** Messages received (each receive counts against the queue's maxReceiveCount). */
  readonly received: number;
  /** Messages settled and deleted: every token confirmed, dead or parked. */
  readonly deleted: number;
  /** Messages released for retry with a backoff delay (a call failed, or parking did). */
  readonly released: number;
  /** Messages left invisible until a later run: held for a fuller call, or deferred for quota. */
  readonly carried: number;
  readonly counts: Counts;
}

/** Extra visibility past the function's timeout, so a message never reappears while its run still holds it. */
export const VISIBILITY_MARGIN_SECONDS = 30;
/** Held messages become visible this long before the next run is due. */
const CARRY_LEAD_MS = 2000;

interface PendingMessage {
  readonly received: Received;
  readonly request: MessageRequest;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One run of the routine lane's single consumer. In rounds (a sixth of the tick, 1 to 10 s): receive
 * what is waiting with long polls (never more than the run can send), park bad input, send the
 * messages `planRound` chooses (full calls of 20, or tokens at their time limit), delete what is
 * settled, release failures with a backoff delay. Messages wait between rounds inside the run (they
 * stay invisible: received with a visibility timeout past the function's timeout), and at the end of
 * the run the rest are made visible again for the next run (held) or later (deferred for quota). A
 * killed run loses nothing: its messages reappear when their visibility ends.
 */
export async function drain(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  settings: DrainSettings,
  deps: DrainDependencies,
  /** When the scheduler meant this run to start (its `scheduledTime`); the next run is one tick later. */
  scheduledAt?: number,
): Promise<DrainReport> {
  const started = Date.now();
  const functionEnd = started + context.getRemainingTimeInMillis();
  const deadline = functionEnd - settings.safetyMarginMs;
  const tickMs = settings.tickSeconds * 1000;
  const nextRunAt = Math.min(started, scheduledAt ?? started) + tickMs;
  const roundMs = Math.min(10_000, Math.max(1000, tickMs / 6));
  const pending = new Map<string, PendingMessage>();
  /** Tokens of the pending messages (duplicates counted twice: an upper bound, kept as they come and go). */
  let pendingTokens = 0;
  const parts: Partial<Counts>[] = [];
  const report = { rounds: 0, received: 0, deleted: 0, released: 0, carried: 0 };

  /** Tokens there is time to send: the request budget until the deadline, less what is already pending. */
  const capacityTokens = () =>
    Math.floor((settings.requestsPerSecond * Math.max(0, deadline - Date.now() - 1000)) / 1000) *
    MAX_TOKENS_PER_CALL;

  const release = async (messages: readonly PendingMessage[] | readonly Received[]) => {
    if (messages.length === 0) return;
    const paused = deps.client.pausedUntil(ApiMethod.Invalidate)?.until ?? 0;
    const changes = messages.map((item) => {
      const received = 'received' in item ? item.received : item;
      const count = Number(received.message.Attributes?.ApproximateReceiveCount ?? 1);
      return { received, seconds: Math.max(routineRetryDelaySeconds(count), (paused - Date.now()) / 1000) };
    });
    await deps.queue.setVisibility(changes);
    report.released += messages.length;
  };

  const receive = async (): Promise<number> => {
    let count = 0;
    while (Date.now() + settings.receiveWaitSeconds * 1000 < deadline) {
      if (capacityTokens() - pendingTokens <= 0) break;
      const batch = await deps.queue.receive(
        (functionEnd - Date.now()) / 1000 + VISIBILITY_MARGIN_SECONDS,
        settings.receiveWaitSeconds,
      );
      if (batch.length === 0) break;
      count += batch.length;
      await admit(batch);
    }
    report.received += count;
    return count;
  };

  /** Reads received messages: bad input parked at once; readable requests wait in `pending`. */
  const admit = async (batch: readonly Received[]) => {
    const byId = new Map(batch.map((received) => [received.message.MessageId ?? '', received]));
    const read = readMessages(
      batch.map((received) => fromMessage(received.message)),
      deps.logger,
    );
    const parked = await deps.park(read.toPark);
    deps.audit?.({ lane: Lane.Routine, requests: read.requests, parked });
    parts.push(countParking(parked));
    const failedParking = new Set(parked.filter((r) => !r.parked).map((r) => r.entry.sourceMessageId));
    const withTokens = new Set(
      read.requests.filter((r) => r.tokens.length > 0).map((r) => r.message.messageId),
    );
    await release([...failedParking].flatMap((id) => byId.get(id) ?? []));
    const done = [...byId].filter(([id]) => !failedParking.has(id) && !withTokens.has(id));
    report.deleted += done.length - (await deps.queue.delete(done.map(([, received]) => received)));
    for (const request of read.requests) {
      const received = byId.get(request.message.messageId);
      if (
        received !== undefined &&
        withTokens.has(request.message.messageId) &&
        !failedParking.has(request.message.messageId)
      ) {
        pending.set(request.message.messageId, { received, request });
        pendingTokens += request.tokens.length;
      }
    }
  };

  /** Revokes the chosen messages' tokens, then settles every pending message whose tokens all have an outcome. */
  const send = async (chosen: readonly MessageRequest[]) => {
    const events: ClientEvent[] = [];
    const revocation = await revokeTokens(deps.client, tokensByAction(chosen), {
      concurrency: settings.callConcurrency,
      deadline,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'quota') deps.quota.observe(event.remaining, event.max);
      },
    });
    logCallErrors(deps.logger, revocation);
    const rejected = await deps.park(apiRejections(chosen, revocation.outcomes, deps.logger));
    const settleable = [...pending.values()].filter(({ request }) => allKnown(revocation.outcomes, request));
    const settled = settleMessages(
      settleable.map(({ request }) => request.message.messageId),
      settleable.map(({ request }) => request),
      revocation.outcomes,
      rejected,
    );
    deps.audit?.({ lane: Lane.Routine, requests: chosen, outcomes: revocation.outcomes, parked: rejected });
    parts.push(
      countClientEvents(events),
      countRevocation(revocation),
      countParking(rejected),
      settled.counts,
    );
    await finish(settled.fates);
  };

  const finish = async (fates: readonly MessageFate[]) => {
    const take = (fate: MessageFate['fate']) =>
      fates.filter((f) => f.fate === fate).flatMap((f) => pending.get(f.messageId) ?? []);
    const done = take('done');
    const retry = take('retry');
    for (const { messageId } of fates) {
      pendingTokens -= pending.get(messageId)?.request.tokens.length ?? 0;
      pending.delete(messageId);
    }
    report.deleted += done.length - (await deps.queue.delete(done.map(({ received }) => received)));
    await release(retry);
  };

  /** At the end of the run: what still waits becomes visible for the next run (held) or later (deferred). */
  const carry = async (waiting: readonly { request: MessageRequest; cause: WaitCause }[]) => {
    const heldUntil = nextRunAt - CARRY_LEAD_MS;
    const changes = waiting.flatMap(({ request, cause }) => {
      const item = pending.get(request.message.messageId);
      if (item === undefined) return [];
      const sentAt = request.message.sentAt ?? started;
      const until =
        cause === 'defer'
          ? Math.max(heldUntil, sentAt + settings.maxDeferSeconds * 1000 - tickMs - CARRY_LEAD_MS)
          : heldUntil;
      return [{ received: item.received, seconds: (until - Date.now()) / 1000 }];
    });
    const tokens = (cause: WaitCause) =>
      new Set(waiting.filter((w) => w.cause === cause).flatMap((w) => w.request.tokens)).size;
    parts.push({ tokensHeld: tokens('hold'), tokensDeferred: tokens('defer') });
    await deps.queue.setVisibility(changes);
    report.carried += changes.length;
    pending.clear();
    pendingTokens = 0;
  };

  for (;;) {
    report.rounds += 1;
    const roundStarted = Date.now();
    const arrived = await receive();
    const now = Date.now();
    const last = now + roundMs + settings.receiveWaitSeconds * 1000 >= deadline;
    // The next round (or run) sends only after its own receive, which ends with an empty long poll:
    // count a receive like this one, so that no token passes its limit while it runs.
    const receiveMs = Math.max(now - roundStarted, settings.receiveWaitSeconds * 1000);
    const plan = planRound(
      [...pending.values()].map(({ request }) => request),
      {
        now,
        nextChanceAt: (last ? nextRunAt : now + roundMs) + receiveMs,
        maxHoldMs: settings.maxHoldSeconds * 1000,
        maxDeferMs: settings.maxDeferSeconds * 1000,
        belowReserve: deps.quota.belowReserve(settings.quotaReserveFraction),
        capacityTokens: capacityTokens(),
      },
    );
    if (plan.send.length > 0) await send(plan.send);
    if (last) {
      await carry(plan.wait);
      break;
    }
    if (pending.size === 0 && arrived === 0) break;
    await sleep(Math.min(now + roundMs, deadline) - Date.now());
  }
  return { ...report, counts: mergeCounts(...parts) };
}

function allKnown(outcomes: Outcomes, request: MessageRequest): boolean {
  return request.tokens.every((token) => outcomeOf(outcomes, request.action, token) !== undefined);
}
