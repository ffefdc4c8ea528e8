import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LANE_DIMENSION, Lane, MetricName } from '../functions/lib/telemetry-names';

export interface RevocationAlarmsProps {
  readonly queue: IQueue;
  readonly urgentQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The urgent lane's SQS-triggered function. */
  readonly function: IFunction;
  /** The routine lane's scheduled consumer. */
  readonly consumer: IFunction;
  readonly topic: ITopic;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly maxMessageAge: Duration;
  readonly urgentMaxMessageAge: Duration;
  readonly tick: Duration;
  readonly maxHold: Duration;
  readonly dailyQuota: number;
  readonly quotaAlarmFraction: number;
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

/** Seconds an urgent token may take from its message's send to its confirmation. */
export const URGENT_TIME_TO_REVOKE_ALARM_SECONDS = 30;
/** Seconds a routine token may take beyond maxHold (a tick, the call, a margin). */
export const ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS = 30;

interface AlarmOptions {
  readonly comparisonOperator?: ComparisonOperator;
  readonly treatMissingData?: TreatMissingData;
}

/** Every alarm the runbook describes, all sent to one topic. */
export class RevocationAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: RevocationAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const add = (
      alarmId: string,
      metric: IMetric,
      threshold: number,
      description: string,
      options: AlarmOptions = {},
    ) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator:
          options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const metric = (name: MetricName, statistic?: string) => handlerMetric(props, name, statistic);
    const oldest = (queue: IQueue) =>
      queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' });

    add(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      1,
      'The dead-letter queue holds messages: bad input a function parked (see the reason attribute) or messages whose retries ran out. List them with token-revoker dlq list (operator role), fix the cause, then replay (see the runbook).',
    );
    add(
      'Backlog',
      oldest(props.queue),
      props.maxMessageAge.toSeconds(),
      `Routine tokens have waited more than ${props.maxMessageAge.toSeconds()} s to be revoked: the scheduled consumer is not running or failing, throttled, or the routine share of the request budget is too small for the load. Check MissedSchedule, ConsumerErrors, StackExchangeThrottled and the dashboard.`,
    );
    add(
      'UrgentBacklog',
      oldest(props.urgentQueue),
      props.urgentMaxMessageAge.toSeconds(),
      `Urgent tokens (leaks, compromised accounts) have waited more than ${props.urgentMaxMessageAge.toSeconds()} s: the urgent function is failing or throttled. Check FunctionErrors, FunctionThrottles, StackExchangeThrottled and ConfigurationErrors now.`,
    );
    add(
      'MissedSchedule',
      props.consumer.metricInvocations({ period: missedSchedulePeriod(props.tick), statistic: 'Sum' }),
      1,
      'The routine consumer did not run: EventBridge Scheduler stopped invoking it (schedule disabled or deleted, role or permission broken) or Lambda refused it. Routine tokens wait in their queue meanwhile. Check the schedule, its dead-letter queue and the function.',
      {
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      },
    );
    add(
      'ConsumerErrors',
      props.consumer.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'A run of the routine consumer failed as a whole (a crash or a timeout). Its messages come back after their visibility timeout and are retried by a later run. Read the consumer logs.',
    );
    add(
      'FunctionErrors',
      props.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'The urgent revocation function failed whole invocations (every message of a batch failed, a crash, or a timeout). Read its logs; SQS retries the messages.',
    );
    add(
      'FunctionThrottles',
      props.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'Lambda throttled the urgent revocation function: the account concurrency limit is reached. Raise it or lower other functions; urgent messages wait in their queue meanwhile.',
    );
    add(
      'ConfigurationErrors',
      metric(MetricName.ConfigurationErrors),
      1,
      'A handler reported a configuration error (wrong app key, wrong API URL, missing secret or dead-letter queue). Nothing is revoked until it is fixed: check the logs for the error_name, fix the setting, redeploy.',
    );
    add(
      'StackExchangeThrottled',
      metric(MetricName.ThrottleViolations),
      1,
      'Stack Exchange answered throttle_violation: this IP is banned for a while. The functions pause by themselves; lower the request budget if it repeats, and check nothing else calls the API from the same address.',
    );
    add(
      'QuotaLow',
      metric(MetricName.QuotaRemaining, 'Minimum'),
      Math.floor(props.dailyQuota * props.quotaAlarmFraction),
      `Less than ${Math.round(props.quotaAlarmFraction * 100)}% of the daily Stack Exchange quota (${props.dailyQuota} calls) is left. Running out causes long bans: check for a surge of revocations or another user of the key.`,
      { comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD },
    );
    add(
      'TokensParked',
      metric(MetricName.TokensParked),
      1,
      'A function parked tokens it will never retry (invalid syntax, or rejected by the API). A producer sends bad input: list the dead-letter queue to see the reasons and the source message ids.',
    );
    add(
      'TokensDeferred',
      metric(MetricName.TokensDeferred),
      1,
      'The daily quota is below the reserve, so the routine consumer holds routine tokens back until a call fills up or they are overdue (maxDefer). Urgent tokens still go at once. Look for what spends the quota: a surge, partial calls, or another user of the key.',
    );
    const routineLimit = props.maxHold.toSeconds() + ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS;
    add(
      'RoutineTimeToRevoke',
      laneMetric(props, MetricName.TimeToRevokeP95, Lane.Routine),
      routineLimit,
      `Routine tokens take longer than ${routineLimit} s (maxHold + ${ROUTINE_TIME_TO_REVOKE_MARGIN_SECONDS} s, 95th percentile averaged over 5 minutes) from enqueue to confirmation: the quota governor defers them (see TokensDeferred), runs are late or failing, or the routine share of the budget is too small for the load.`,
      { comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    add(
      'UrgentTimeToRevoke',
      laneMetric(props, MetricName.TimeToRevokeP95, Lane.Urgent),
      URGENT_TIME_TO_REVOKE_ALARM_SECONDS,
      `Urgent tokens take longer than ${URGENT_TIME_TO_REVOKE_ALARM_SECONDS} s (95th percentile averaged over 5 minutes) from enqueue to confirmation: the urgent function is retrying, throttled, or its share of the budget is too small for the leak being revoked.`,
      { comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );

    // --- Security review 2 (issue 17): tokens the API reports already dead ---------------------------
    // Random, replayed or stale tokens cost quota like live ones: a spike means a producer sends what
    // it should not (or someone sends for it).
    add(
      'TokensAlreadyDeadSpike',
      metric(MetricName.TokensAlreadyDead),
      props.alreadyDeadAlarmTokens,
      `More than ${props.alreadyDeadAlarmTokens} tokens in 5 minutes were already dead when sent (the API did not return them): a producer sends random, replayed or stale tokens, which spend the quota like live ones. Find the producer (the parked and dead-lettered messages, CloudTrail SendMessage and PutEvents calls) and stop it.`,
    );
  }
}

/** The window in which at least one run must happen: two ticks, and at least 5 minutes. */
export function missedSchedulePeriod(tick: Duration): Duration {
  return Duration.seconds(Math.max(300, 2 * tick.toSeconds()));
}
