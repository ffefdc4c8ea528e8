import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveAppKey } from '../../functions/lib/app-key';
import { ConfigurationError } from '../../functions/lib/errors';

/**
 * A stand-in for Secrets Manager and SSM on 127.0.0.1, speaking their JSON protocol: it answers
 * GetSecretValue and GetParameter from `values`, and ResourceNotFoundException / ParameterNotFound
 * for anything else.
 */
async function startKeyStore(values: Record<string, string>) {
  const targets: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      targets.push(target);
      const input = JSON.parse(body || '{}') as { SecretId?: string; Name?: string };
      const value = values[input.SecretId ?? input.Name ?? ''];
      const json = (status: number, payload: object) =>
        response
          .writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify(payload));
      if (value === undefined) {
        json(400, {
          __type: target.startsWith('AmazonSSM') ? 'ParameterNotFound' : 'ResourceNotFoundException',
          message: 'not found',
        });
      } else if (target === 'secretsmanager.GetSecretValue')
        json(200, { Name: input.SecretId, SecretString: value });
      else json(200, { Parameter: { Name: input.Name, Type: 'SecureString', Value: value } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    targets,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('resolveAppKey', () => {
  const saved = { ...process.env };
  let store: Awaited<ReturnType<typeof startKeyStore>>;
  beforeAll(async () => {
    store = await startKeyStore({
      'token-revoker/app-key': '  secretKey1  ',
      '/token-revoker/app-key': 'paramKey1',
      empty: ' ',
    });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: store.endpoint,
      AWS_ENDPOINT_URL_SSM: store.endpoint,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await store.close();
  });

  it('returns no key, or the plain key, without any call', async () => {
    expect(await resolveAppKey({ kind: 'none' })).toBeUndefined();
    expect(await resolveAppKey({ kind: 'plain', key: 'k1' })).toBe('k1');
    expect(store.targets).toEqual([]);
  });

  it('reads a Secrets Manager secret (trimmed)', async () => {
    expect(await resolveAppKey({ kind: 'secret', secretId: 'token-revoker/app-key' })).toBe('secretKey1');
    expect(store.targets).toContain('secretsmanager.GetSecretValue');
  });

  it('reads an SSM SecureString parameter', async () => {
    expect(await resolveAppKey({ kind: 'parameter', parameterName: '/token-revoker/app-key' })).toBe(
      'paramKey1',
    );
    expect(store.targets).toContain('AmazonSSM.GetParameter');
  });

  it('names the setting and the SDK error when the key cannot be read, never a value', async () => {
    const error = await resolveAppKey({ kind: 'secret', secretId: 'missing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      setting: 'STACKEXCHANGE_KEY_SECRET_ID',
      message: 'STACKEXCHANGE_KEY_SECRET_ID: could not read the app key (ResourceNotFoundException)',
    });
    const parameter = await resolveAppKey({ kind: 'parameter', parameterName: 'missing' }).catch(
      (e: unknown) => e,
    );
    expect(parameter).toMatchObject({
      setting: 'STACKEXCHANGE_KEY_PARAMETER_NAME',
      message: expect.stringContaining('ParameterNotFound'),
    });
  });

  it('refuses an empty stored key', async () => {
    await expect(resolveAppKey({ kind: 'secret', secretId: 'empty' })).rejects.toThrow(
      'the stored app key is empty',
    );
  });
});
