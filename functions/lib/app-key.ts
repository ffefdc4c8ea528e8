import type { KeySource } from './config';
import { ConfigurationError } from './errors';

/**
 * Resolves the Stack Exchange app key once per instance: from the environment (local use), from a
 * Secrets Manager secret, or from an SSM SecureString parameter, so that the key never appears in the
 * CloudFormation template. The SDK clients are loaded only when a stored key is configured.
 */
export function resolveAppKey(source: KeySource): Promise<string | undefined> {
  return resolveStoredText(source, {
    what: 'the app key',
    secret: 'STACKEXCHANGE_KEY_SECRET_ID',
    parameter: 'STACKEXCHANGE_KEY_PARAMETER_NAME',
  });
}

/** Where a stored text comes from, for errors: what it is and the variables naming its store. */
export interface StoredTextSettings {
  readonly what: string;
  readonly secret: string;
  readonly parameter: string;
}

/** Reads a text kept in the environment (local use), a Secrets Manager secret or an SSM SecureString parameter. */
export async function resolveStoredText(
  source: KeySource,
  settings: StoredTextSettings,
): Promise<string | undefined> {
  const read = (setting: string, fetch: () => Promise<string | undefined>) =>
    readStored(setting, settings.what, fetch);
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'plain':
      return source.key;
    case 'secret':
      return read(settings.secret, async () => {
        const { SecretsManagerClient, GetSecretValueCommand } = await import(
          '@aws-sdk/client-secrets-manager'
        );
        const client = new SecretsManagerClient({});
        try {
          return (await client.send(new GetSecretValueCommand({ SecretId: source.secretId }))).SecretString;
        } finally {
          client.destroy();
        }
      });
    case 'parameter':
      return read(settings.parameter, async () => {
        const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
        const client = new SSMClient({});
        try {
          const response = await client.send(
            new GetParameterCommand({ Name: source.parameterName, WithDecryption: true }),
          );
          return response.Parameter?.Value;
        } finally {
          client.destroy();
        }
      });
  }
}

async function readStored(
  setting: string,
  what: string,
  fetch: () => Promise<string | undefined>,
): Promise<string> {
  let value: string | undefined;
  try {
    value = await fetch();
  } catch (error) {
    // The SDK's error names (AccessDeniedException, ResourceNotFoundException) say enough; the key is not in them.
    const name = error instanceof Error ? error.name : 'Error';
    throw new ConfigurationError(setting, `could not read ${what} (${name})`, { cause: error });
  }
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(setting, `the stored ${what.replace(/^the /, '')} is empty`);
  }
  return value.trim();
}
