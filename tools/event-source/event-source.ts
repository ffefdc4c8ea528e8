import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { EventSourceMappingError, RuntimeExitedError } from './errors';
import { InstancePool, type PooledInstance } from './instances';
import {
  type InvocationReport,
  type ResolvedOptions,
  resolveOptions,
  type SqsEventSourceOptions,
} from './options';
import { EVENT_ENVELOPE_BYTES, invocationContext, recordBytes, toRecord } from './records';
import { pause, Slots } from './slots';

/** Counters of a running event source (a snapshot). */
export interface EventSourceStats {
  /** ReceiveMessage calls that answered, empty ones included. */
  readonly receives: number;
  readonly receivedMessages: number;
  readonly receiveErrors: number;
  readonly invocations: number;
  readonly records: number;
  readonly deleted: number;
  readonly deleteErrors: number;
  /** Records named in batchItemFailures. */
  readonly reportedFailures: number;
  /** Invocations that threw (the whole batch stays). */
  readonly handlerErrors: number;
  /** Invocations that answered batchItemFailures naming no record of the batch (the whole batch stays). */
  readonly invalidResponses: number;
  readonly timeouts: number;
  readonly initErrors: number;
  /** Execution environments built (cold starts). */
  readonly instancesCreated: number;
  /** Invocations running now. */
  readonly busy: number;
  readonly peakConcurrency: number;
  /** Messages received by pollers and not yet handed to an invocation. */
  readonly heldMessages: number;
  /** Total time spent in invocations (for GB-seconds). */
  readonly invocationMs: number;
}

/**
 * The mapping's state, as GetEventSourceMapping reports it: `Disabling` until every poller has
 * stopped (a long poll under way finishes first; what it brings back goes back to the queue at once),
 * then `Disabled`; `Enabling` is never seen here (the pollers start at once).
 */
export type EventSourceState = 'Enabled' | 'Disabling' | 'Disabled';

/** A running model of Lambda's SQS event source mapping. */
export interface SqsEventSource {
  readonly queueArn: string;
  /** Enabled=true/false of UpdateEventSourceMapping: disabled, no poller receives. */
  setEnabled(enabled: boolean): void;
  state(): EventSourceState;
  stats(): EventSourceStats;
  /** No invocation runs and no poller holds a message. */
  idle(): boolean;
  /** Stops polling (held batches go back to the queue at once), waits for running invocations. */
  stop(): Promise<void>;
}

const FUNCTION_NAME = 'local-sqs-consumer';

type Counters = { -readonly [K in keyof EventSourceStats]: EventSourceStats[K] };

/** What the batch's answer leaves in the queue: reported failures, or everything if the answer is invalid. */
function failedIds(
  response: SQSBatchResponse | undefined,
  records: readonly SQSRecord[],
  reportBatchItemFailures: boolean,
): { readonly failed: ReadonlySet<string>; readonly valid: boolean } {
  const failures = response?.batchItemFailures;
  if (!reportBatchItemFailures || failures === undefined || failures === null || failures.length === 0) {
    return { failed: new Set(), valid: true };
  }
  const ids = new Set(records.map((record) => record.messageId));
  const failed = new Set(failures.map((failure) => failure?.itemIdentifier));
  // Lambda: an empty, null or unknown itemIdentifier fails the whole batch.
  const valid = [...failed].every((id) => typeof id === 'string' && ids.has(id));
  return { failed: valid ? (failed as Set<string>) : ids, valid };
}

