import { resolveAppKey } from './app-key';
import type { HandlerConfig } from './config';
import { StackExchangeClient } from './stackexchange/client';

/** The Stack Exchange client the configuration describes, app key resolved (the handler and the CLI share it). */
export async function clientFromConfig(config: HandlerConfig): Promise<StackExchangeClient> {
  const key = await resolveAppKey(config.keySource);
  return new StackExchangeClient({
    apiUrl: config.apiUrl,
    key,
    authStyle: config.authStyle,
    requestsPerSecond: config.requestsPerSecond,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
  });
}
