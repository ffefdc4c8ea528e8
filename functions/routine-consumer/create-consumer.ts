import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { Gate, Governor } from '../lib/control/governor';
import { backlogClearEstimateSeconds, publishLaneGauges } from '../lib/control/lane-metrics';
import { budgetDayEndOf } from '../lib/control/store';
import { createInstance, type InstanceDependencies } from '../lib/instance';
import { QUOTA_PROBE_INTERVAL_SECONDS } from '../lib/limits';
import { laneParker } from '../lib/park';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { mergeCounts, publishCounts, startInvocation, summarize } from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';
import type { ConsumerConfig } from './config';
import { type DrainReport, drain, type StopCause } from './drain';
import { QuotaWatch } from './quota';
import { routineQueue } from './routine-queue';

/** The `scheduledTime` EventBridge Scheduler puts in the event (ISO-8601), as epoch ms, if there is one. */
function scheduledTimeOf(event: unknown): number | undefined {
  const value =
    typeof event === 'object' && event !== null
      ? (event as { scheduledTime?: unknown }).scheduledTime
      : undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(time) ? time : undefined;
}

/** Why a run took no work at all. */
export type SkipCause = StopCause | 'below_quota_floor' | 'operator_paused';

/** What a run did: a drain, or a run that received nothing because the lane could not send. */
export type RunReport = DrainReport & {
  /** Set when the run received nothing: paused, budget spent, or below the quota floor. */
  readonly skipped?: { readonly cause: SkipCause; readonly until: number | undefined };
};

/** One scheduled run of the routine lane; the event's `scheduledTime`, when given, times the next run. */
export type Consumer = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Context>,
) => Promise<RunReport>;

const EMPTY_RUN: DrainReport = {
  rounds: 0,
  received: 0,
  deleted: 0,
  released: 0,
  carried: 0,
  budgetCallsSpent: 0,
  stoppedBy: undefined,
  sqsErrors: 0,
  oldestPendingAgeSeconds: undefined,
  maxReceiveCountSeen: undefined,
  tokensLeft: 0,
  tokensReceived: 0,
  counts: mergeCounts(),
};

/** A token no one holds: the quota probe reads it (one call, nothing revoked) to learn `quota_remaining`. */
const probeToken = () => `${randomBytes(16).toString('base64url')}))`;

/**
 * Below the quota floor routine sends nothing; it learns that the quota came back from the urgent
 * lane's answers (shared through the control table) or from one probe call per 15 minutes across
 * every instance, never during a pause whose end the API named. Resolves true when the lane may send.
 */
async function probeQuota(
  client: StackExchangeClient,
  governor: Governor,
  quota: QuotaWatch,
  floorFraction: number,
): Promise<{ open: boolean; calls: number }> {
  if (!quota.belowReserve(floorFraction)) return { open: true, calls: 0 };
  if (!(await governor.claimProbe(QUOTA_PROBE_INTERVAL_SECONDS * 1000))) return { open: false, calls: 0 };
  if ((await governor.reserve(1)) === 0) return { open: false, calls: 0 };
  let calls = 0;
  try {
    await client.read([probeToken()], {
      deadline: Date.now() + 15_000,
      onEvent: (event) => {
        if (event.type === 'response') calls += 1;
        if (event.type === 'quota') quota.observe(event.remaining, event.max);
      },
    });
  } catch {
    // A refused probe (a throttle, an outage) says the quota has not come back: the pause is recorded below.
  }
  await governor.settle(1, calls);
  const pause = client.pausedUntil('read');
  await governor.record({
    quota: quota.latest(),
    pause:
      pause !== undefined && (pause.cause === 'throttled' || pause.cause === 'backoff')
        ? { until: pause.until, cause: pause.cause }
        : undefined,
  });
  return { open: pause === undefined && !quota.belowReserve(floorFraction), calls };
}

/** Takes what the control table says into this instance: the API's pause, the quota others saw. */
function learn(gate: Gate, client: StackExchangeClient, quota: QuotaWatch, now = Date.now()): void {
  const { pause, quota: shared } = gate.state;
  if (pause !== undefined) {
    if (pause.until > now) client.pauseAll(pause.until, pause.cause);
    // A quota that ran out starts again when the API's pause ends: what was seen before says nothing.
    else quota.forgetBefore(pause.until);
  }
  if (shared !== undefined && shared.at >= (pause?.until ?? 0))
    quota.observe(shared.remaining, shared.max, shared.at);
}

/**
 * Builds the routine lane's scheduled consumer from a configuration object: the Lambda entry passes
 * `readConsumerConfig()`; tests, the local pipeline and the benchmarks pass their own. The instance
 * keeps its clients and the quota it has seen across runs. A run first reads the shared control table:
 * while the API's pause lasts, the lane's budget is spent or the quota is below the floor, it receives
 * nothing at all, so no message's receive count rises while it waits.
 */