class EventSource implements SqsEventSource {
  readonly queueArn: string;
  readonly #options: ResolvedOptions;
  readonly #slots: Slots;
  readonly #pool: InstancePool;
  readonly #stop = new AbortController();
  readonly #pollers: Promise<void>[];
  readonly #running = new Set<Promise<void>>();
  readonly #counters: Counters = {
    receives: 0,
    receivedMessages: 0,
    receiveErrors: 0,
    invocations: 0,
    records: 0,
    deleted: 0,
    deleteErrors: 0,
    reportedFailures: 0,
    handlerErrors: 0,
    invalidResponses: 0,
    timeouts: 0,
    initErrors: 0,
    instancesCreated: 0,
    busy: 0,
    peakConcurrency: 0,
    heldMessages: 0,
    invocationMs: 0,
  };
  #stopped: Promise<void> | undefined;
  #enabled: boolean;
  /** Pollers waiting for the mapping to be enabled. */
  #parked = 0;
  /** Wakes the parked pollers when the mapping is enabled (or stopped). */
  #wake: (() => void) | undefined;
  #enabledAgain: Promise<void> | undefined;

  constructor(options: ResolvedOptions, queueArn: string) {
    this.#options = options;
    this.queueArn = queueArn;
    this.#slots = new Slots(options.maxConcurrency);
    this.#pool = new InstancePool(options.createHandler);
    this.#enabled = options.enabled;
    this.#stop.signal.addEventListener('abort', () => this.#wake?.(), { once: true });
    this.#pollers = Array.from({ length: options.pollers }, (_, index) => this.#poll(index));
  }

  stats(): EventSourceStats {
    return {
      ...this.#counters,
      instancesCreated: this.#pool.created,
      busy: this.#slots.busy,
      peakConcurrency: this.#slots.peak,
    };
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.#enabled) return;
    this.#enabled = enabled;
    if (enabled) {
      this.#wake?.();
      this.#wake = undefined;
      this.#enabledAgain = undefined;
    }
  }

  state(): EventSourceState {
    if (this.#enabled) return 'Enabled';
    return this.#parked === this.#options.pollers || this.#stopping ? 'Disabled' : 'Disabling';
  }

  /** Parks a poller until the mapping is enabled again or stopped (at once if it already is). */
  async #whileDisabled(): Promise<void> {
    // Enabled again (or stopped) while this poller was giving its messages back: do not wait.
    if (this.#enabled || this.#stopping) return;
    this.#enabledAgain ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#parked += 1;
    await this.#enabledAgain;
    this.#parked -= 1;
  }

  idle(): boolean {
    return this.#slots.busy === 0 && this.#counters.heldMessages === 0;
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stop.abort();
      await Promise.all(this.#pollers);
      await Promise.all([...this.#running]);
      await this.#pool.closeAll();
    })();
    return this.#stopped;
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** One poller: gathers a batch, waits for a slot, hands the batch to an invocation, again. */
  async #poll(poller: number): Promise<void> {
    let carried: Message[] = [];
    while (!this.#stopping) {
      if (!this.#enabled) {
        // Disabled: what the poller holds goes back at once, and it receives nothing until enabled.
        await this.#release(carried);
        carried = [];
        await this.#whileDisabled();
        continue;
      }
      const { batch, rest } = await this.#gather(carried);
      carried = rest;
      if (!this.#enabled) {
        carried = [...batch, ...carried];
        continue;
      }
      if (batch.length === 0) continue;
      if (this.#stopping || !(await this.#slots.acquire(this.#stop.signal))) {
        carried = [...batch, ...carried];
        break;
      }
      const run = this.#invoke(batch, poller).finally(() => {
        this.#slots.release();
        this.#running.delete(run);
      });
      this.#running.add(run);
    }
    await this.#release(carried);
  }

  /**
   * Long-polls until the batch is full, its window (counted from its first record) has passed, or the
   * next record would take the event over the payload limit (that record starts the next batch).
   * Never reads while every slot is busy: an empty poller waits for a free slot, a poller holding a
   * partial batch waits for a slot or the end of its window.
   */
  async #gather(carried: readonly Message[]): Promise<{ batch: Message[]; rest: Message[] }> {
    const { batchSize, maxBatchingWindowMs, maxPayloadBytes, pollWaitSeconds } = this.#options;
    const batch: Message[] = [];
    const rest: Message[] = [];
    let bytes = EVENT_ENVELOPE_BYTES;
    const add = (messages: readonly Message[]) => {
      for (const message of messages) {
        const size = recordBytes(toRecord(message, this.queueArn));
        const fits = batch.length === 0 || bytes + size <= maxPayloadBytes;
        if (rest.length > 0 || batch.length >= batchSize || !fits) rest.push(message);
        else {
          batch.push(message);
          bytes += size;
        }
      }
    };
    add(carried);
    let windowEnds = batch.length > 0 ? Date.now() + maxBatchingWindowMs : undefined;
    while (!this.#stopping && this.#enabled && rest.length === 0 && batch.length < batchSize) {
      const left = windowEnds === undefined ? undefined : windowEnds - Date.now();
      if (left !== undefined && left <= 0) break;
      if (this.#slots.full) {
        const freed = this.#slots.whenFree(this.#stop.signal);
        await (left === undefined ? freed : Promise.race([freed, pause(left, this.#stop.signal)]));
        continue;
      }
      const waitSeconds = left === undefined ? pollWaitSeconds : Math.min(20, Math.floor(left / 1000));
      const messages = await this.#receive(Math.min(10, batchSize - batch.length), waitSeconds);
      if (messages.length > 0 && windowEnds === undefined) windowEnds = Date.now() + maxBatchingWindowMs;
      add(messages);
      // Under a second of window left: short polls, a fifth of a second apart.
      if (messages.length === 0 && waitSeconds === 0 && windowEnds !== undefined) {
        await pause(Math.min(200, windowEnds - Date.now()), this.#stop.signal);
      }
    }
    return { batch, rest };
  }

  async #receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    await pause(Math.random() * this.#options.receiveJitterMs, this.#stop.signal);
    if (this.#stopping || !this.#enabled) return [];
    try {
      const response = await this.#options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.#stop.signal },
      );
      const messages = response.Messages ?? [];
      this.#counters.receives += 1;
      this.#counters.receivedMessages += messages.length;
      this.#counters.heldMessages += messages.length;
      return messages;
    } catch {
      if (this.#stopping) return [];
      this.#counters.receiveErrors += 1;
      await pause(1000, this.#stop.signal);
      return [];
    }
  }

  async #invoke(messages: readonly Message[], poller: number): Promise<void> {
    const { functionTimeoutMs, reportBatchItemFailures } = this.#options;
    this.#counters.heldMessages -= messages.length;
    const records = messages.map((message) => toRecord(message, this.queueArn));
    const payloadBytes = records.reduce((sum, record) => sum + recordBytes(record), EVENT_ENVELOPE_BYTES);
    const concurrency = this.#slots.busy;
    const report = (
      instance: number,
      outcome: InvocationReport['outcome'],
      failed: number,
      durationMs: number,
    ) =>
      this.#options.onInvocation?.({
        poller,
        instance,
        records: records.length,
        payloadBytes,
        concurrency,
        durationMs,
        outcome,
        failed,
      });

    let instance: PooledInstance;
    try {
      instance = await this.#pool.take();
    } catch {
      this.#counters.initErrors += 1;
      report(-1, 'init_error', records.length, 0);
      return;
    }
    const started = Date.now();
    this.#counters.invocations += 1;
    this.#counters.records += records.length;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), functionTimeoutMs);
    });
    let outcome: InvocationReport['outcome'];
    let failed: ReadonlySet<string>;
    const everything = new Set(records.map((record) => record.messageId));
    try {
      const context = invocationContext(started + functionTimeoutMs, FUNCTION_NAME);
      const answer = await Promise.race([
        instance.handle({ Records: records }, context).then((response) => ({ response })),
        timedOut,
      ]);
      if (answer === 'timeout') {
        // Lambda stops the runtime at the timeout: the batch stays, the environment is rebuilt.
        this.#counters.timeouts += 1;
        outcome = 'timeout';
        failed = everything;
        await this.#pool.discard(instance);
      } else {
        const checked = failedIds(answer.response, records, reportBatchItemFailures);
        failed = checked.failed;
        if (!checked.valid) this.#counters.invalidResponses += 1;
        else this.#counters.reportedFailures += failed.size;
        outcome = !checked.valid ? 'error' : failed.size > 0 ? 'partial' : 'success';
        this.#pool.give(instance);
      }
    } catch (error) {
      this.#counters.handlerErrors += 1;
      outcome = 'error';
      failed = everything;
      if (error instanceof RuntimeExitedError) await this.#pool.discard(instance);
      else this.#pool.give(instance);
    } finally {
      clearTimeout(timer);
    }
    const durationMs = Date.now() - started;
    this.#counters.invocationMs += durationMs;
    await this.#delete(messages.filter((message) => !failed.has(message.MessageId ?? '')));
    report(instance.id, outcome, failed.size, durationMs);
  }

  async #delete(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const group = messages.slice(i, i + 10);
      try {
        const result = await this.#options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#options.queueUrl,
            Entries: group.map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle })),
          }),
        );
        this.#counters.deleted += result.Successful?.length ?? 0;
        this.#counters.deleteErrors += result.Failed?.length ?? 0;
      } catch {
        this.#counters.deleteErrors += group.length; // they come back after the visibility timeout
      }
    }
  }

  /** On stop or disable: messages a poller still holds become visible again at once. */
  async #release(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    this.#counters.heldMessages -= messages.length;
    for (let i = 0; i < messages.length; i += 10) {
      const group = messages.slice(i, i + 10);
      await this.#options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#options.queueUrl,
            Entries: group.map((message, n) => ({
              Id: String(n),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined); // they come back after the visibility timeout anyway
    }
  }
}

