import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Parker } from '../../functions/lib/park';
import type { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { createTelemetry } from '../../functions/lib/telemetry';
import { processBatch, respond } from '../../functions/revoke-tokens/process-batch';
import { PIPELINE_DEFAULTS } from '../../infra/settings';

const telemetry = createTelemetry({ serviceName: 'bench', metricsNamespace: 'Bench' });

/** Runs the product's batch processing as the deployed handler would, with the deployment defaults. */
export async function invokeProduct(
  event: SQSEvent,
  client: StackExchangeClient,
  park: Parker,
  remainingMs = PIPELINE_DEFAULTS.functionTimeoutInSeconds * 1000,
): Promise<SQSBatchResponse> {
  const { fates } = await processBatch(
    event,
    { getRemainingTimeInMillis: () => remainingMs },
    {
      client,
      park,
      logger: telemetry.logger,
      callConcurrency: PIPELINE_DEFAULTS.callConcurrency,
      safetyMarginMs: 3000,
    },
  );
  return respond(fates);
}
