import { ConfigurationError } from './errors';
import { isLoopbackHost } from './stackexchange/api-url';

/**
 * Validates an SQS queue URL or endpoint: https only (message bodies hold tokens), plain http for
 * loopback hosts only (the local SQS server).
 * @returns the URL as given.
 */
export function checkQueueUrl(value: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      setting,
      'is not a URL (expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)',
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigurationError(
      setting,
      `${url.protocol}//${url.host} is not allowed: use https (plain http only for a loopback SQS server)`,
    );
  }
  return value;
}
