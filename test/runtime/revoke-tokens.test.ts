import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import {
  type FunctionArtifact,
  findFunction,
  installRuntimeInterfaceClient,
  type LambdaFunction,
  provideAwsSdk,
  type RuntimeInterfaceClient,
  startFunction,
  synthesizeApp,
} from '../../tools/lambda-runtime';
import { LOCAL_CREDENTIALS, type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { sqsEvent } from '../support/lambda';

const ENTRY = 'functions/revoke-tokens/handler.ts';
const APP_KEY = 'local-app-key((';

/**
 * The urgent function exactly as it is deployed: the asset `cdk synth` bundles (ESM, AWS SDK left
 * external), loaded by AWS's runtime interface client on Node 24, fed SQS events through a Runtime API
 * stand-in, with the SDK from outside the bundle, as Lambda's runtime provides it.
 */
describe('the urgent function as cdk synth packages it, on aws-lambda-ric and Node 24', () => {
  const folder = mkdtempSync(join(tmpdir(), 'lambda-runtime-'));
  let runtime: RuntimeInterfaceClient;
  let artifact: FunctionArtifact;
  let sqs: LocalSqs;
  let simulator: Simulator;
  let parkedQueueUrl: string;
  const functions: LambdaFunction[] = [];

  beforeAll(async () => {
    // aws-lambda-ric is built once per lockfile into node_modules/.cache (about a minute the first time).
    [runtime, artifact] = await Promise.all([
      installRuntimeInterfaceClient(),
      synthesizeApp(join(folder, 'cdk.out')).then((assembly) => findFunction(assembly, ENTRY)),
    ]);
    await provideAwsSdk(artifact.assetFolder);
    sqs = await startLocalSqs();
    simulator = await startSimulator({ requiredKey: APP_KEY });
    parkedQueueUrl = (await sqs.createQueue('runtime-dlq')).queueUrl;
  }, 300_000);

  afterAll(async () => {
    await Promise.all(functions.map((f) => f.stop()));
    await simulator?.close();
    await sqs?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The function with the template's environment and local endpoints: a cold start. */
  const start = async (environment: Readonly<Record<string, string>> = {}) => {
    const started = await startFunction({
      runtime,
      taskRoot: artifact.assetFolder,
      handler: artifact.handler,
      memorySizeInMb: artifact.memorySizeInMb,
      environment: {
        ...artifact.environment,
        STACKEXCHANGE_API_URL: simulator.url,
        STACKEXCHANGE_KEY: APP_KEY,
        PARKED_QUEUE_URL: parkedQueueUrl,
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ...environment,
      },
    });
    functions.push(started);
    return started;
  };

  const deadLetters = async () => {
    const received = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: parkedQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    return (received.Messages ?? []).map((message) => ({
      attribute: message.MessageAttributes?.reason?.StringValue,
      reason: (JSON.parse(message.Body ?? '{}') as { reason?: string }).reason,
      lane: (JSON.parse(message.Body ?? '{}') as { lane?: string }).lane,
    }));
  };

  it('is the template’s index.handler on nodejs24.x, the AWS SDK bundled in chunks it loads on first use', () => {
    // Act
    const bundle = readFileSync(join(artifact.assetFolder, 'index.mjs'), 'utf8');
    const chunks = [...bundle.matchAll(/["']\.\/(chunks\/[\w.-]+\.mjs)["']/g)].map((match) => match[1] ?? '');
    const code = chunks.map((chunk) => readFileSync(join(artifact.assetFolder, chunk), 'utf8')).join('\n');
    // Assess
    expect(artifact).toMatchObject({ handler: 'index.handler', runtime: 'nodejs24.x' });
    expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//); // nothing left for the runtime's own SDK
    expect(bundle).toMatch(/import\(["']\.\/chunks\//); // the SDK clients load on first use
    expect(code).toContain('SQSClient'); // and travel with the asset, the versions of the lock
  });

  it('revokes a valid batch: batchItemFailures is empty and the API confirms every token', async () => {
    // Prepare
    const fn = await start();
    const tokens = simulator.issueTokens(25);
    const event = sqsEvent([
      { tokens: tokens.slice(0, 20) },
      { token: tokens[20] },
      { tokens: tokens.slice(21) },
    ]);
    // Act
    const outcome = await fn.invoke(event);
    // Assess
    expect(outcome).toMatchObject({ kind: 'response', payload: { batchItemFailures: [] } });
    expect(tokens.map((token) => simulator.tokenState(token))).toEqual(tokens.map(() => 'invalidated'));
    expect(simulator.requests.every((request) => request.key === APP_KEY)).toBe(true);
    expect(tokens.filter((token) => fn.output().includes(token))).toEqual([]);
  });

  it('parks bad input in the dead-letter queue through SQS, each message with its reason', async () => {
    // Prepare
    const fn = await start();
    const event = sqsEvent(['not json at all', { tokens: [] }, { token: 'abc', action: 'explode' }]);
    // Act
    const outcome = await fn.invoke(event);
    // Assess
    expect(outcome).toMatchObject({ kind: 'response', payload: { batchItemFailures: [] } });
    const parked = await deadLetters();
    expect(parked.map((message) => message.attribute).sort()).toEqual([
      'body_not_json',
      'no_tokens',
      'unknown_action',
    ]);
    expect(parked.every((message) => message.reason === message.attribute)).toBe(true);
    expect(parked.map((message) => message.lane)).toEqual(['urgent', 'urgent', 'urgent']);
  });

  it('reports a broken configuration as an init error, naming the setting', async () => {
    // Prepare
    const fn = await start({ STACKEXCHANGE_API_URL: 'http://example.com/2.3' });
    // Act
    const report = await fn.initError();
    // Assess
    expect(report.errorType).toBe('ConfigurationError');
    expect(report.errorMessage).toContain('STACKEXCHANGE_API_URL');
    expect((await fn.exited).code).not.toBe(0);
  });
});