/**
 * Starts a model of Lambda's SQS event source mapping on a real SQS-compatible queue:
 * - `pollers` pollers, each long-polling and gathering its own batch of up to `batchSize` records
 *   within `maxBatchingWindowMs` and the 6 MB payload limit;
 * - at most `maxConcurrency` invocations at once, and no reads while at that cap (a poller holding a
 *   batch waits for a free slot);
 * - each concurrent invocation runs in its own handler instance, built by `createHandler` and reused
 *   when free; a timeout or a `RuntimeExitedError` throws the instance away;
 * - records that succeed are deleted; those named in `batchItemFailures`, or the whole batch when the
 *   handler throws, times out or answers an unknown id, stay and come back after the visibility
 *   timeout, and the queue's redrive policy moves them to its dead-letter queue after
 *   `maxReceiveCount` receives (the SQS server does that, as SQS does).
 * Like Lambda, refuses a queue whose visibility timeout is shorter than the function timeout.
 * `setEnabled(false)` stops receiving (UpdateEventSourceMapping Enabled=false; `state()` says when
 * every poller has stopped), `setEnabled(true)` starts again.
 */
export async function startSqsEventSource(options: SqsEventSourceOptions): Promise<SqsEventSource> {
  const resolved = resolveOptions(options);
  const { Attributes } = await resolved.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: resolved.queueUrl,
      AttributeNames: ['QueueArn', 'VisibilityTimeout'],
    }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  const visibilityTimeoutInSeconds = Number(Attributes?.VisibilityTimeout ?? 30);
  if (visibilityTimeoutInSeconds * 1000 < resolved.functionTimeoutMs) {
    throw new EventSourceMappingError(
      resolved.queueUrl,
      `queue visibility timeout (${visibilityTimeoutInSeconds} s) is less than the function timeout (${resolved.functionTimeoutMs / 1000} s)`,
    );
  }
  return new EventSource(resolved, queueArn);
}
