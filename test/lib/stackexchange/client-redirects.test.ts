import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCategory, RedirectRefusedError } from '../../../functions/lib/errors';
import { RevocationAction } from '../../../functions/lib/message';
import { revokeTokens } from '../../../functions/lib/revoke';
import { ApiMethod } from '../../../functions/lib/stackexchange/api-method';
import { StackExchangeClient } from '../../../functions/lib/stackexchange/client';

/** A real HTTP server on 127.0.0.1 that records what reaches it and answers with `respond`. */
async function listen(
  respond: (request: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(request.url ?? '');
    const { status, headers, body } = respond(request);
    response.writeHead(status, headers).end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('StackExchangeClient and redirects (security review)', () => {
  const tokens = ['5bcPtLjiyuySD7WeKSo3Mw))', 'Zq9ExampleTokenAAAA1111))'];
  let elsewhere: Awaited<ReturnType<typeof listen>>;
  let api: Awaited<ReturnType<typeof listen>>;
  beforeEach(async () => {
    elsewhere = await listen(() => ({ status: 200, body: '{"items":[],"quota_max":1,"quota_remaining":1}' }));
  });
  afterEach(async () => {
    await api.close();
    await elsewhere.close();
  });

  it.each([301, 302, 303, 307, 308])(
    'refuses a %i: nothing reaches the target, no token is counted dead',
    async (status) => {
      // Prepare: the API answers with a redirect to another host and path.
      api = await listen(() => ({ status, headers: { location: `${elsewhere.url}/steal` } }));
      const client = new StackExchangeClient({
        apiUrl: `${api.url}/2.3`,
        key: 'appKey',
        retryBaseDelayMs: 1,
      });
      // Act
      const error = await client.invalidate(tokens).catch((e: unknown) => e);
      const revocation = await revokeTokens(client, new Map([[RevocationAction.Invalidate, tokens]]), {
        concurrency: 1,
        deadline: Date.now() + 5000,
      });
      // Assess
      expect(error).toBeInstanceOf(RedirectRefusedError);
      expect(error).toMatchObject({ status, category: ErrorCategory.Configuration, method: 'invalidate' });
      expect(elsewhere.seen).toEqual([]);
      expect(api.seen).toHaveLength(1); // no retry, and the method is paused
      expect(client.pausedUntil(ApiMethod.Invalidate)?.reason).toBe('configuration');
      for (const token of tokens) {
        expect(revocation.outcomes.get(RevocationAction.Invalidate)?.get(token)).toMatchObject({
          kind: 'failed',
        });
        expect((error as Error).message).not.toContain(token);
      }
    },
  );
});
