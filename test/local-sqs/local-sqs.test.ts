import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { isLoopbackAddress, listeningSockets } from '../support/listening-sockets';

/** Resolves with the error code of a TCP connection attempt, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.name));
  });
}

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

  it('names queues by the loopback endpoint, a URL every client can resolve', async () => {
    // Act
    const { queueUrl, queueArn } = await sqs.createQueue('named');
    // Assess
    expect(queueUrl).toBe(`${sqs.endpoint}/000000000000/named`);
    expect(new URL(queueUrl).hostname).toBe('127.0.0.1');
    expect(queueArn).toBe('arn:aws:sqs:us-east-1:000000000000:named');
  });

  it('listens on 127.0.0.1 only', async () => {
    // Act
    const sockets = await listeningSockets(sqs.pid);
    // Assess
    const port = Number(new URL(sqs.endpoint).port);
    expect(sockets).toContainEqual({ address: '127.0.0.1', port });
    expect(sockets.filter((socket) => !isLoopbackAddress(socket.address))).toEqual([]);
  });

  it("refuses connections on this machine's other addresses", async () => {
    // Prepare
    const port = Number(new URL(sqs.endpoint).port);
    const outside = Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .filter((address) => !address.internal && address.family === 'IPv4')
      .map((address) => address.address);
    // Act
    const answers = await Promise.all(outside.map((host) => tryConnect(host, port)));
    // Assess
    expect(answers).toEqual(outside.map(() => 'ECONNREFUSED'));
  });
});
