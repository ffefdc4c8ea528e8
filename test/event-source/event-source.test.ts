import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type InvocationReport,
  MAX_PAYLOAD_BYTES,
  RuntimeExitedError,
  type SqsEventSource,
  type SqsEventSourceOptions,
  type SqsHandler,
  startSqsEventSource,
} from '../../tools/event-source';
import { type LocalSqs, type QueueOptions, startLocalSqs } from '../../tools/local-sqs';
import { gate, queueCounts, sendBodies, sleep, waitFor } from './support';

/**
 * The event source model against the real local SQS server: each behaviour of Lambda's SQS event
 * source is observed from the outside, by handlers that record what they were given and by the queue.
 */
describe('SQS event source model', () => {
  let sqs: LocalSqs;
  let source: SqsEventSource | undefined;
  let queues = 0;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  afterEach(async () => {
    await source?.stop();
    source = undefined;
  });

  const queue = (options: QueueOptions = {}) => {
    queues += 1;
    return sqs.createQueue(`event-source-${queues}`, { visibilityTimeoutInSeconds: 30, ...options });
  };

  /** Starts the event source; every invocation report is collected in `reports`. */
  const start = async (queueUrl: string, options: Partial<SqsEventSourceOptions>) => {
    const reports: InvocationReport[] = [];
    source = await startSqsEventSource({
      sqs: sqs.client,
      queueUrl,
      createHandler: () => async () => undefined,
      ...options,
      onInvocation: (report) => reports.push(report),
    });
    return { source, reports };
  };

  /** A handler that records each event's bodies and receive counts, and returns what `answer` says. */
  const recorder = (answer: (event: SQSEvent, call: number) => Promise<Awaited<ReturnType<SqsHandler>>>) => {
    const events: { at: number; records: SQSRecord[] }[] = [];
    const handler: SqsHandler = async (event) => {
      events.push({ at: Date.now(), records: event.Records });
      return answer(event, events.length);
    };
    return { events, handler };
  };

  const bodies = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

  describe('gathering batches', () => {
    it('one poller gathers a trickle into one batch across receives, within the batching window', async () => {
      // Prepare
      const { queueUrl } = await queue();
      const { events, handler } = recorder(async () => undefined);
      const { reports } = await start(queueUrl, {
        pollers: 1,
        batchSize: 100,
        maxBatchingWindowMs: 3000,
        createHandler: () => handler,
      });
      // Act: 25 messages, one every 40 ms (1 s in all), well inside the 3 s window
      const sentAt = Date.now();
      for (const body of bodies('trickle', 25)) {
        await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        await sleep(40);
      }
      await waitFor('the batch', () => reports.length === 1);
      // Assess: more than one receive's 10 records, invoked no sooner than the window allows
      expect(events.map((event) => event.records.length)).toEqual([25]);
      expect(events[0]?.at ?? 0).toBeGreaterThanOrEqual(sentAt + 3000);
      expect(source?.stats().receives).toBeGreaterThan(3);
    });

    it('five pollers each gather their own batch of a trickle, all within the window', async () => {
      // Prepare
      const { queueUrl } = await queue();
      const { events, handler } = recorder(async () => undefined);
      const { reports } = await start(queueUrl, {
        pollers: 5,
        batchSize: 100,
        maxBatchingWindowMs: 3000,
        maxConcurrency: 5,
        createHandler: () => handler,
      });
      // Act: the same trickle as above
      for (const body of bodies('trickle', 25)) {
        await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        await sleep(40);
      }
      await waitFor('every record', () => reports.reduce((sum, r) => sum + r.records, 0) === 25);
      // Assess: several partial batches, one per poller that received any of the trickle
      const pollers = new Set(reports.map((report) => report.poller));
      expect(pollers.size).toBeGreaterThan(1);
      expect(reports).toHaveLength(pollers.size);
      expect(events.every((event) => event.records.length < 25)).toBe(true);
    });

    it('closes a batch at the batch size and keeps the rest for the next one', async () => {
      // Prepare: 50 messages waiting before the poller starts
      const { queueUrl } = await queue();
      await sendBodies(sqs.client, queueUrl, bodies('size', 50));
      const { events, handler } = recorder(async () => undefined);
      // Act
      const { reports } = await start(queueUrl, {
        pollers: 1,
        batchSize: 20,
        maxBatchingWindowMs: 1000,
        createHandler: () => handler,
      });
      await waitFor('every record', () => reports.reduce((sum, r) => sum + r.records, 0) === 50);
      // Assess
      expect(events.map((event) => event.records.length)).toEqual([20, 20, 10]);
      expect(new Set(events.flatMap((event) => event.records.map((r) => r.body))).size).toBe(50);
    });

    it('closes a batch before the event would pass 6 MB, and carries the rest to the next batch', async () => {
      // Prepare: 30 messages of 250,000 bytes: 7.5 MB in all
      const { queueUrl } = await queue();
      for (let i = 0; i < 30; i += 1) {
        const body = `${i}`.padEnd(250_000, 'x');
        await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      }
      // Act
      const { reports } = await start(queueUrl, { pollers: 1, batchSize: 100, maxBatchingWindowMs: 1000 });
      await waitFor('every record', () => reports.reduce((sum, r) => sum + r.records, 0) === 30);
      // Assess: each event fits; the first was closed by the limit (one more record would not fit)
      const [first, ...others] = reports;
      expect(first?.payloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      const recordSize = (first?.payloadBytes ?? 0) / (first?.records ?? 1);
      expect((first?.payloadBytes ?? 0) + recordSize).toBeGreaterThan(MAX_PAYLOAD_BYTES);
      expect(first?.records).toBeLessThan(30);
      expect(others.every((report) => report.payloadBytes <= MAX_PAYLOAD_BYTES)).toBe(true);
    }, 60_000);

    it('gives the handler the records as Lambda does: attributes, message attributes, ARN, region', async () => {
      // Prepare
      const { queueUrl, queueArn } = await queue();
      const { events, handler } = recorder(async () => undefined);
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: '{"token":"x"}',
          MessageAttributes: { reason: { DataType: 'String', StringValue: 'logout' } },
        }),
      );
      // Act
      const { reports } = await start(queueUrl, { pollers: 1, createHandler: () => handler });
      await waitFor('the batch', () => reports.length === 1);
      // Assess
      const record = events[0]?.records[0];
      expect(record).toMatchObject({
        body: '{"token":"x"}',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'us-east-1',
        messageAttributes: { reason: { stringValue: 'logout', dataType: 'String' } },
        attributes: { ApproximateReceiveCount: '1' },
      });
      expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
      expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    });
  });

  describe('concurrency', () => {
    it('never runs more than maxConcurrency invocations, each in its own instance, reused when free', async () => {
      // Prepare: each instance counts its own invocations and notices overlapping ones
      const { queueUrl } = await queue();
      let running = 0;
      let peak = 0;
      const instances: { invocations: number; overlapped: boolean; busy: boolean }[] = [];
      const createHandler = () => {
        const state = { invocations: 0, overlapped: false, busy: false };
        instances.push(state);
        return async () => {
          if (state.busy) state.overlapped = true;
          state.busy = true;
          running += 1;
          peak = Math.max(peak, running);
          state.invocations += 1;
          await sleep(100);
          running -= 1;
          state.busy = false;
          return undefined;
        };
      };
      const { reports } = await start(queueUrl, {
        pollers: 5,
        batchSize: 1,
        maxConcurrency: 3,
        createHandler,
      });
      // Act
      await sendBodies(sqs.client, queueUrl, bodies('busy', 30));
      await waitFor('every record', () => reports.length === 30);
      // Assess
      expect(peak).toBe(3);
      expect(source?.stats().peakConcurrency).toBe(3);
      expect(instances.length).toBeLessThanOrEqual(3);
      expect(instances.every((instance) => !instance.overlapped)).toBe(true);
      expect(instances.every((instance) => instance.invocations > 1)).toBe(true);
      expect(instances.reduce((sum, instance) => sum + instance.invocations, 0)).toBe(30);
    });

    it('stops reading while every slot is busy', async () => {
      // Prepare: two invocations hold both slots; polls outstanding at that moment end within 1 s
      const { queueUrl } = await queue();
      const door = gate();
      const { events, handler } = recorder(async () => {
        await door.pass();
        return undefined;
      });
      const { reports } = await start(queueUrl, {
        pollers: 5,
        batchSize: 1,
        maxConcurrency: 2,
        pollWaitSeconds: 1,
        functionTimeoutMs: 30_000,
        createHandler: () => handler,
      });
      await sendBodies(sqs.client, queueUrl, bodies('first', 2));
      await waitFor('both slots busy', () => events.length === 2);
      await sleep(1500);
      const receivesAtCap = source?.stats().receives;
      // Act
      await sendBodies(sqs.client, queueUrl, bodies('later', 10));
      await sleep(1500);
      // Assess: nobody read them
      expect(source?.stats().receives).toBe(receivesAtCap);
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 10, inFlight: 2, delayed: 0 });
      door.open();
      await waitFor('every record', () => reports.length === 12);
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it('makes a poller that holds a batch wait for a free slot', async () => {
      // Prepare: 10 messages that fit one per event, so the poller's one receive leaves it holding 8
      const { queueUrl } = await queue();
      await sendBodies(sqs.client, queueUrl, bodies('held'.padEnd(300, 'x'), 10));
      const door = gate();
      let running = 0;
      let peak = 0;
      const { events, handler } = recorder(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await door.pass();
        running -= 1;
        return undefined;
      });
      // Act
      const { reports } = await start(queueUrl, {
        pollers: 1,
        batchSize: 10,
        maxConcurrency: 2,
        maxPayloadBytes: 1024,
        functionTimeoutMs: 30_000,
        createHandler: () => handler,
      });
      await waitFor('both slots busy', () => events.length === 2);
      await sleep(500);
      // Assess: held, not invoked, not visible to others, not read again
      expect(events).toHaveLength(2);
      expect(source?.stats()).toMatchObject({ heldMessages: 8, receives: 1, busy: 2 });
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 0, inFlight: 10, delayed: 0 });
      door.open();
      await waitFor('every record', () => reports.length === 10);
      expect(peak).toBe(2);
      expect(reports.every((report) => report.records === 1 && report.payloadBytes <= 1024)).toBe(true);
    });
  });

  describe('outcomes', () => {
    it('deletes what succeeded; a reported failure comes back after the visibility timeout', async () => {
      // Prepare
      const { queueUrl } = await queue({ visibilityTimeoutInSeconds: 2 });
      await sendBodies(sqs.client, queueUrl, ['ok-0', 'ok-1', 'fail-once', 'ok-2', 'ok-3']);
      const { events, handler } = recorder(async (event) => ({
        batchItemFailures: event.Records.filter(
          (r) => r.body === 'fail-once' && r.attributes.ApproximateReceiveCount === '1',
        ).map((r) => ({ itemIdentifier: r.messageId })),
      }));
      // Act
      const { reports } = await start(queueUrl, {
        pollers: 1,
        functionTimeoutMs: 1000,
        createHandler: () => handler,
      });
      await waitFor('the retry', () => reports.length === 2);
      // Assess
      expect(events.map((event) => event.records.map((r) => r.body))).toEqual([
        ['ok-0', 'ok-1', 'fail-once', 'ok-2', 'ok-3'],
        ['fail-once'],
      ]);
      expect(events[1]?.records[0]?.attributes.ApproximateReceiveCount).toBe('2');
      expect((events[1]?.at ?? 0) - (events[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
      expect(reports.map((report) => report.outcome)).toEqual(['partial', 'success']);
      expect(source?.stats()).toMatchObject({ deleted: 5, reportedFailures: 1 });
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it.each<
      [string, (call: number) => Promise<undefined | { batchItemFailures: { itemIdentifier: string }[] }>]
    >([
      [
        'a thrown error',
        async (call) => {
          if (call === 1) throw new Error('handler failed');
          return undefined;
        },
      ],
      [
        'an unknown itemIdentifier',
        async (call) => (call === 1 ? { batchItemFailures: [{ itemIdentifier: 'no-such-id' }] } : undefined),
      ],
    ])('leaves the whole batch for %s', async (_name, answer) => {
      // Prepare
      const { queueUrl } = await queue({ visibilityTimeoutInSeconds: 1 });
      await sendBodies(sqs.client, queueUrl, ['a', 'b', 'c']);
      const { events, handler } = recorder((_event, call) => answer(call));
      // Act
      const { reports } = await start(queueUrl, {
        pollers: 1,
        functionTimeoutMs: 1000,
        createHandler: () => handler,
      });
      await waitFor('the retry', () => reports.length === 2);
      // Assess
      expect(events.map((event) => event.records.map((r) => r.body).sort())).toEqual([
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
      ]);
      expect(events[1]?.records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2', '2']);
      expect(reports.map((report) => [report.outcome, report.failed])).toEqual([
        ['error', 3],
        ['success', 0],
      ]);
      expect(source?.stats().deleted).toBe(3);
    });

    it.each<[string, (call: number) => Promise<undefined>]>([
      [
        'a timeout',
        async (call) => {
          if (call === 1) await sleep(3000);
          return undefined;
        },
      ],
      [
        'a runtime exit',
        async (call) => {
          if (call === 1) throw new RuntimeExitedError('SIGKILL');
          return undefined;
        },
      ],
    ])('leaves the whole batch and builds a new instance after %s', async (_name, answer) => {
      // Prepare: the batch comes back 2 s after its receive, well after the 1 s timeout ended it
      const { queueUrl } = await queue({ visibilityTimeoutInSeconds: 2 });
      await sendBodies(sqs.client, queueUrl, ['a', 'b']);
      let call = 0;
      const closed: number[] = [];
      const createHandler = (instance: number) => ({
        handle: async () => answer(++call),
        close: () => {
          closed.push(instance);
        },
      });
      // Act
      const { reports } = await start(queueUrl, { pollers: 1, functionTimeoutMs: 1000, createHandler });
      await waitFor('the retry', () => reports.length === 2);
      // Assess
      expect(reports.map((report) => [report.instance, report.failed])).toEqual([
        [0, 2],
        [1, 0],
      ]);
      expect(closed).toEqual([0]);
      expect(source?.stats().instancesCreated).toBe(2);
    });

    it('moves a message that keeps failing to the dead-letter queue by the queue redrive policy', async () => {
      // Prepare
      const dlq = await queue();
      const { queueUrl } = await queue({
        visibilityTimeoutInSeconds: 1,
        deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 2 },
      });
      await sendBodies(sqs.client, queueUrl, ['poison', 'fine']);
      const { events, handler } = recorder(async (event) => ({
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }));
      // Act
      await start(queueUrl, { pollers: 1, functionTimeoutMs: 1000, createHandler: () => handler });
      await waitFor(
        'the dead letter',
        async () => (await queueCounts(sqs.client, dlq.queueUrl)).visible === 1,
      );
      await sleep(1500);
      // Assess: delivered exactly maxReceiveCount times, then in the DLQ, nothing left in the source
      const deliveries = events.flatMap((event) => event.records.filter((r) => r.body === 'poison'));
      expect(deliveries.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
      const dead = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: dlq.queueUrl }));
      expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });
  });

  describe('start and stop', () => {
    it('refuses a queue whose visibility timeout is shorter than the function timeout', async () => {
      // Prepare
      const { queueUrl } = await queue({ visibilityTimeoutInSeconds: 2 });
      // Act
      const starting = startSqsEventSource({
        sqs: sqs.client,
        queueUrl,
        functionTimeoutMs: 3000,
        createHandler: () => async () => undefined,
      });
      // Assess
      await expect(starting).rejects.toMatchObject({
        name: 'EventSourceMappingError',
        message: expect.stringContaining('visibility timeout (2 s) is less than the function timeout (3 s)'),
      });
    });

    it('on stop, gives held messages back at once and waits for running invocations', async () => {
      // Prepare: one invocation running, eight messages held by the poller
      const { queueUrl } = await queue();
      await sendBodies(sqs.client, queueUrl, bodies('stop'.padEnd(300, 'x'), 10));
      const door = gate();
      const { events, handler } = recorder(async () => {
        await door.pass();
        return undefined;
      });
      let closed = 0;
      const { source: running } = await start(queueUrl, {
        pollers: 1,
        maxConcurrency: 2,
        maxPayloadBytes: 1024,
        functionTimeoutMs: 30_000,
        createHandler: () => ({
          handle: handler,
          close: () => {
            closed += 1;
          },
        }),
      });
      await waitFor('both slots busy', () => events.length === 2);
      // Act
      const stopping = running.stop();
      await sleep(200);
      const whileStopping = await queueCounts(sqs.client, queueUrl);
      door.open();
      await stopping;
      // Assess
      expect(whileStopping).toEqual({ visible: 8, inFlight: 2, delayed: 0 });
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 8, inFlight: 0, delayed: 0 });
      expect(running.idle()).toBe(true);
      expect(closed).toBe(2);
    });
  });

  describe('enabled and disabled (UpdateEventSourceMapping Enabled)', () => {
    it('started disabled it receives nothing; a poller holding part of a batch gives it back when disabled', async () => {
      // Prepare: disabled from the start, 3 messages waiting.
      const { queueUrl } = await queue();
      await sendBodies(sqs.client, queueUrl, ['a', 'b', 'c']);
      const { events, handler } = recorder(async () => undefined);
      const { source: running } = await start(queueUrl, {
        enabled: false,
        pollWaitSeconds: 1,
        maxBatchingWindowMs: 5000,
        createHandler: () => handler,
      });
      await waitFor('Disabled', () => running.state() === 'Disabled', 15_000);
      await sleep(300);
      // Assess: nothing received.
      expect(running.stats().receives).toBe(0);
      expect(await queueCounts(sqs.client, queueUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
      // Act: enable with a long batching window (the pollers hold what they gather), then disable.
      running.setEnabled(true);
      expect(running.state()).toBe('Enabled');
      await waitFor('all received', () => running.stats().receivedMessages >= 3, 15_000);
      running.setEnabled(false);
      await waitFor('Disabled again', () => running.state() === 'Disabled', 15_000);
      // Assess: whatever was held and not handed to an invocation is visible again at once.
      const handed = events.flatMap((event) => event.records).length;
      expect(await queueCounts(sqs.client, queueUrl)).toMatchObject({ visible: 3 - handed, inFlight: 0 });
    }, 60_000);
  });
});
