import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ClientEvent } from '../lib/stackexchange/client';
import { ERROR_NAME_DIMENSION, MetricName } from '../lib/telemetry-names';

/** The Powertools logger and metrics of the function (module scope, created once). */
export function createTelemetry(options: { serviceName: string; metricsNamespace: string }) {
  return {
    logger: new Logger({ serviceName: options.serviceName }),
    metrics: new Metrics({ serviceName: options.serviceName, namespace: options.metricsNamespace }),
  };
}

/** Counts of one invocation, published as Embedded Metric Format at its end. */
export class Tally {
  tokensInvalidated = 0;
  tokensDeauthenticated = 0;
  tokensAlreadyDead = 0;
  tokensParked = 0;
  tokensRetried = 0;
  messagesParked = 0;
  parkingFailures = 0;
  configurationErrors = 0;
  apiCalls = 0;
  throttleViolations = 0;
  backoffSeconds = 0;
  quotaRemaining: number | undefined;
  readonly tokensPerSuccessfulCall: number[] = [];
  readonly apiErrorsByName = new Map<string, number>();
  readonly configurationErrorsByName = new Map<string, number>();

  /** Feeds the Stack Exchange client's telemetry. */
  readonly onClientEvent = (event: ClientEvent): void => {
    if (event.type === 'response') {
      this.apiCalls += 1;
      if (event.errorName === undefined) this.tokensPerSuccessfulCall.push(event.tokenCount);
      else {
        this.apiErrorsByName.set(event.errorName, (this.apiErrorsByName.get(event.errorName) ?? 0) + 1);
        if (event.errorName === 'throttle_violation') this.throttleViolations += 1;
      }
    } else if (event.type === 'backoff') {
      this.backoffSeconds += event.seconds;
    } else {
      this.quotaRemaining = event.remaining;
    }
  };

  configurationError(name: string): void {
    this.configurationErrors += 1;
    this.configurationErrorsByName.set(name, (this.configurationErrorsByName.get(name) ?? 0) + 1);
  }

  /** A plain summary for the invocation's log line (counts only, never tokens). */
  summary() {
    return {
      tokensInvalidated: this.tokensInvalidated,
      tokensDeauthenticated: this.tokensDeauthenticated,
      tokensAlreadyDead: this.tokensAlreadyDead,
      tokensParked: this.tokensParked,
      tokensRetried: this.tokensRetried,
      messagesParked: this.messagesParked,
      parkingFailures: this.parkingFailures,
      apiCalls: this.apiCalls,
      apiErrors: Object.fromEntries(this.apiErrorsByName),
      configurationErrors: this.configurationErrors,
      backoffSeconds: this.backoffSeconds,
      quotaRemaining: this.quotaRemaining,
    };
  }

  /** Writes every metric of the invocation (EMF on stdout) and clears the buffer. */
  publish(metrics: Metrics): void {
    const counts: [MetricName, number][] = [
      [MetricName.TokensInvalidated, this.tokensInvalidated],
      [MetricName.TokensDeauthenticated, this.tokensDeauthenticated],
      [MetricName.TokensAlreadyDead, this.tokensAlreadyDead],
      [MetricName.TokensParked, this.tokensParked],
      [MetricName.TokensRetried, this.tokensRetried],
      [MetricName.MessagesParked, this.messagesParked],
      [MetricName.ParkingFailures, this.parkingFailures],
      [MetricName.ApiCalls, this.apiCalls],
      [MetricName.ApiErrors, sum(this.apiErrorsByName)],
      [MetricName.ThrottleViolations, this.throttleViolations],
      [MetricName.ConfigurationErrors, this.configurationErrors],
    ];
    for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
    metrics.addMetric(MetricName.BackoffSeconds, MetricUnit.Seconds, this.backoffSeconds);
    if (this.quotaRemaining !== undefined) {
      metrics.addMetric(MetricName.QuotaRemaining, MetricUnit.Count, this.quotaRemaining);
    }
    for (const tokens of this.tokensPerSuccessfulCall)
      metrics.addMetric(MetricName.TokensPerCall, MetricUnit.Count, tokens);
    metrics.publishStoredMetrics();
    publishByName(metrics, MetricName.ApiErrors, this.apiErrorsByName);
    publishByName(metrics, MetricName.ConfigurationErrors, this.configurationErrorsByName);
  }
}

function sum(map: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}

function publishByName(metrics: Metrics, name: MetricName, counts: ReadonlyMap<string, number>): void {
  for (const [errorName, count] of counts) {
    const single = metrics.singleMetric();
    single.addDimension(ERROR_NAME_DIMENSION, errorName);
    single.addMetric(name, MetricUnit.Count, count);
  }
}
