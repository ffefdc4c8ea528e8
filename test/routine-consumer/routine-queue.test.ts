import { MAX_VISIBILITY_SECONDS, routineQueue } from '../../functions/routine-consumer/routine-queue';
import { localSqsClient } from '../../tools/local-sqs';
import { useLocalServers } from '../support/servers';
import { queueDepth, sendBodies, visibleNow } from './support';

describe('routineQueue', () => {
  const servers = useLocalServers();

  it('receives with the visibility asked, deletes, and changes visibility in batches of 10', async () => {
    // Prepare
    const { queueUrl } = await servers.sqs.createQueue('routine-queue-ops');
    await sendBodies(
      servers.sqs,
      queueUrl,
      Array.from({ length: 15 }, (_, i) => ({ token: `t${i}` })),
    );
    const queue = routineQueue(servers.sqs.client, queueUrl, () => undefined);
    // Act
    const received = [...(await queue.receive(60, 1)), ...(await queue.receive(60, 1))];
    // Assess
    expect(received).toHaveLength(15);
    expect(received[0]?.message.Attributes?.SentTimestamp).toEqual(expect.any(String));
    expect(await queue.delete(received.slice(0, 12))).toBe(0);
    expect(await queue.setVisibility(received.slice(12).map((r) => ({ received: r, seconds: 0 })))).toBe(0);
    expect(await visibleNow(servers.sqs, queueUrl)).toBe(3);
  });

  it('clamps visibility to what SQS accepts (0 to 12 hours)', async () => {
    const { queueUrl } = await servers.sqs.createQueue('routine-queue-clamp');
    await sendBodies(servers.sqs, queueUrl, [{ token: 'a' }, { token: 'b' }]);
    const queue = routineQueue(servers.sqs.client, queueUrl, () => undefined);
    const [first, second] = await queue.receive(60, 1);
    if (first === undefined || second === undefined) throw new Error('expected two messages');
    const failed = await queue.setVisibility([
      { received: first, seconds: -5 },
      { received: second, seconds: MAX_VISIBILITY_SECONDS * 3 },
    ]);
    expect(failed).toBe(0);
    expect(await queueDepth(servers.sqs, queueUrl)).toMatchObject({ visible: 1, inFlight: 1 });
  });

  it('reports SQS failures instead of throwing: nothing received, every entry counted failed', async () => {
    const closed = localSqsClient('http://127.0.0.1:9');
    const errors: string[] = [];
    const queue = routineQueue(closed, 'http://127.0.0.1:9/000000000000/q', (operation) =>
      errors.push(operation),
    );
    const handle = { message: { MessageId: 'm' }, receiptHandle: 'r', receivedAt: Date.now() };
    expect(await queue.receive(30, 1)).toEqual([]);
    expect(await queue.delete([handle, handle])).toBe(2);
    expect(await queue.setVisibility([{ received: handle, seconds: 5 }])).toBe(1);
    expect(errors).toEqual(['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch']);
    closed.destroy();
  });
});
