import { backlogClearEstimateSeconds, publishLaneGauges } from '../../../functions/lib/control/lane-metrics';
import { createTelemetry } from '../../../functions/lib/telemetry';
import { MetricName } from '../../../functions/lib/telemetry-names';
import { captureOutput } from '../../support/lambda';

const emfOf = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('lane gauges', () => {
  it('publishes each known, non-zero value once with its lane; an idle run publishes nothing', async () => {
    const { metrics } = createTelemetry({ serviceName: 'svc', metricsNamespace: 'Ns' });
    const idle = await captureOutput(async () =>
      publishLaneGauges(metrics, 'routine', {
        sqsErrors: 0,
        budgetCallsSpent: 0,
        budgetCallsLeft: 7200,
        budgetExhausted: 0,
        pausedRuns: 0,
        oldestPendingAgeSeconds: undefined,
      }),
    );
    expect(emfOf(idle.output)).toEqual([]);
    const busy = await captureOutput(async () =>
      publishLaneGauges(metrics, 'urgent', {
        sqsErrors: 2,
        budgetCallsSpent: 5,
        budgetCallsLeft: 95,
        budgetExhausted: 0,
        pausedRuns: 0,
        oldestPendingAgeSeconds: 12.5,
        maxReceiveCountSeen: Number.NaN,
      }),
    );
    const published = emfOf(busy.output);
    expect(published.every((metric) => metric.lane === 'urgent' && metric.service === 'svc')).toBe(true);
    expect(published.map((metric) => Object.keys(metric).find((key) => key in MetricName)).sort()).toEqual(
      [
        MetricName.BudgetCallsLeft,
        MetricName.BudgetCallsSpent,
        MetricName.OldestPendingAgeSeconds,
        MetricName.SqsErrors,
      ].sort(),
    );
  });

  it('estimates a backlog at the lane rate while the day lasts, then at the budget per day', () => {
    const day = 86_400;
    // 2,000 tokens = 100 calls at 5 requests/s: 20 s.
    expect(
      backlogClearEstimateSeconds({
        tokens: 2000,
        requestsPerSecond: 5,
        callsLeftToday: 500,
        secondsLeftToday: 3600,
        callsPerDay: 7200,
      }),
    ).toBe(20);
    // 100 calls with 40 left today: the rest waits for the next day (60 of 7,200 a day).
    expect(
      backlogClearEstimateSeconds({
        tokens: 2000,
        requestsPerSecond: 5,
        callsLeftToday: 40,
        secondsLeftToday: 3600,
        callsPerDay: 7200,
      }),
    ).toBeCloseTo(3600 + (60 / 7200) * day, 6);
    expect(
      backlogClearEstimateSeconds({
        tokens: 20,
        requestsPerSecond: 5,
        callsLeftToday: 0,
        secondsLeftToday: 10,
        callsPerDay: 0,
      }),
    ).toBe(Number.POSITIVE_INFINITY);
  });
});
