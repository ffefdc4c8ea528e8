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
import { MetricName } from '../functions/lib/telemetry-names';

export interface RevocationAlarmsProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly function: IFunction;
  readonly topic: ITopic;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly maxMessageAge: Duration;
  readonly dailyQuota: number;
  readonly quotaAlarmFraction: number;
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
      comparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const metric = (name: MetricName, statistic?: string) => handlerMetric(props, name, statistic);

    add(
      'DeadLetterQueueNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      1,
      'The dead-letter queue holds messages: bad input the function parked (see the reason attribute) or messages whose retries ran out. Inspect them in the SQS console (parked ones carry a reason attribute), fix the cause, then replay with Start DLQ redrive (see the runbook).',
    );
    add(
      'Backlog',
      props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      props.maxMessageAge.toSeconds(),
      `Tokens have waited more than ${props.maxMessageAge.toSeconds()} s to be revoked: the function is failing, throttled, or the request budget is too small for the load. Check the function errors, the Stack Exchange throttle alarm and the dashboard.`,
    );
    add(
      'FunctionErrors',
      props.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'The revocation function failed whole invocations (every message of a batch failed, a crash, or a timeout). Read its logs; SQS retries the messages.',
    );
    add(
      'FunctionThrottles',
      props.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      1,
      'Lambda throttled the revocation function: the account concurrency limit is reached. Raise it or lower other functions; messages wait in the queue meanwhile.',
    );
    add(
      'ConfigurationErrors',
      metric(MetricName.ConfigurationErrors),
      1,
      'The handler reported a configuration error (wrong app key, wrong API URL, missing secret or dead-letter queue). Nothing is revoked until it is fixed: check the logs for the error_name, fix the setting, redeploy.',
    );
    add(
      'StackExchangeThrottled',
      metric(MetricName.ThrottleViolations),
      1,
      'Stack Exchange answered throttle_violation: this IP is banned for a while. The function pauses by itself; lower the request budget if it repeats, and check nothing else calls the API from the same address.',
    );
    add(
      'QuotaLow',
      metric(MetricName.QuotaRemaining, 'Minimum'),
      Math.floor(props.dailyQuota * props.quotaAlarmFraction),
      `Less than ${Math.round(props.quotaAlarmFraction * 100)}% of the daily Stack Exchange quota (${props.dailyQuota} calls) is left. Running out causes long bans: check for a surge of revocations or another user of the key.`,
      ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    add(
      'TokensParked',
      metric(MetricName.TokensParked),
      1,
      'The function parked tokens it will never retry (invalid syntax, or rejected by the API). A producer sends bad input: list the dead-letter queue to see the reasons and the source message ids.',
    );
  }
}
