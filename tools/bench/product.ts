import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import type { Parker } from '../../functions/revoke-tokens/park';
import { processBatch } from '../../functions/revoke-tokens/process-batch';
import { createTelemetry, Tally } from '../../functions/revoke-tokens/telemetry';
import { PIPELINE_DEFAULTS } from '../../infra/settings';

const telemetry = createTelemetry({ serviceName: 'bench', metricsNamespace: 'Bench' });

/** Runs the product's batch processing as the deployed handler would, with the deployment defaults. */
export function invokeProduct(
  event: SQSEvent,
  client: StackExchangeClient,
  park: Parker,
  remainingMs = PIPELINE_DEFAULTS.functionTimeoutInSeconds * 1000,
): Promise<SQSBatchResponse> {
  return processBatch(
    event,
    { getRemainingTimeInMillis: () => remainingMs },
    {
      client,
      park,
      logger: telemetry.logger,
      metrics: telemetry.metrics,
      tally: new Tally(),
      callConcurrency: PIPELINE_DEFAULTS.callConcurrency,
      safetyMarginMs: 3000,
    },
  );
}
