import {
  GetEventSourceMappingCommand,
  LambdaClient,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { type SqsEventSource, startSqsEventSource } from '../../tools/event-source';
import { type LocalLambda, startLocalLambda } from '../../tools/local-lambda';
import { LOCAL_CREDENTIALS, type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { queueCounts, sendBodies, waitFor } from '../event-source/support';

/** The Lambda API stand-in, through the real @aws-sdk/client-lambda, driving a real event source model. */
describe('local Lambda API: event source mappings', () => {
  let sqs: LocalSqs;
  let lambda: LocalLambda;
  let client: LambdaClient;
  let source: SqsEventSource;
  let uuid: string;
  let queueUrl: string;
  const handled: string[] = [];

  beforeAll(async () => {
    sqs = await startLocalSqs();
    lambda = await startLocalLambda();
    ({ queueUrl } = await sqs.createQueue('mapped', { visibilityTimeoutInSeconds: 30 }));
    source = await startSqsEventSource({
      sqs: sqs.client,
      queueUrl,
      pollWaitSeconds: 1,
      createHandler: () => async (event) => {
        handled.push(...event.Records.map((record) => record.body));
        return { batchItemFailures: [] };
      },
    });
    uuid = lambda.addEventSourceMapping({
      source,
      eventSourceArn: source.queueArn,
      functionName: 'mapped-function',
      batchSize: 10,
      maximumBatchingWindowInSeconds: 0,
      maximumConcurrency: 2,
    });
    client = new LambdaClient({
      endpoint: lambda.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await source.stop();
    await lambda.stop();
    await sqs.stop();
  });

  it('disables (Disabling, then Disabled: nothing received), enables again (the waiting message is handled)', async () => {
    // Prepare
    const before = await client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    expect(before).toMatchObject({
      UUID: uuid,
      State: 'Enabled',
      EventSourceArn: source.queueArn,
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:mapped-function',
      BatchSize: 10,
    });
    expect(before.LastModified).toBeInstanceOf(Date);
    // Act: disable; wait until every poller stopped.
    const answer = await client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
    expect(['Disabling', 'Disabled']).toContain(answer.State);
    await waitFor(
      'Disabled',
      async () => (await client.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State === 'Disabled',
      5000,
    );
    const received = source.stats().receivedMessages;
    await sendBodies(sqs.client, queueUrl, ['while disabled']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Assess: not received, still visible.
    expect(source.stats().receivedMessages).toBe(received);
    expect(await queueCounts(sqs.client, queueUrl)).toMatchObject({ visible: 1, inFlight: 0 });
    // Act: enable.
    const enabled = await client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
    // Assess
    expect(enabled.State).toBe('Enabled');
    await waitFor('the message handled', () => handled.includes('while disabled'), 5000);
  });

  it('answers ResourceNotFoundException for an unknown UUID', async () => {
    await expect(
      client.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses a change other than Enabled instead of ignoring it', async () => {
    await expect(
      client.send(new UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 5 })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('BatchSize'),
    });
    expect((await client.send(new GetEventSourceMappingCommand({ UUID: uuid }))).BatchSize).toBe(10);
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(`${lambda.endpoint}/2015-03-31/event-source-mappings/${uuid}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
  });
});
