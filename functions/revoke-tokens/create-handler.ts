import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { HandlerConfig } from '../lib/config';
import type { Gate } from '../lib/control/governor';
import { publishLaneGauges } from '../lib/control/lane-metrics';
import { budgetDayEndOf } from '../lib/control/store';
import { BatchFailedError, ErrorCategory, TokenRevokerError } from '../lib/errors';
import { createInstance, type InstanceDependencies } from '../lib/instance';
import { laneParker } from '../lib/park';
import { quietLogger } from '../lib/quiet-logger';
import { ApiMethod } from '../lib/stackexchange/api-method';
import { configurationError, mergeCounts, publishCounts, startInvocation, summarize } from '../lib/telemetry';
import { Lane } from '../lib/telemetry-names';
import { callsBefore, chooseRecords, setRecordsVisibility } from './admission';
import { processBatch, respond } from './process-batch';

/** The SQS-triggered handler of the urgent lane (partial batch responses). */
export type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const failures = (records: readonly SQSRecord[]): SQSBatchResponse['batchItemFailures'] =>
  records.map((record) => ({ itemIdentifier: record.messageId }));

/**
 * Builds the urgent lane's handler from a configuration object: the Lambda entry passes
 * `readConfig()`; tests, the local pipeline and the benchmarks pass their own, and may inject clients.
 *
 * Each batch first reads the shared control table. While an operator's pause of the lane is in force
 * (a deploy enabled the event source mapping `token-revoker pause` disabled), the handler revokes
 * nothing and holds the records (12 hours at a time, the longest SQS allows). While the API's pause lasts (or the whole daily
 * budget is spent) the handler sends nothing: it sets the records' visibility to the pause's end (at
 * most 12 hours from the receive) and returns them, so a day of pause costs each message about two
 * receives, never the dead-letter queue. Otherwise it takes only the messages it can send before its
 * deadline and the budget grants (whole messages), and makes the others visible again at once for
 * another instance. If the control table cannot be read, the batch is still sent: a leak is not left
 * live because the budget's bookkeeping is down (logged and counted).
 */
