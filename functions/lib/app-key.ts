import type { KeySource } from './config';
import { ConfigurationError } from './errors';

/**
 * Resolves the Stack Exchange app key once per instance: from the environment (local use), from a
 * Secrets Manager secret, or from an SSM SecureString parameter, so that the key never appears in the
 * CloudFormation template. The SDK clients are loaded only when a stored key is configured.
 */
export async function resolveAppKey(source: KeySource): Promise<string | undefined> {
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'plain':
      return source.key;
    case 'secret':
      return read('STACKEXCHANGE_KEY_SECRET_ID', async () => {
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
      return read('STACKEXCHANGE_KEY_PARAMETER_NAME', async () => {
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

async function read(setting: string, fetch: () => Promise<string | undefined>): Promise<string> {
  let value: string | undefined;
  try {
    value = await fetch();
  } catch (error) {
    // The SDK's error names (AccessDeniedException, ResourceNotFoundException) say enough; the key is not in them.
    const name = error instanceof Error ? error.name : 'Error';
    throw new ConfigurationError(setting, `could not read the app key (${name})`, { cause: error });
  }
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(setting, 'the stored app key is empty');
  }
  return value.trim();
}
