import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type FaultKind, startSimulator } from '../../tools/simulator';
import { captureOutput, lambdaContext, sqsEvent } from '../support/lambda';
import { runBatch } from './harness';

/**
 * Every failure scenario at once, with all output captured: no token may appear anywhere in it,
 * whether it was valid, hostile, poisoned or unknown.
 */
describe('tokens never reach the output', () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  const faults: FaultKind[] = [
    'internal_error',
    'temporarily_unavailable',
    'html_503',
    'connection_reset',
    'timeout',
    'bad_parameter',
    'access_denied',
    'no_method',
    'throttle_violation',
    'backoff',
    'invalid_access_token',
  ];

  it.each(faults)('under %s', async (fault) => {
    // Prepare
    const sim = await startSimulator({ seed: 5, timeoutMs: 1_000, backoffSeconds: 1 });
    const { queueUrl } = await sqs.createQueue(`secrets-${fault}`);
    const tokens = sim.issueTokens(25);
    const poison = tokens[3] as string;
    sim.poisonTokens([poison]);
    sim.injectFault(fault, { times: 2 });
    const hostile = ['hostile;TokenAAA', 'hostile/TokenBBB', 'hostile TokenCCC', 'hostile%2FTokenDDD'];
    const unknown = 'unknownTokenEEEEEEEEEE))';
    const event = sqsEvent([
      { tokens: tokens.slice(0, 20) },
      { tokens: [...tokens.slice(20), unknown, ...hostile] },
      '{"tokens":["brokenJsonTokenFFF"',
    ]);

    // Act
    const { output, error } = await captureOutput(() =>
      runBatch(event, {
        apiUrl: sim.url,
        sqs,
        parkedQueueUrl: queueUrl,
        client: { timeoutMs: 300 },
        context: lambdaContext(6_000),
      }).then((run) => {
        if (run.error instanceof Error)
          console.error(run.error.message, run.error.stack, JSON.stringify(run.error));
        return run;
      }),
    );
    await sim.close();

    // Assess
    expect(error).toBeUndefined();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of [...tokens, unknown, ...hostile, 'brokenJsonTokenFFF']) {
      expect(output).not.toContain(secret);
    }
    for (const fragment of ['TokenAAA', 'TokenBBB', 'TokenCCC', 'TokenDDD'])
      expect(output).not.toContain(fragment);
  });
});
