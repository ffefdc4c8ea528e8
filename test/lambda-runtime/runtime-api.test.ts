import { LambdaRuntimeError, type RuntimeApi, startRuntimeApi } from '../../tools/lambda-runtime';
import { listeningSockets } from '../support/listening-sockets';

/** What a runtime interface client does: long-poll the next invocation. */
async function nextInvocation(api: RuntimeApi) {
  const response = await fetch(`http://${api.address}/2018-06-01/runtime/invocation/next`);
  return { headers: response.headers, event: (await response.json()) as unknown };
}

function post(api: RuntimeApi, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`http://${api.address}/2018-06-01/runtime${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Lambda Runtime API stand-in', () => {
  let api: RuntimeApi;
  beforeEach(async () => {
    api = await startRuntimeApi();
  });
  afterEach(() => api.stop());

  it('listens on 127.0.0.1 only', async () => {
    // Act
    const sockets = await listeningSockets(process.pid);
    // Assess
    const port = Number(api.address.split(':')[1]);
    expect(api.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sockets.filter((socket) => socket.port === port)).toEqual([{ address: '127.0.0.1', port }]);
  });

  it('hands an invocation to the next poll, with the headers a runtime needs, and returns its response', async () => {
    // Prepare
    const polled = nextInvocation(api);
    const before = Date.now();
    // Act
    const outcome = api.invoke({ Records: [] }, { timeoutInSeconds: 5, functionArn: 'arn:aws:lambda:::fn' });
    const { headers, event } = await polled;
    const requestId = headers.get('lambda-runtime-aws-request-id') ?? '';
    const answer = await post(api, `/invocation/${requestId}/response`, { batchItemFailures: [] });
    // Assess
    expect(event).toEqual({ Records: [] });
    expect(headers.get('lambda-runtime-invoked-function-arn')).toBe('arn:aws:lambda:::fn');
    expect(Number(headers.get('lambda-runtime-deadline-ms'))).toBeGreaterThanOrEqual(before + 5_000);
    expect(headers.get('lambda-runtime-trace-id')).toMatch(/^Root=1-/);
    expect(answer.status).toBe(202);
    await expect(outcome).resolves.toEqual({
      kind: 'response',
      requestId,
      payload: { batchItemFailures: [] },
    });
  });

  it('returns the error an invocation reports', async () => {
    // Prepare
    const outcome = api.invoke({});
    const { headers } = await nextInvocation(api);
    const requestId = headers.get('lambda-runtime-aws-request-id') ?? '';
    // Act
    await post(
      api,
      `/invocation/${requestId}/error`,
      { errorType: 'BatchFailedError', errorMessage: 'all 3 messages failed', trace: ['at x'] },
      { 'lambda-runtime-function-error-type': 'BatchFailedError' },
    );
    // Assess
    await expect(outcome).resolves.toEqual({
      kind: 'error',
      requestId,
      error: { errorType: 'BatchFailedError', errorMessage: 'all 3 messages failed', trace: ['at x'] },
    });
  });

  it('records an init error', async () => {
    // Act
    const answer = await post(
      api,
      '/init/error',
      { errorType: 'ConfigurationError', errorMessage: 'STACKEXCHANGE_API_URL: no' },
      { 'lambda-runtime-function-error-type': 'ConfigurationError' },
    );
    // Assess
    expect(answer.status).toBe(202);
    await expect(api.initError).resolves.toEqual({
      errorType: 'ConfigurationError',
      errorMessage: 'STACKEXCHANGE_API_URL: no',
    });
  });

  it('refuses a response for an unknown request id and an unknown route', async () => {
    // Act
    const unknownId = await post(api, '/invocation/nope/response', {});
    const unknownRoute = await fetch(`http://${api.address}/2018-06-01/runtime/elsewhere`);
    // Assess
    expect(unknownId.status).toBe(400);
    expect(unknownRoute.status).toBe(404);
  });

  it('gives up on an invocation that outlives its timeout, as Lambda does', async () => {
    // Act
    const outcome = api.invoke({}, { timeoutInSeconds: 0.2 });
    // Assess
    await expect(outcome).rejects.toThrow(LambdaRuntimeError);
    await expect(outcome).rejects.toThrow(/did not end within 0.2 s/);
  });
});
