import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { captureOutput, lambdaContext, sqsEvent } from '../support/lambda';
import { drainQueue } from './harness';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const originalEnv = { ...process.env };

/** Loads the Lambda entry module afresh (a cold start) with the given environment, as Lambda sets it. */
function coldStart(env: Record<string, string>): Handler {
  Object.assign(process.env, env);
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require('../../functions/revoke-tokens/handler') as { handler: Handler }).handler;
  });
  return handler as Handler;
}

/** The error a cold start throws (the module registry is isolated, so compare by name). */
function coldStartError(env: Record<string, string>): { name: string; setting: string; message: string } {
  try {
    coldStart(env);
  } catch (error) {
    return error as { name: string; setting: string; message: string };
  }
  throw new Error('the cold start did not fail');
}

describe('handler (the Lambda entry point)', () => {
  let sqs: LocalSqs;
  let sim: Simulator;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    sim = await startSimulator({ seed: 2, requiredKey: 'localAppKey' });
  });
  afterEach(async () => {
    process.env = { ...originalEnv };
    await sim.close();
  });

  it('revokes, parks in the parked queue and publishes metrics with the configuration from the environment', async () => {
    // Prepare: the parked queue, and a dead-letter queue named by the variable parking used before the split
    const { queueUrl } = await sqs.createQueue('handler-parked');
    const deadLetters = await sqs.createQueue('handler-dlq');
    const handler = coldStart({
      STACKEXCHANGE_API_URL: sim.url,
      STACKEXCHANGE_KEY: 'localAppKey',
      PARKED_QUEUE_URL: queueUrl,
      DEAD_LETTER_QUEUE_URL: deadLetters.queueUrl,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_METRICS_NAMESPACE: 'TokenRevokerTest',
    });
    const tokens = sim.issueTokens(30);
    const event = sqsEvent([...tokens.map((token) => ({ token })), 'garbage']);

    // Act
    const { result, output } = await captureOutput(() => handler(event, lambdaContext()));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([20, 10]);
    expect(sim.requests.every((r) => r.key === 'localAppKey')).toBe(true);
    expect(await drainQueue(sqs, queueUrl)).toEqual([
      expect.objectContaining({ reason: 'body_not_json', body: 'garbage' }),
    ]);
    // Bad input is a ticket, never a dead letter: the dead-letter queue's arrivals page.
    expect(await drainQueue(sqs, deadLetters.queueUrl)).toEqual([]);
    const emf = output
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.some((m) => m.TokensInvalidated === 30 && m.MessagesParked === 1 && m.ApiCalls === 2)).toBe(
      true,
    );
    expect(output).not.toContain('localAppKey');
  });

  it('fails the cold start with the name of a bad setting', () => {
    expect(coldStartError({ STACKEXCHANGE_API_URL: 'http://api.stackexchange.com/2.3' })).toMatchObject({
      name: 'ConfigurationError',
      setting: 'STACKEXCHANGE_API_URL',
    });
    process.env = { ...originalEnv };
    expect(coldStartError({ STACKEXCHANGE_REQUESTS_PER_SECOND: 'fast' })).toMatchObject({
      name: 'ConfigurationError',
      setting: 'STACKEXCHANGE_REQUESTS_PER_SECOND',
    });
  });
});