export function createConsumer(config: ConsumerConfig, dependencies: InstanceDependencies = {}): Consumer {
  const instance = createInstance(config, dependencies);
  const { logger, metrics } = instance;
  const quota = new QuotaWatch();
  return async (event, context) => {
    startInvocation(instance, context);
    // A client or a control table that cannot start fails the run before anything is received: the messages wait.
    const client = await instance.stackExchange(Lane.Routine);
    const governor = instance.governor(Lane.Routine);
    const gate = await governor.gate();
    learn(gate, client, quota);
    const sqs = await instance.sqs();
    // Failed receives and attribute reads return nothing: count them here (deletes and visibility
    // changes are counted by the drain, entry by entry), so a refused receive is never a quiet success.
    let failedReads = 0;
    const queue = routineQueue(sqs, config.routineQueueUrl, (operation, error) => {
      if (operation === 'ReceiveMessage' || operation === 'GetQueueAttributes') failedReads += 1;
      logger.error('SQS call failed', {
        operation,
        error: { name: (error as Error).name, message: (error as Error).message },
      });
    });

    let skipped: RunReport['skipped'];
    let probeCalls = 0;
    const operatorPause = gate.open ? undefined : gate.operatorPause;
    // An operator's pause has no end but `token-revoker resume`: no `until`.
    if (!gate.open) skipped = { cause: gate.reason, until: operatorPause ? undefined : gate.until };
    else {
      const probe = await probeQuota(client, governor, quota, config.routineQuotaFloorFraction);
      probeCalls = probe.calls;
      if (!probe.open) {
        const pause = client.pausedUntil('invalidate');
        skipped =
          pause === undefined
            ? { cause: 'below_quota_floor', until: undefined }
            : { cause: 'paused', until: pause.until };
      }
    }

    const drained =
      skipped === undefined
        ? await drain(
            context,
            config,
            {
              client,
              queue,
              park: laneParker(instance.park, Lane.Routine),
              logger,
              quota,
              governor,
              audit: instance.auditTrail,
              parkingKey: await instance.parkingKey(),
            },
            scheduledTimeOf(event),
          )
        : EMPTY_RUN;
    const report: RunReport = {
      ...drained,
      budgetCallsSpent: drained.budgetCallsSpent + probeCalls,
      skipped,
    };

    // Shared for `token-revoker status`: the oldest message this run saw (a run that received only).
    if (report.received > 0 && report.oldestPendingAgeSeconds !== undefined) {
      await governor.recordBacklog(report.oldestPendingAgeSeconds).catch((error: unknown) => {
        logger.error('Control table update failed', {
          error: { name: error instanceof Error ? error.name : 'Error' },
        });
      });
    }
    const after = await governor.gate().catch(() => undefined);
    const visible = await queue.visibleMessages();
    const meanTokens = report.received > 0 ? report.tokensReceived / report.received : 1;
    const now = Date.now();
    const waitingTokens = report.tokensLeft + (visible ?? 0) * meanTokens;
    const { counts, ...run } = report;
    if (operatorPause !== undefined) {
      // One line a run while an operator's pause lasts: who, when and why, and what waits.
      logger.warn('Run skipped: the routine lane is paused by an operator (token-revoker resume ends it)', {
        skipped: { cause: 'operator_paused' },
        operatorPause: {
          reason: operatorPause.reason,
          since: new Date(operatorPause.at).toISOString(),
          ...(operatorPause.by === undefined ? {} : { by: operatorPause.by }),
        },
        visibleMessages: visible,
      });
    } else {
      logger.info(skipped === undefined ? 'Run finished' : 'Run skipped: the lane cannot send now', {
        ...run,
        skipped:
          skipped === undefined
            ? undefined
            : { cause: skipped.cause, until: skipped.until && new Date(skipped.until).toISOString() },
        visibleMessages: visible,
        ...summarize(counts),
      });
    }
    publishCounts(metrics, counts, Lane.Routine);
    publishLaneGauges(metrics, Lane.Routine, {
      sqsErrors: report.sqsErrors + failedReads,
      budgetCallsSpent: report.budgetCallsSpent,
      budgetCallsLeft: after?.callsLeft,
      budgetExhausted:
        skipped?.cause === 'budget_exhausted' || report.stoppedBy === 'budget_exhausted' ? 1 : 0,
      pausedRuns: skipped === undefined ? 0 : 1,
      operatorPausedRuns: operatorPause === undefined ? 0 : 1,
      oldestPendingAgeSeconds: report.oldestPendingAgeSeconds,
      maxReceiveCountSeen: report.maxReceiveCountSeen,
      backlogClearEstimateSeconds:
        visible === undefined
          ? undefined
          : // A lane with no budget at all never clears: report a year, so that the alarm sees it.
            Math.min(
              365 * 86_400,
              backlogClearEstimateSeconds({
                tokens: waitingTokens,
                requestsPerSecond: config.requestsPerSecond,
                callsLeftToday: skipped === undefined ? (after?.callsLeft ?? 0) : 0,
                secondsLeftToday: Math.max(0, (skipped?.until ?? budgetDayEndOf(now)) - now) / 1000,
                callsPerDay: governor.limit,
              }),
            ),
    });
    return { ...report, sqsErrors: report.sqsErrors + failedReads };
  };
}
