import { type ClientEvent, StackExchangeClient } from '../lib/stackexchange/client';
import { resolveAppKey } from './app-key';
import type { HandlerConfig } from './config';

/** The Stack Exchange client the configuration describes, app key resolved (the handler and the CLI share it). */
export async function clientFromConfig(
  config: HandlerConfig,
  onEvent?: (event: ClientEvent) => void,
): Promise<StackExchangeClient> {
  const key = await resolveAppKey(config.keySource);
  return new StackExchangeClient({
    apiUrl: config.apiUrl,
    key,
    authStyle: config.authStyle,
    requestsPerSecond: config.requestsPerSecond,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    onEvent,
  });
}
