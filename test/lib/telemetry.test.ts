import { NO_PARKED_QUEUE } from '../../functions/lib/park';
import {
  countClientEvents,
  countParking,
  createTelemetry,
  mergeCounts,
  NO_COUNTS,
  percentiles,
  publishCounts,
} from '../../functions/lib/telemetry';
import { Lane, MetricName } from '../../functions/lib/telemetry-names';
import { captureOutput } from '../support/lambda';

describe('counts', () => {
  it('adds the parts every step returns; the last known quota wins', () => {
    const total = mergeCounts(
      { tokensInvalidated: 3, apiErrors: { internal_error: 1 }, quotaRemaining: 90 },
      { tokensInvalidated: 2, apiErrors: { internal_error: 2, timeout: 1 }, secondsToRevoke: [4] },
      { quotaRemaining: undefined, secondsToRevoke: [1] },
    );
    expect(total).toMatchObject({
      tokensInvalidated: 5,
      apiErrors: { internal_error: 3, timeout: 1 },
      quotaRemaining: 90,
      secondsToRevoke: [4, 1],
    });
    expect(mergeCounts()).toEqual(NO_COUNTS);
  });

  it('counts what the client reported: calls, tokens per successful call, errors, throttles, backoff, quota', () => {
    const counts = countClientEvents([
      { type: 'response', method: 'invalidate', status: 200, tokenCount: 20, itemCount: 20, durationMs: 5 },
      {
        type: 'response',
        method: 'invalidate',
        status: 400,
        tokenCount: 20,
        itemCount: 0,
        durationMs: 5,
        errorName: 'throttle_violation',
      },
      { type: 'backoff', method: 'invalidate', seconds: 3 },
      { type: 'quota', remaining: 42, max: 10_000 },
    ]);
    expect(counts).toEqual({
      apiCalls: 2,
      tokensPerCall: [20],
      apiErrors: { throttle_violation: 1 },
      throttleViolations: 1,
      backoffSeconds: 3,
      quotaRemaining: 42,
    });
  });

  it('counts parked messages and tokens, failures, and a missing dead-letter queue as a configuration error', () => {
    const entry = { reason: 'invalid_token', detail: 'x', sourceMessageId: 'm', tokens: ['a', 'b'] } as const;
    expect(
      mergeCounts(
        countParking([
          { entry, parked: true },
          { entry, parked: false, failure: NO_PARKED_QUEUE },
        ]),
      ),
    ).toMatchObject({
      messagesParked: 1,
      tokensParked: 2,
      parkingFailures: 1,
      configurationErrors: { [NO_PARKED_QUEUE]: 1 },
    });
  });

  it('takes percentiles by nearest rank', () => {
    expect(percentiles([])).toBeUndefined();
    expect(percentiles([5])).toEqual({ p50: 5, p95: 5, max: 5 });
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ p50: 50, p95: 95, max: 100 });
  });
});

describe('publishCounts', () => {
  it('writes one EMF block of counts, one per error name, and the time to revoke with its lane', async () => {
    // Prepare
    const { metrics } = createTelemetry({ serviceName: 'telemetry-test', metricsNamespace: 'TelemetryTest' });
    const counts = mergeCounts({
      tokensInvalidated: 20,
      tokensPerCall: [20],
      apiCalls: 1,
      configurationErrors: { access_denied: 1 },
      secondsToRevoke: [2, 4, 60],
    });
    // Act
    const { output } = await captureOutput(async () => publishCounts(metrics, counts, Lane.Routine));
    // Assess
    const blocks = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(blocks.find((b) => MetricName.TokensInvalidated in b)).toMatchObject({
      TokensInvalidated: 20,
      ApiCalls: 1,
      ConfigurationErrors: 1,
    });
    // Zero counts are not published: a custom metric is billed for every hour it gets data.
    expect(blocks.some((b) => MetricName.TokensParked in b || MetricName.BackoffSeconds in b)).toBe(false);
    expect(blocks.find((b) => b.error_name === 'access_denied')).toMatchObject({ ConfigurationErrors: 1 });
    expect(blocks.find((b) => MetricName.TimeToRevokeP95 in b)).toMatchObject({
      lane: 'routine',
      TimeToRevokeP95: 60,
    });
    expect(blocks.find((b) => MetricName.TimeToRevokeP50 in b)).toMatchObject({
      lane: 'routine',
      TimeToRevokeP50: 4,
    });
  });

  it('publishes nothing, and warns of nothing, when nothing happened (an idle run costs no metric)', async () => {
    const { metrics } = createTelemetry({ serviceName: 'telemetry-test', metricsNamespace: 'TelemetryTest' });
    const { output } = await captureOutput(async () => publishCounts(metrics, NO_COUNTS, Lane.Urgent));
    expect(output).toBe('');
  });
});
