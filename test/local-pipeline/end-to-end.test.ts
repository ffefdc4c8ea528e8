import { enqueueTokens } from '../../functions/enqueue/enqueue';
import { type Pipeline, type PipelineOptions, startPipeline } from '../../tools/local-pipeline/pipeline';
import type { Handler } from '../../tools/local-pipeline/poller';
import { settled, summarize } from '../../tools/local-pipeline/summary';
import { type DemoWorkload, enqueueDemo } from '../../tools/local-pipeline/workload';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import type { FaultKind } from '../../tools/simulator';

/**
 * The full path producer -> queue -> poller -> handler -> simulator -> dead-letter queue, on a real
 * SQS-compatible server. Short function timeouts keep redeliveries quick (visibility 6 x 2 s + 1 s).
 */
describe('the whole pipeline, end to end', () => {
  let sqs: LocalSqs;
  let pipeline: Pipeline | undefined;
  let queues = 0;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  afterEach(async () => {
    await pipeline?.stop();
    pipeline = undefined;
    process.env = { ...savedEnv };
  });

  const loadHandler = (): Handler => {
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      handler = (require('../../functions/revoke-tokens/handler') as { handler: Handler }).handler;
    });
    return handler as Handler;
  };

  const start = async (options: Partial<PipelineOptions> = {}) => {
    queues += 1;
    pipeline = await startPipeline({
      sqsEndpoint: sqs.endpoint,
      sqs: sqs.client,
      name: `e2e-${queues}`,
      functionTimeoutInSeconds: 2,
      maxBatchingWindowInSeconds: 1,
      loadHandler,
      ...options,
      simulator: {
        latencyMs: { min: 5, max: 20 },
        banSeconds: 2,
        backoffSeconds: 1,
        timeoutMs: 3_000,
        ...options.simulator,
      },
    });
    return pipeline;
  };

  const waitUntilSettled = async (p: Pipeline, workload: DemoWorkload, limitMs = 90_000) => {
    const started = Date.now();
    while (!(await settled(p, workload))) {
      if (Date.now() - started > limitMs) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('revokes every logout with calls of 20 when 20 are waiting', async () => {
    // Prepare
    const p = await start({ simulator: { seed: 1 } });
    const tokens = p.simulator.issueTokens(100);
    // Act
    await enqueueTokens(tokens, {
      queueUrl: p.queueUrl,
      sqsClient: sqs.client,
      tokensPerMessage: 1,
      reason: 'logout',
    });
    const workload = { valid: tokens, deauthenticate: [], rejected: [], hostileMessages: 0, messages: 100 };
    await waitUntilSettled(p, workload);
    // Assess
    const summary = await summarize(p, workload);
    expect(summary.problems).toEqual([]);
    const calls = p.simulator.requests.map((r) => r.tokens.length);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(100);
    // At most one partial call per invocation: the remainder of its batch.
    expect(calls.filter((n) => n < 20).length).toBeLessThanOrEqual(p.poller.stats.invocations);
    expect(calls.filter((n) => n === 20).length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('runs the demo workload to a consistent end', async () => {
    const p = await start({ simulator: { seed: 2 } });
    const workload = await enqueueDemo(sqs.client, p.queueUrl, p.simulator, 60);
    await waitUntilSettled(p, workload);
    const summary = await summarize(p, workload);
    expect(summary.problems).toEqual([]);
    expect(summary.deadLetters.map((d) => d.reason).sort()).toEqual([
      'body_not_json',
      'invalid_token',
      'no_tokens',
      'rejected_by_api',
      'unknown_action',
    ]);
  }, 120_000);

  it.each<[string, number, FaultKind[]]>([
    ['5xx errors and HTML pages', 11, ['internal_error', 'temporarily_unavailable', 'html_503']],
    ['connection resets and timeouts', 12, ['connection_reset', 'timeout']],
    ['backoff and throttle violations', 13, ['backoff', 'throttle_violation']],
    [
      'a mix, with bad_parameter from the poisoned token',
      14,
      ['internal_error', 'connection_reset', 'backoff', 'write_failed'],
    ],
  ])(
    'loses nothing under %s (seed %i)',
    async (_name, seed, kinds) => {
      // Prepare
      // A 4 s function timeout leaves room for a backoff (1 s + 1 s margin) inside one invocation.
      const p = await start({
        functionTimeoutInSeconds: 4,
        simulator: { seed, faults: { rate: 0.2, kinds } },
      });
      // Act
      const workload = await enqueueDemo(sqs.client, p.queueUrl, p.simulator, 60);
      await waitUntilSettled(p, workload, 170_000);
      // Assess
      const summary = await summarize(p, workload);
      const exhausted = summary.deadLetters.filter((d) => d.reason === 'retries_exhausted').length;
      expect(summary.problems.filter((problem) => !problem.includes('ran out of retries'))).toEqual([]);
      expect(exhausted).toBe(0);
      expect(summary.backoffViolations + summary.throttleViolations).toBe(0);
    },
    200_000,
  );

  it('brings back the messages of a handler that crashes mid-batch, and loses nothing', async () => {
    // Prepare: the first invocation makes its calls, then throws before reporting
    let crashes = 0;
    const p = await start({
      simulator: { seed: 21 },
      wrapHandler: (handler) => async (event, context) => {
        const response = await handler(event, context);
        if (crashes === 0) {
          crashes += 1;
          throw new Error('simulated crash after the calls');
        }
        return response;
      },
    });
    // Act
    const workload = await enqueueDemo(sqs.client, p.queueUrl, p.simulator, 40);
    await waitUntilSettled(p, workload);
    // Assess
    expect(crashes).toBe(1);
    expect(p.poller.stats.handlerErrors).toBe(1);
    const summary = await summarize(p, workload);
    expect(summary.problems).toEqual([]);
  }, 120_000);
});
