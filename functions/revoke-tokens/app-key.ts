import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigurationError } from '../lib/errors';
import type { KeySource } from './config';

/**
 * Resolves the Stack Exchange app key: from the environment (local use), from a Secrets Manager
 * secret, or from an SSM SecureString parameter. The key never appears in the CloudFormation template.
 */
export async function resolveAppKey(source: KeySource): Promise<string | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'plain':
      return source.key;
    case 'secret':
      return nonEmpty(
        await fetchOrExplain('STACKEXCHANGE_KEY_SECRET_ID', () => getSecret(source.secretId)),
        'STACKEXCHANGE_KEY_SECRET_ID',
      );
    case 'parameter':
      return nonEmpty(
        await fetchOrExplain('STACKEXCHANGE_KEY_PARAMETER_NAME', () =>
          getParameter(source.parameterName, { decrypt: true }),
        ),
        'STACKEXCHANGE_KEY_PARAMETER_NAME',
      );
  }
}

async function fetchOrExplain(setting: string, fetch: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fetch();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new ConfigurationError(setting, `could not read the app key (${name})`, { cause: error });
  }
}

function nonEmpty(value: unknown, setting: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(setting, 'the stored app key is empty or not a string');
  }
  return value.trim();
}
