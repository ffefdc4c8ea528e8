import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../functions/lib/telemetry-names';
import { handlerMetric } from './alarms';

export interface RevocationDashboardProps {
  readonly dashboardName: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly function: IFunction;
  readonly metricsNamespace: string;
  readonly serviceName: string;
}

/** What operators watch: the queues, the function, the tokens and the API. */
export class RevocationDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: RevocationDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const m = (name: MetricName, statistic = 'Sum'): IMetric =>
      handlerMetric(props, name, statistic).with({ period });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      graph(
        'Queue depth and age',
        [props.queue.metricApproximateNumberOfMessagesVisible({ period })],
        [props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' })],
      ),
      graph('Dead-letter queue depth', [
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period }),
      ]),
      graph('Function invocations and errors', [
        props.function.metricInvocations({ period }),
        props.function.metricErrors({ period }),
        props.function.metricThrottles({ period }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Function duration', [
        props.function.metricDuration({ period, statistic: 'p50' }),
        props.function.metricDuration({ period, statistic: 'Maximum' }),
      ]),
      graph('Tokens', [
        m(MetricName.TokensInvalidated),
        m(MetricName.TokensAlreadyDead),
        m(MetricName.TokensParked),
        m(MetricName.TokensRetried),
        m(MetricName.TokensDeauthenticated),
      ]),
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
    );
  }
}
