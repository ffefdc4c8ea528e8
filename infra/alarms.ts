import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LANE_DIMENSION, Lane, MetricName } from '../functions/lib/telemetry-names';
import { AlarmName, ERROR_ALARMS, ERROR_EVALUATION, runbookLink, Severity, severityOf } from './alarm-names';

export interface RevocationAlarmsProps {
  readonly queue: IQueue;
  readonly urgentQueue: IQueue;
  /** SQS's redrive target: its arrivals are requests that ran out of receives (a page). */
  readonly deadLetterQueue: IQueue;
  /** Where the functions park bad input: its arrivals are a ticket. */
  readonly parkedQueue: IQueue;
  /** The schedule's dead-letter queue: ticks that did not make a complete run. */
  readonly scheduleDeadLetterQueue: IQueue;
  /** The urgent lane's SQS-triggered function. */
  readonly function: IFunction;
  /** The routine lane's scheduled consumer. */
  readonly consumer: IFunction;
  /** Pages go here, in ALARM and at OK. */
  readonly pageTopic: ITopic;
  /** Tickets go here, in ALARM only. */
  readonly ticketTopic: ITopic;
  /** The runbook every description ends with a link to (`runbookUrl#anchor`). */
  readonly runbookUrl: string;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly maxMessageAge: Duration;
  readonly urgentMaxMessageAge: Duration;
  readonly tick: Duration;
  readonly maxHold: Duration;
  readonly dailyQuota: number;
  readonly quotaAlarmFraction: number;
  /** Receives of a routine message before the dead-letter queue: RoutineReceiveCountHigh warns at 70% of it. */
  readonly routineMaxReceiveCount: number;
  /** DeadLetterAging and ParkedAging: how long a message may have been in the dead-letter or parked queue. */
  readonly deadLetterAgeAlarm: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  /** How long the source queues keep a message. */
  readonly retentionPeriod: Duration;
  /** TokensAlreadyDeadSpike threshold: tokens already dead in 5 minutes. */
  readonly alreadyDeadAlarmTokens: number;
}

/** Handler metrics as emitted by Powertools: namespace and the `service` dimension. */
export function handlerMetric(
  props: Pick<RevocationAlarmsProps, 'metricsNamespace' | 'serviceName'>,
  name: MetricName,
  statistic = 'Sum',
) {
  return new Metric({
    namespace: props.metricsNamespace,
    metricName: name,
    dimensionsMap: { service: props.serviceName },
    statistic,
    period: Duration.minutes(5),
  });
}

/** A per-lane handler metric (the time-to-revoke figures): the `service` and `lane` dimensions. */
export function laneMetric(
  props: Pick<RevocationAlarmsProps, 'metricsNamespace' | 'serviceName'>,
  name: MetricName,
  lane: Lane,
  statistic = 'Average',
) {
  return new Metric({
    namespace: props.metricsNamespace,
    metricName: name,
    dimensionsMap: { service: props.serviceName, [LANE_DIMENSION]: lane },
    statistic,
    period: Duration.minutes(5),
  });
}

/** RoutineOldestPending: the oldest routine message the consumer saw, whatever its receive count. */
export const ROUTINE_OLDEST_PENDING_ALARM_SECONDS = 3600;
/** RoutineBacklogClearEstimate: the routine backlog needs more than a day of the calls the budget allows. */
export const BACKLOG_CLEAR_ESTIMATE_ALARM_SECONDS = 86_400;
/** RoutineReceiveCountHigh warns when a routine message has used this share of its receives. */
export const RECEIVE_COUNT_WARNING_FRACTION = 0.7;

/** Seconds an urgent token may take from its message's send to its confirmation. */
export const URGENT_TIME_TO_REVOKE_ALARM_SECONDS = 30;
/** Seconds a routine token may take beyond maxHold (a tick, the call, a margin). */
export const ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS = 30;

/** Lambda's count of asynchronous invocations it dropped (too old, or failed with no retry left and no destination). */
export const ASYNC_EVENTS_DROPPED = 'AsyncEventsDropped';

