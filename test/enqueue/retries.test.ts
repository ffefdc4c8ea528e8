import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { enqueueTokens } from '../../functions/enqueue';
import { LOCAL_CREDENTIALS } from '../../tools/local-sqs';
import { withEnv } from '../support/env';

/** How the counting server answers each SendMessageBatch. */
type Answer =
  | { readonly kind: 'status'; readonly status: number; readonly type: string }
  | { readonly kind: 'failed'; readonly senderFault: boolean }
  | { readonly kind: 'ok' };

/**
 * An SQS-compatible server (JSON protocol) on 127.0.0.1 that counts the SendMessageBatch requests
 * on the wire and answers each from a script (the last answer repeats).
 */
async function countingSqs(script: readonly Answer[]) {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const action = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
      const answer = script[Math.min(requests, script.length - 1)] as Answer;
      if (action === 'SendMessageBatch') requests += 1;
      const entries =
        (
          JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
            Entries?: { Id: string; MessageBody: string }[];
          }
        ).Entries ?? [];
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(body));
      };
      if (answer.kind === 'status')
        reply(answer.status, { __type: `com.amazonaws.sqs#${answer.type}`, message: answer.type });
      else if (answer.kind === 'failed') {
        reply(200, {
          Successful: [],
          Failed: entries.map(({ Id }) => ({
            Id,
            Code: answer.senderFault ? 'InvalidParameterValue' : 'InternalError',
            SenderFault: answer.senderFault,
            Message: 'scripted',
          })),
        });
      } else {
        reply(200, {
          Successful: entries.map(({ Id, MessageBody }) => ({
            Id,
            MessageId: `m-${Id}`,
            MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex'),
          })),
          Failed: [],
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/000000000000/counted`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs with the SDK's standard configuration pointed at `endpoint` (what `new SQSClient({})` reads). */
const withSdkEnvironment = <T>(endpoint: string, act: () => Promise<T>): Promise<T> =>
  withEnv(
    {
      AWS_ENDPOINT_URL_SQS: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_MAX_ATTEMPTS: undefined,
    },
    act,
  );

const SERVER_ERROR: Answer = { kind: 'status', status: 500, type: 'InternalError' };
const THROTTLED: Answer = { kind: 'status', status: 400, type: 'RequestThrottled' };
const FAILED_ON_SQS_SIDE: Answer = { kind: 'failed', senderFault: false };
const SENDER_FAULT: Answer = { kind: 'failed', senderFault: true };

describe('enqueueTokens retries: one layer, maxAttempts requests on the wire', () => {
  it.each([
    ['a server error on every request', SERVER_ERROR, 'unreachable', 'InternalError'],
    ['throttling on every request', THROTTLED, 'unreachable', 'RequestThrottled'],
    ['entries Failed on the SQS side every time', FAILED_ON_SQS_SIDE, 'refused', 'InternalError'],
  ] as const)('%s: the default maxAttempts, 4 requests (12 before)', async (_, answer, failure, code) => {
    // Prepare
    const sqs = await countingSqs([answer]);
    // Act: the default client, as a producer without its own client gets it
    const result = await withSdkEnvironment(sqs.endpoint, () =>
      enqueueTokens(['retryToken1'], { queueUrl: sqs.queueUrl, retryBaseDelayMs: 1 }),
    );
    await sqs.close();
    // Assess
    expect(sqs.requests()).toBe(4);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', failure, code });
  });

  it('maxAttempts: 2 means two requests, whichever layer retries', async () => {
    for (const answer of [SERVER_ERROR, FAILED_ON_SQS_SIDE]) {
      const sqs = await countingSqs([answer]);
      await withSdkEnvironment(sqs.endpoint, () =>
        enqueueTokens(['retryToken2'], { queueUrl: sqs.queueUrl, maxAttempts: 2, retryBaseDelayMs: 1 }),
      );
      await sqs.close();
      expect(sqs.requests()).toBe(2);
    }
  });

  it('counts the client retries of a call against the entries it carried', async () => {
    // Prepare: a server error, then the entry Failed on the SQS side, then success
    const sqs = await countingSqs([SERVER_ERROR, FAILED_ON_SQS_SIDE, { kind: 'ok' }]);
    // Act
    const result = await withSdkEnvironment(sqs.endpoint, () =>
      enqueueTokens(['retryToken3'], { queueUrl: sqs.queueUrl, maxAttempts: 2, retryBaseDelayMs: 1 }),
    );
    await sqs.close();
    // Assess: the first call took two requests (its retry included), so the Failed entry is final
    expect(sqs.requests()).toBe(2);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', failure: 'refused' });
  });

  it('sends an entry again after a Failed answer, and stops at success', async () => {
    const sqs = await countingSqs([FAILED_ON_SQS_SIDE, { kind: 'ok' }]);
    const result = await withSdkEnvironment(sqs.endpoint, () =>
      enqueueTokens(['retryToken4'], { queueUrl: sqs.queueUrl, retryBaseDelayMs: 1 }),
    );
    await sqs.close();
    expect(sqs.requests()).toBe(2);
    expect(result.outcomes[0]).toMatchObject({ status: 'sent', messageId: 'm-0' });
  });

  it("never resends an entry refused as the sender's fault", async () => {
    const sqs = await countingSqs([SENDER_FAULT]);
    const result = await withSdkEnvironment(sqs.endpoint, () =>
      enqueueTokens(['retryToken5'], { queueUrl: sqs.queueUrl, retryBaseDelayMs: 1 }),
    );
    await sqs.close();
    expect(sqs.requests()).toBe(1);
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      failure: 'refused',
      code: 'InvalidParameterValue',
    });
  });

  it("leaves transport retries to a client's own maxAttempts", async () => {
    // Prepare: a client of the producer's, with the SDK's retries set to 3
    const sqs = await countingSqs([SERVER_ERROR]);
    const client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 3,
    });
    // Act
    await enqueueTokens(['retryToken6'], { queueUrl: sqs.queueUrl, sqsClient: client, retryBaseDelayMs: 1 });
    client.destroy();
    await sqs.close();
    // Assess: 3 requests, not 3 x 4
    expect(sqs.requests()).toBe(3);
  });
});
