import { type Command, Option } from 'commander';
import { clientFromConfig } from '../lib/client-from-config';
import { readConfig } from '../lib/config';
import { ConfigurationError } from '../lib/errors';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { type FromCommandLine, settingError } from './setting-error';

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

/** Each flag, its option key and the handler's variable it overrides. */
const SETTINGS = [
  { variable: 'STACKEXCHANGE_API_URL', flag: '--api-url', key: 'apiUrl' },
  { variable: 'STACKEXCHANGE_AUTH_STYLE', flag: '--auth-style', key: 'authStyle' },
  { variable: 'STACKEXCHANGE_REQUESTS_PER_SECOND', flag: '--requests-per-second', key: 'requestsPerSecond' },
  { variable: 'STACKEXCHANGE_TIMEOUT_MS', flag: '--timeout-ms', key: 'timeoutMs' },
  { variable: 'STACKEXCHANGE_MAX_ATTEMPTS', flag: '--max-attempts', key: 'maxAttempts' },
] as const satisfies readonly { variable: string; flag: string; key: keyof ApiFlags }[];

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
 * STACKEXCHANGE_KEY_SECRET_ID or STACKEXCHANGE_KEY_PARAMETER_NAME. A bad value typed as a flag exits
 * 2 (usage); a bad value from the environment exits 3 (configuration).
 */
export async function createApiClient(
  flags: ApiFlags,
  env: Readonly<Record<string, string | undefined>>,
  fromCommandLine: FromCommandLine,
): Promise<StackExchangeClient> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const setting of SETTINGS) merged[setting.variable] = flags[setting.key] ?? env[setting.variable];
  try {
    const config = readConfig(merged);
    return await clientFromConfig(config);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      const setting = SETTINGS.find((s) => s.variable === error.setting);
      throw settingError(error, setting !== undefined && fromCommandLine(setting.key), setting?.flag);
    }
    throw error;
  }
}