/** CloudWatch refuses an alarm description longer than this. */
export const ALARM_DESCRIPTION_MAX_LENGTH = 1024;

interface AlarmOptions {
  readonly comparisonOperator?: ComparisonOperator;
  readonly treatMissingData?: TreatMissingData;
  /** Periods evaluated and how many must breach. @default 1 of 1; error alarms 2 of 3 (ERROR_EVALUATION) */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
}

/**
 * The expression behind DeadLetteredRequests: how many messages the dead-letter queue gained in each
 * minute. Only SQS's redrive and failed EventBridge/SNS deliveries put messages there (the functions
 * park elsewhere), so a rise is an arrival. Visible and in-flight messages are counted together, so that listing it (a
 * receive) is no rise; REPEAT bridges a missing minute of a queue that holds messages, and 0 stands
 * for the minutes before the first datapoint (an empty queue SQS stopped reporting on). Decision
 * record 0007 compares it with the alternatives; the runbook says what it can miss.
 */
export const DEAD_LETTER_ARRIVALS_EXPRESSION = 'DIFF(FILL(FILL(visible + inFlight, REPEAT), 0))';

/**
 * Every alarm the runbook describes: pages to the page topic (ALARM and OK), tickets to the ticket
 * topic (ALARM only); each description ends with the link to its runbook entry.
 */
