import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * The benchmark's model of Lambda's SQS event source: messages arrive in bursts, up to `concurrency`
 * workers each take up to `batchSize` waiting messages (waiting up to the batching window for a full
 * batch), invoke the handler, and put reported failures back after `retryDelayMs` (the visibility
 * timeout, scaled down) until `maxReceiveCount`. Wall time and failures are what Lambda would see.
 */
export interface EventSourceOptions {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly concurrency: number;
  readonly retryDelayMs: number;
  readonly maxReceiveCount: number;
  /** Stop after this long even if messages remain (they are reported as unfinished). */
  readonly timeLimitMs: number;
}

export interface Burst {
  /** Delay from the start of the run. */
  readonly atMs: number;
  readonly bodies: readonly string[];
}

export interface EventSourceResult {
  readonly invocations: number;
  readonly invocationMs: number;
  readonly deliveries: number;
  readonly failedDeliveries: number;
  readonly handlerErrors: number;
  readonly exhausted: number;
  readonly unfinished: number;
  readonly wallMs: number;
}

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

interface Pending {
  readonly id: string;
  readonly body: string;
  receives: number;
  visibleAt: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runEventSource(
  bursts: readonly Burst[],
  handler: Handler,
  options: EventSourceOptions,
) {
  const started = Date.now();
  const pending: Pending[] = [];
  let nextId = 0;
  let arrived = 0;
  const total = bursts.reduce((sum, burst) => sum + burst.bodies.length, 0);
  let settled = 0;
  const result = {
    invocations: 0,
    invocationMs: 0,
    deliveries: 0,
    failedDeliveries: 0,
    handlerErrors: 0,
    exhausted: 0,
  };

  const timers = bursts.map((burst) =>
    setTimeout(() => {
      for (const body of burst.bodies) pending.push({ id: `m${nextId++}`, body, receives: 0, visibleAt: 0 });
      arrived += burst.bodies.length;
    }, burst.atMs),
  );

  const take = (): Pending[] => {
    const now = Date.now();
    const batch: Pending[] = [];
    for (let i = 0; i < pending.length && batch.length < options.batchSize; ) {
      const message = pending[i] as Pending;
      if (message.visibleAt <= now) {
        batch.push(message);
        pending.splice(i, 1);
      } else i++;
    }
    return batch;
  };

  const worker = async () => {
    while (settled < total && Date.now() - started < options.timeLimitMs) {
      let batch = take();
      const windowEnds = Date.now() + options.batchingWindowMs;
      while (
        batch.length < options.batchSize &&
        Date.now() < windowEnds &&
        (arrived < total || pending.length > 0)
      ) {
        await sleep(20);
        batch = batch.concat(take().slice(0, options.batchSize - batch.length));
        if (batch.length > 0 && arrived === total && pending.every((p) => p.visibleAt > Date.now())) break;
      }
      if (batch.length === 0) {
        await sleep(20);
        continue;
      }
      for (const message of batch) message.receives += 1;
      const records = batch.map((message) => record(message));
      const invoked = Date.now();
      let failed: Set<string>;
      try {
        const response = await handler({ Records: records });
        failed = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        result.handlerErrors += 1;
        failed = new Set(batch.map((message) => message.id));
      }
      result.invocations += 1;
      result.invocationMs += Date.now() - invoked;
      result.deliveries += batch.length;
      for (const message of batch) {
        if (!failed.has(message.id)) {
          settled += 1;
          continue;
        }
        result.failedDeliveries += 1;
        if (message.receives >= options.maxReceiveCount) {
          result.exhausted += 1;
          settled += 1;
        } else {
          message.visibleAt = Date.now() + options.retryDelayMs;
          pending.push(message);
        }
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  for (const timer of timers) clearTimeout(timer);
  return { ...result, unfinished: total - settled, wallMs: Date.now() - started } satisfies EventSourceResult;
}

function record(message: Pending): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: message.id,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receives),
      SentTimestamp: '0',
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
    awsRegion: 'us-east-1',
  };
}
