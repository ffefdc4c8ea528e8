import { type Command, Option } from 'commander';
import { clientFromConfig } from '../lib/client-from-config';
import { readConfig } from '../lib/config';
import { ConfigurationError } from '../lib/errors';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { CliError, ExitCode } from './exit-codes';

/** Stack Exchange flags of invalidate / inspect / deauthenticate; each falls back to the handler's variable. */
export interface ApiFlags {
  /** --api-url / STACKEXCHANGE_API_URL. @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl?: string;
  /** --auth-style / STACKEXCHANGE_AUTH_STYLE. @default 'query' */
  readonly authStyle?: string;
  /** --requests-per-second / STACKEXCHANGE_REQUESTS_PER_SECOND. @default 5 */
  readonly requestsPerSecond?: string;
  /** --timeout-ms / STACKEXCHANGE_TIMEOUT_MS. @default 10000 */
  readonly timeoutMs?: string;
  /** --max-attempts / STACKEXCHANGE_MAX_ATTEMPTS. @default 3 */
  readonly maxAttempts?: string;
}

const FLAG_BY_VARIABLE: Readonly<Record<string, string>> = {
  STACKEXCHANGE_API_URL: '--api-url',
  STACKEXCHANGE_AUTH_STYLE: '--auth-style',
  STACKEXCHANGE_REQUESTS_PER_SECOND: '--requests-per-second',
  STACKEXCHANGE_TIMEOUT_MS: '--timeout-ms',
  STACKEXCHANGE_MAX_ATTEMPTS: '--max-attempts',
};

export function addApiOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--api-url <url>', 'Stack Exchange API base URL, version included (https only)').env(
        'STACKEXCHANGE_API_URL',
      ),
    )
    .addOption(
      new Option('--auth-style <style>', 'how the app key is sent')
        .choices(['query', 'header'])
        .env('STACKEXCHANGE_AUTH_STYLE'),
    )
    .addOption(
      new Option('--requests-per-second <n>', 'request budget (default 5)').env(
        'STACKEXCHANGE_REQUESTS_PER_SECOND',
      ),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'timeout of one request (default 10000)').env(
        'STACKEXCHANGE_TIMEOUT_MS',
      ),
    )
    .addOption(
      new Option('--max-attempts <n>', 'attempts per call on transient errors (default 3)').env(
        'STACKEXCHANGE_MAX_ATTEMPTS',
      ),
    );
}

/**
 * A StackExchangeClient configured like the handler: the flags override the handler's environment
 * variables, which readConfig validates; the app key comes from STACKEXCHANGE_KEY,
 * STACKEXCHANGE_KEY_SECRET_ID or STACKEXCHANGE_KEY_PARAMETER_NAME.
 */
export async function createApiClient(
  flags: ApiFlags,
  env: Readonly<Record<string, string | undefined>>,
): Promise<StackExchangeClient> {
  const merged: Record<string, string | undefined> = {
    ...env,
    STACKEXCHANGE_API_URL: flags.apiUrl ?? env.STACKEXCHANGE_API_URL,
    STACKEXCHANGE_AUTH_STYLE: flags.authStyle ?? env.STACKEXCHANGE_AUTH_STYLE,
    STACKEXCHANGE_REQUESTS_PER_SECOND: flags.requestsPerSecond ?? env.STACKEXCHANGE_REQUESTS_PER_SECOND,
    STACKEXCHANGE_TIMEOUT_MS: flags.timeoutMs ?? env.STACKEXCHANGE_TIMEOUT_MS,
    STACKEXCHANGE_MAX_ATTEMPTS: flags.maxAttempts ?? env.STACKEXCHANGE_MAX_ATTEMPTS,
  };
  try {
    const config = readConfig(merged);
    return await clientFromConfig(config);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      const flag = FLAG_BY_VARIABLE[error.setting];
      throw new CliError(`${flag ? `${flag} / ` : ''}${error.message}`, ExitCode.Unavailable, [], {
        cause: error,
      });
    }
    throw error;
  }
}
