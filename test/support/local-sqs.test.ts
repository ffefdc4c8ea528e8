import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';

describe('local SQS server', () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it('round-trips a message through a real queue on 127.0.0.1', async () => {
    // Prepare
    const { queueUrl } = await sqs.createQueue('round-trip');
    // Act
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"tokens":[]}' }));
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    // Assess
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(received.Messages?.map((m) => m.Body)).toEqual(['{"tokens":[]}']);
  });
});