export function createHandler(config: HandlerConfig, dependencies: InstanceDependencies = {}): Handler {
  const instance = createInstance(config, dependencies);
  const { logger, metrics } = instance;
  return async (event, context) => {
    startInvocation(instance, context);
    const client = await instance.stackExchange(Lane.Urgent).catch((error: unknown) => {
      throw new BatchFailedError(
        event.Records.map((record) => record.messageId),
        [error instanceof TokenRevokerError ? error.category : ErrorCategory.Configuration],
      );
    });
    const governor = instance.governor(Lane.Urgent);
    const now = Date.now();
    const gate: Gate | undefined = await governor.gate().catch((error: unknown) => {
      logger.error('Control table unreadable; the batch is sent without the shared budget', {
        error: { name: error instanceof Error ? error.name : 'Error' },
      });
      return undefined;
    });
    const pause = gate?.state.pause;
    if (pause !== undefined && pause.until > now) client.pauseAll(pause.until, pause.cause);
    let sqsErrors = 0;
    const hold = async (records: readonly SQSRecord[], until: number) => {
      if (records.length === 0) return;
      sqsErrors += await setRecordsVisibility(
        await instance.sqs(),
        records,
        (until - Date.now()) / 1000,
        config.sqsEndpoint,
      );
    };

    if (gate !== undefined && !gate.open) {
      await hold(event.Records, gate.until);
      const { operatorPause } = gate;
      if (operatorPause === undefined) {
        logger.warn('Batch held: the urgent lane cannot send now', {
          records: event.Records.length,
          cause: gate.reason,
          until: new Date(gate.until).toISOString(),
        });
      } else {
        // `token-revoker pause` disables the event source mapping; a batch here means something (a
        // deploy) enabled it again. Nothing is revoked: the records are held, at most 12 h at a time.
        logger.warn(
          'Batch held: the urgent lane is paused by an operator, but its event source is enabled (a deploy?); run token-revoker pause --lane urgent again to stop receiving, or resume',
          {
            records: event.Records.length,
            cause: gate.reason,
            operatorPause: {
              reason: operatorPause.reason,
              since: new Date(operatorPause.at).toISOString(),
              ...(operatorPause.by === undefined ? {} : { by: operatorPause.by }),
            },
            heldUntil: new Date(gate.until).toISOString(),
          },
        );
      }
      publishLaneGauges(metrics, Lane.Urgent, {
        sqsErrors,
        budgetCallsSpent: 0,
        budgetCallsLeft: gate.callsLeft,
        budgetExhausted: gate.reason === 'budget_exhausted' ? 1 : 0,
        pausedRuns: 1,
        operatorPausedRuns: operatorPause === undefined ? 0 : 1,
      });
      return { batchItemFailures: failures(event.Records) };
    }

    // Only what can go out before the deadline, and what the budget grants; the rest goes back at once.
    const deadline = now + context.getRemainingTimeInMillis() - config.safetyMarginMs;
    const parkingKey = await instance.parkingKey();
    const timely = chooseRecords(event.Records, callsBefore(deadline, config.requestsPerSecond), parkingKey);
    const reserved = gate === undefined ? timely.calls : await governor.reserve(timely.calls);
    const chosen = reserved < timely.calls ? chooseRecords(timely.take, reserved, parkingKey) : timely;
    const overBudget = chosen === timely ? [] : chosen.rest;
    await Promise.all([hold(timely.rest, 0), hold(overBudget, budgetDayEndOf(now))]);

    const { fates, counts } = await processBatch({ Records: [...chosen.take] }, context, {
      client,
      park: laneParker(instance.park, Lane.Urgent),
      logger,
      callConcurrency: config.callConcurrency,
      safetyMarginMs: config.safetyMarginMs,
      audit: instance.auditTrail,
      parkingKey,
    });
    const apiPause = client.pausedUntil(ApiMethod.Invalidate);
    const oldestSent = Math.min(...chosen.take.map((record) => Number(record.attributes.SentTimestamp)));
    await Promise.all([
      gate === undefined ? undefined : governor.settle(reserved, counts.apiCalls),
      // Shared for `token-revoker status`: the age of the oldest message this batch took.
      gate === undefined || !Number.isFinite(oldestSent)
        ? undefined
        : governor.recordBacklog(Math.max(0, Math.round((now - oldestSent) / 1000))),
      gate === undefined
        ? undefined
        : governor.record({
            pause:
              apiPause !== undefined && (apiPause.cause === 'throttled' || apiPause.cause === 'backoff')
                ? { until: apiPause.until, cause: apiPause.cause }
                : undefined,
            quota:
              counts.quotaRemaining === undefined
                ? undefined
                : { remaining: counts.quotaRemaining, max: client.quotaMax, at: Date.now() },
          }),
    ]).catch((error: unknown) => {
      logger.error('Control table update failed', {
        error: { name: error instanceof Error ? error.name : 'Error' },
      });
    });
    try {
      logger.info('Batch processed', {
        records: fates.length,
        failedMessages: fates.filter((fate) => fate.fate === 'retry').length,
        givenBack: timely.rest.length + overBudget.length,
        ...summarize(counts),
      });
      publishCounts(
        metrics,
        gate === undefined ? mergeCounts(counts, configurationError('control_table_unavailable')) : counts,
        Lane.Urgent,
      );
      publishLaneGauges(metrics, Lane.Urgent, {
        sqsErrors,
        budgetCallsSpent: counts.apiCalls,
        budgetCallsLeft: gate === undefined ? undefined : Math.max(0, gate.callsLeft - counts.apiCalls),
        budgetExhausted: overBudget.length > 0 ? 1 : 0,
        pausedRuns: 0,
      });
    } catch (error) {
      // The batch is done: telemetry that cannot be written must not send it back to be revoked again.
      quietLogger(logger).error('Batch telemetry not written', { error: (error as Error).name });
    }
    const given = failures([...timely.rest, ...overBudget]);
    if (fates.length === 0) return { batchItemFailures: given };
    const answered = respond(fates);
    return { batchItemFailures: [...answered.batchItemFailures, ...given] };
  };
}
