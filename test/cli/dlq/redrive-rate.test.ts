import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { redrive } from '../../../functions/cli/dlq/redrive';
import { formatMessageBody } from '../../../functions/lib/message';
import { type LocalSqs, localSqsClient, startLocalSqs } from '../../../tools/local-sqs';
import { fakeClock } from './fake-clock';

describe('dlq redrive --rate against a local SQS server', () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  /** A DLQ holding `count` requests, and a destination queue. */
  const queuesWith = async (name: string, count: number) => {
    const dlq = await sqs.createQueue(`${name}-dlq`);
    const destination = await sqs.createQueue(`${name}-source`);
    const entries = Array.from({ length: count }, (_, i) => ({
      Id: String(i),
      MessageBody: formatMessageBody({ tokens: [`rateToken${i}`] }),
    }));
    for (let i = 0; i < count; i += 10) {
      await sqs.client.send(
        new SendMessageBatchCommand({ QueueUrl: dlq.queueUrl, Entries: entries.slice(i, i + 10) }),
      );
    }
    return { dlqUrl: dlq.queueUrl, destinationUrl: destination.queueUrl };
  };

  /** Runs redrive on the fake clock, recording when (on that clock) each SendMessageBatch went out, and its size. */
  const pacedRedrive = async (name: string, count: number, ratePerSecond: number) => {
    const { dlqUrl, destinationUrl } = await queuesWith(name, count);
    const clock = fakeClock();
    const sends: [number, number][] = [];
    const client = localSqsClient(sqs.endpoint);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageBatchCommand') {
          const input = args.input as { QueueUrl?: string; Entries?: unknown[] };
          if (input.QueueUrl === destinationUrl) sends.push([clock.now(), input.Entries?.length ?? 0]);
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const result = await redrive(client, [{ source: 'dead_letter', url: dlqUrl, label: '--dlq-url' }], {
        lanes: { urls: {}, flags: { routine: '--queue-url', urgent: '--urgent-queue-url' } },
        to: destinationUrl,
        waitSeconds: 0,
        ratePerSecond,
        clock,
      });
      return { result, sends };
    } finally {
      client.destroy();
    }
  };

  it('sends N messages a second: batches of N, one second apart, every message moved once', async () => {
    // Act: 25 requests at 10 a second, 7 at 2 a second
    const ten = await pacedRedrive('rate-ten', 25, 10);
    const two = await pacedRedrive('rate-two', 7, 2);
    // Assess: the schedule on the pacing clock
    expect(ten.sends).toEqual([
      [0, 10],
      [1000, 10],
      [2000, 5],
    ]);
    expect(two.sends).toEqual([
      [0, 2],
      [1000, 2],
      [2000, 2],
      [3000, 1],
    ]);
    expect(ten.result.rows.filter((row) => row.outcome === 'moved')).toHaveLength(25);
    expect(two.result.rows.filter((row) => row.outcome === 'moved')).toHaveLength(7);
    expect(new Set(ten.result.rows.map((row) => row.messageId)).size).toBe(25);
  });

  it('below one a second, sends one message at a time', async () => {
    const slow = await pacedRedrive('rate-slow', 3, 0.25);
    expect(slow.sends).toEqual([
      [0, 1],
      [4000, 1],
      [8000, 1],
    ]);
  });
});
