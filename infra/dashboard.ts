import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Lane, MetricName } from '../functions/lib/telemetry-names';
import { handlerMetric, laneMetric } from './alarms';

export interface RevocationDashboardProps {
  readonly dashboardName: string;
  readonly queue: IQueue;
  readonly urgentQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly parkedQueue: IQueue;
  readonly scheduleDeadLetterQueue: IQueue;
  /** The urgent lane's SQS-triggered function. */
  readonly function: IFunction;
  /** The routine lane's scheduled consumer. */
  readonly consumer: IFunction;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

/** What operators watch: both lanes' queues and functions, time to revoke, the tokens and the API. */
export class RevocationDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RevocationDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const m = (name: MetricName, statistic = 'Sum'): IMetric =>
      handlerMetric(props, name, statistic).with({ period });
    const lane = (name: MetricName, which: Lane, statistic = 'Average'): IMetric =>
      laneMetric(props, name, which, statistic).with({ period, label: `${name} ${which}` });
    const bothLanes = (name: MetricName, statistic: string): IMetric[] =>
      [Lane.Routine, Lane.Urgent].map((which) => lane(name, which, statistic));
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    const depthAndAge = (title: string, queue: IQueue) =>
      graph(
        title,
        [queue.metricApproximateNumberOfMessagesVisible({ period })],
        [queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' })],
      );
    const runs = (title: string, fn: IFunction) =>
      graph(
        title,
        [fn.metricInvocations({ period }), fn.metricErrors({ period }), fn.metricThrottles({ period })],
        [fn.metricDuration({ period, statistic: 'Maximum' })],
      );
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      depthAndAge('Routine queue: depth and oldest age', props.queue),
      depthAndAge('Urgent queue: depth and oldest age', props.urgentQueue),
      graph(
        'Dead-letter and parked queues: depth, and arrivals',
        [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'Dead-lettered' }),
          props.parkedQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'Parked' }),
          props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            label: 'Missed ticks',
          }),
        ],
        [
          props.parkedQueue.metricNumberOfMessagesSent({
            period,
            statistic: 'Sum',
            label: 'Parked arrivals',
          }),
        ],
      ),
    );
    this.dashboard.addWidgets(
      runs('Routine consumer: runs, errors, duration', props.consumer),
      runs('Urgent function: invocations, errors, duration', props.function),
      graph('Time to revoke (s), per lane', [
        lane(MetricName.TimeToRevokeP50, Lane.Routine),
        lane(MetricName.TimeToRevokeP95, Lane.Routine),
        lane(MetricName.TimeToRevokeP50, Lane.Urgent),
        lane(MetricName.TimeToRevokeP95, Lane.Urgent),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Tokens', [
        m(MetricName.TokensInvalidated),
        m(MetricName.TokensAlreadyDead),
        m(MetricName.TokensParked),
        m(MetricName.TokensRetried),
        m(MetricName.TokensDeauthenticated),
      ]),
      graph('Routine tokens held and deferred', [m(MetricName.TokensHeld), m(MetricName.TokensDeferred)]),
      graph(
        'Stack Exchange calls',
        [
          m(MetricName.ApiCalls),
          m(MetricName.ApiErrors),
          m(MetricName.ThrottleViolations),
          m(MetricName.ConfigurationErrors),
        ],
        [m(MetricName.TokensPerCall, 'Average')],
      ),
    );
    this.dashboard.addWidgets(
      graph('Quota remaining', [m(MetricName.QuotaRemaining, 'Minimum')]),
      graph('Backoff requested (s)', [m(MetricName.BackoffSeconds)]),
      graph('SQS errors, per lane', bothLanes(MetricName.SqsErrors, 'Sum')),
    );
    this.dashboard.addWidgets(
      graph(
        'Daily call budget, per lane: spent and left',
        bothLanes(MetricName.BudgetCallsSpent, 'Sum'),
        bothLanes(MetricName.BudgetCallsLeft, 'Minimum'),
      ),
      graph('Pauses, per lane: paused runs (of them by an operator) and budget exhausted', [
        ...bothLanes(MetricName.PausedRuns, 'Sum'),
        ...bothLanes(MetricName.OperatorPausedRuns, 'Sum'),
        ...bothLanes(MetricName.BudgetExhausted, 'Sum'),
      ]),
      graph(
        'Routine backlog: oldest pending (s) and receive count',
        [
          lane(MetricName.OldestPendingAgeSeconds, Lane.Routine, 'Maximum'),
          lane(MetricName.BacklogClearEstimateSeconds, Lane.Routine, 'Maximum'),
        ],
        [lane(MetricName.MaxReceiveCountSeen, Lane.Routine, 'Maximum')],
      ),
    );
  }
}