export class RevocationAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RevocationAlarmsProps) {
    super(scope, id);
    const actions = {
      [Severity.Page]: new SnsAction(props.pageTopic),
      [Severity.Ticket]: new SnsAction(props.ticketTopic),
    };
    const add = (
      name: AlarmName,
      metric: IMetric,
      threshold: number,
      description: string,
      options: AlarmOptions = {},
    ) => {
      const severity = severityOf(name);
      const alarmDescription = `${description} Runbook: ${runbookLink(props.runbookUrl, name)}`;
      if (alarmDescription.length > ALARM_DESCRIPTION_MAX_LENGTH) {
        throw new Error(
          `TokenRevocation: runbookUrl makes the description of the ${name} alarm ${alarmDescription.length} characters long, more than CloudWatch's ${ALARM_DESCRIPTION_MAX_LENGTH}: use a shorter URL`,
        );
      }
      const evaluation = ERROR_ALARMS.has(name) ? ERROR_EVALUATION : undefined;
      const alarm = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: options.evaluationPeriods ?? evaluation?.evaluationPeriods ?? 1,
        datapointsToAlarm: options.datapointsToAlarm ?? evaluation?.datapointsToAlarm,
        comparisonOperator:
          options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
        alarmDescription,
      });
      alarm.addAlarmAction(actions[severity]);
      // Only a page says when it is over: whoever was woken up can go back to sleep.
      if (severity === Severity.Page) alarm.addOkAction(actions[severity]);
      this.alarms.push(alarm);
    };
    const metric = (name: MetricName, statistic?: string) => handlerMetric(props, name, statistic);
    const oldest = (queue: IQueue) =>
      queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' });

    this.#deadLetterAlarms(props, add);
    add(
      AlarmName.Backlog,
      oldest(props.queue),
      props.maxMessageAge.toSeconds(),
      `Routine tokens have waited more than ${props.maxMessageAge.toSeconds()} s to be revoked: the scheduled consumer is not running or failing, throttled, or the routine share of the request budget is too small for the load. Check MissedSchedule, ConsumerErrors, StackExchangeThrottled and the dashboard.`,
    );
    add(
      AlarmName.UrgentBacklog,
      oldest(props.urgentQueue),
      props.urgentMaxMessageAge.toSeconds(),
      `Urgent tokens (leaks, compromised accounts) have waited more than ${props.urgentMaxMessageAge.toSeconds()} s: the urgent function is failing or throttled. Check FunctionErrors, FunctionThrottles, StackExchangeThrottled and ConfigurationErrors now.`,
    );
    add(
      AlarmName.MissedSchedule,
      props.consumer.metricInvocations({ period: missedSchedulePeriod(props.tick), statistic: 'Sum' }),
      1,
      'The routine consumer did not run: EventBridge Scheduler stopped invoking it (schedule disabled or deleted, role or permission broken) or Lambda refused it. Routine tokens wait in their queue meanwhile. Check the schedule, its dead-letter queue and the function.',
      {
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      },
    );
    add(
      AlarmName.ConsumerErrors,
      props.consumer.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'A run of the routine consumer failed as a whole (a crash or a timeout). Its messages come back after their visibility timeout and are retried by a later run. Read the consumer logs.',
    );
    add(
      AlarmName.FunctionErrors,
      props.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'The urgent revocation function failed whole invocations (every message of a batch failed, a crash, or a timeout). Read its logs; SQS retries the messages.',
    );
    add(
      AlarmName.FunctionThrottles,
      props.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'Lambda throttled the urgent revocation function: the account concurrency limit is reached. Raise it or lower other functions; urgent messages wait in their queue meanwhile.',
    );
    add(
      AlarmName.ConfigurationErrors,
      metric(MetricName.ConfigurationErrors),
      1,
      'A handler reported a configuration error (wrong app key, wrong API URL, missing secret or parked queue). Nothing is revoked until it is fixed: check the logs for the error_name, fix the setting, redeploy.',
    );
    add(
      AlarmName.StackExchangeThrottled,
      metric(MetricName.ThrottleViolations),
      1,
      'Stack Exchange answered throttle_violation: this IP is banned for a while. The functions pause by themselves; lower the request budget if it repeats, and check nothing else calls the API from the same address.',
    );
    add(
      AlarmName.QuotaLow,
      metric(MetricName.QuotaRemaining, 'Minimum'),
      Math.floor(props.dailyQuota * props.quotaAlarmFraction),
      `Less than ${Math.round(props.quotaAlarmFraction * 100)}% of the daily Stack Exchange quota (${props.dailyQuota} calls) is left. Running out causes long bans: check for a surge of revocations or another user of the key.`,
      { comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD },
    );
    add(
      AlarmName.TokensDeferred,
      metric(MetricName.TokensDeferred),
      1,
      'The daily quota is below the reserve, so the routine consumer holds routine tokens back until a call fills up or they are overdue (maxDefer). Urgent tokens still go at once. Look for what spends the quota: a surge, partial calls, or another user of the key.',
    );
    const routineLimit = props.maxHold.toSeconds() + ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS;
    add(
      AlarmName.RoutineTimeToRevoke,
      laneMetric(props, MetricName.TimeToRevokeP95, Lane.Routine),
      routineLimit,
      `Routine tokens take longer than ${routineLimit} s (maxHold + ${ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS} s, 95th percentile averaged over 5 minutes) from enqueue to confirmation: the quota governor defers them (see TokensDeferred), runs are late or failing, or the routine share of the budget is too small for the load.`,
      { comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    add(
      AlarmName.UrgentTimeToRevoke,
      laneMetric(props, MetricName.TimeToRevokeP95, Lane.Urgent),
      URGENT_TIME_TO_REVOKE_ALARM_SECONDS,
      `Urgent tokens take longer than ${URGENT_TIME_TO_REVOKE_ALARM_SECONDS} s (95th percentile averaged over 5 minutes) from enqueue to confirmation: the urgent function is retrying, throttled, or its share of the budget is too small for the leak being revoked.`,
      { comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.#quotaEdgeAlarms(props, add);
    this.#tickAlarms(props, add);

    // --- Security review 2 (issue 17): tokens the API reports already dead ---------------------------
    // Random, replayed or stale tokens cost quota like live ones: a spike means a producer sends what
    // it should not (or someone sends for it).
    add(
      AlarmName.TokensAlreadyDeadSpike,
      metric(MetricName.TokensAlreadyDead),
      props.alreadyDeadAlarmTokens,
      `More than ${props.alreadyDeadAlarmTokens} tokens in 5 minutes were already dead when sent (the API did not return them): a producer sends random, replayed or stale tokens, which spend the quota like live ones. Find the producer (the parked and dead-lettered messages, CloudTrail SendMessage and PutEvents calls) and stop it.`,
    );
  }

  /** The daily budget, stuck routine messages, SQS errors and dead letters close to expiry. */
  #quotaEdgeAlarms(props: RevocationAlarmsProps, add: AddAlarm): void {
    const lane = (name: MetricName, which: Lane, statistic: string) =>
      laneMetric(props, name, which, statistic);
    add(
      AlarmName.RoutineBudgetExhausted,
      lane(MetricName.BudgetExhausted, Lane.Routine, 'Sum'),
      1,
      "The routine lane wanted calls and its share of the daily call budget (dailyCallBudget - urgentReserveCalls) was spent: routine tokens wait, without receives, until the budget day ends (00:00 UTC); urgent tokens still go out from the reserve. Look for what spent it: a mass logout, a redrive, a producer sending many tokens ('When the quota is exhausted', after the runbook's alarms).",
      EVENT,
    );
    add(
      AlarmName.UrgentBudgetExhausted,
      lane(MetricName.BudgetExhausted, Lane.Urgent, 'Sum'),
      1,
      "The urgent lane wanted calls and the whole daily call budget was spent: leaked tokens now wait until the budget day ends (00:00 UTC). Act now: see 'When the quota is exhausted', after the runbook's alarms.",
      EVENT,
    );
    add(
      AlarmName.RoutineOldestPending,
      lane(MetricName.OldestPendingAgeSeconds, Lane.Routine, 'Maximum'),
      ROUTINE_OLDEST_PENDING_ALARM_SECONDS,
      `The oldest routine message the consumer saw has waited more than ${ROUTINE_OLDEST_PENDING_ALARM_SECONDS / 60} minutes, whatever its receive count (SQS's own age metric skips messages received more than three times): held, deferred or retried messages are stuck. Check the budget, pauses and ConsumerErrors on the dashboard.`,
      LEVEL,
    );
    add(
      AlarmName.RoutineBacklogClearEstimate,
      lane(MetricName.BacklogClearEstimateSeconds, Lane.Routine, 'Maximum'),
      BACKLOG_CLEAR_ESTIMATE_ALARM_SECONDS,
      `At the calls the daily budget still allows, the routine backlog needs more than ${BACKLOG_CLEAR_ESTIMATE_ALARM_SECONDS / 3600} hours to clear, and its queue keeps a message ${props.retentionPeriod.toHumanString()}. Find what filled it (a mass logout, a redrive, one producer), and spread it or raise the budget before messages expire.`,
      LEVEL,
    );
    add(
      AlarmName.SqsErrors,
      new MathExpression({
        expression: 'FILL(routine, 0) + FILL(urgent, 0)',
        usingMetrics: {
          routine: lane(MetricName.SqsErrors, Lane.Routine, 'Sum'),
          urgent: lane(MetricName.SqsErrors, Lane.Urgent, 'Sum'),
        },
        label: 'SqsErrors, both lanes',
        period: Duration.minutes(5),
      }),
      1,
      "A function's SQS call failed in either lane: a receive, delete or visibility change refused or unanswered. Messages it could not delete are sent again; a refused receive leaves the routine queue undrained. Read the logs for the error code: AccessDenied or KMS errors point to a changed queue or key policy.",
      EVENT,
    );
    const receiveWarning = Math.ceil(props.routineMaxReceiveCount * RECEIVE_COUNT_WARNING_FRACTION);
    add(
      AlarmName.RoutineReceiveCountHigh,
      lane(MetricName.MaxReceiveCountSeen, Lane.Routine, 'Maximum'),
      receiveWarning,
      `A routine message has been received ${receiveWarning} times of the ${props.routineMaxReceiveCount} after which SQS moves it to the dead-letter queue: it keeps failing, or is held and deferred again and again. Read the consumer logs for its messageId before it dead-letters.`,
      EVENT,
    );
  }

  /**
   * Arrivals, not depth: one message left in a queue must not hide the next ones. Dead-lettered
   * requests page, parked input makes a ticket, and both queues warn before SQS deletes a message.
   */
  #deadLetterAlarms(props: RevocationAlarmsProps, add: AddAlarm): void {
    const minute = { period: Duration.minutes(1), statistic: 'Maximum' } as const;
    add(
      AlarmName.DeadLetteredRequests,
      new MathExpression({
        expression: DEAD_LETTER_ARRIVALS_EXPRESSION,
        usingMetrics: {
          visible: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(minute),
          inFlight: props.deadLetterQueue.metricApproximateNumberOfMessagesNotVisible(minute),
        },
        label: 'Messages the dead-letter queue gained',
        period: Duration.minutes(1),
      }),
      0,
      'Requests reached the dead-letter queue: SQS moved them after their receives ran out, or EventBridge/SNS could not deliver them. Their tokens are not being revoked. Find the cause (ConfigurationErrors, StackExchangeThrottled, the functions logs), fix it, then list and replay them with token-revoker dlq (operator role). This alarm watches arrivals: it returns to OK after 3 minutes and fires again at the next arrival.',
      {
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 1,
      },
    );
    add(
      AlarmName.ParkedInput,
      props.parkedQueue.metricNumberOfMessagesSent({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'A function parked input it will never retry (not JSON, invalid tokens, or tokens the API rejected on their own): a producer sends bad data. List the parked queue with token-revoker dlq list to see each reason and source message id, fix the producer, then delete them.',
    );
    const aging = (queue: IQueue, what: string, then: string) =>
      [
        queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
        props.deadLetterAgeAlarm.toSeconds(),
        `A message has been in the ${what} for ${props.deadLetterAgeAlarm.toDays()} days. SQS deletes it ${props.deadLetterRetentionPeriod.toDays()} days after its first send, without a trace: ${then}`,
      ] as const;
    add(
      AlarmName.DeadLetterAging,
      ...aging(
        props.deadLetterQueue,
        'dead-letter queue',
        'replay or settle the dead-letter queue now (sooner if it waited in its source queue first).',
      ),
    );
    add(
      AlarmName.ParkedAging,
      ...aging(
        props.parkedQueue,
        'parked queue',
        'note its reason and source message id for the producer, then delete it.',
      ),
    );
  }

  /** Ticks of the routine schedule that did not make a complete run. */
  #tickAlarms(props: RevocationAlarmsProps, add: AddAlarm): void {
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' } as const;
    add(
      AlarmName.ConsumerEventsDropped,
      props.consumer.metric(ASYNC_EVENTS_DROPPED, fiveMinutes),
      1,
      'Lambda dropped ticks of the routine consumer: older than one tick (the previous run still held its only slot) or failed. The next tick does the work; if it repeats, runs are too long or failing: check ConsumerErrors and the consumer logs.',
    );
    add(
      AlarmName.MissedTicks,
      props.scheduleDeadLetterQueue.metricNumberOfMessagesSent(fiveMinutes),
      1,
      "Ticks reached the schedule's dead-letter queue: EventBridge Scheduler could not invoke the consumer, or Lambda dropped or failed the run. Each message carries the error (no token). MissedSchedule pages if no run happens at all.",
    );
  }
}

/** Adds one alarm (see RevocationAlarms' constructor). */
type AddAlarm = (
  name: AlarmName,
  metric: IMetric,
  threshold: number,
  description: string,
  options?: AlarmOptions,
) => void;

/**
 * Missing data: the functions publish a metric only when it is not zero (a custom metric is billed
 * for each hour it gets data), so no data means nothing happened: notBreaching, for counts and levels
 * alike. MissedSchedule covers a consumer that stopped. A paused routine lane still publishes
 * BacklogClearEstimateSeconds (it reads the queue's depth on every run, receiving nothing), and its
 * pause has alarms of its own (budget exhausted, throttle violations).
 */
const EVENT = { treatMissingData: TreatMissingData.NOT_BREACHING } as const;
const LEVEL = {
  treatMissingData: TreatMissingData.NOT_BREACHING,
  comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
} as const;

/** The window in which at least one run must happen: two ticks, and at least 5 minutes. */
export function missedSchedulePeriod(tick: Duration): Duration {
  return Duration.seconds(Math.max(300, 2 * tick.toSeconds()));
}
