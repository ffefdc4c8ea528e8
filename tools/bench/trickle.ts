import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { maxConcurrencyFor, visibilityTimeoutInSeconds } from '../../infra/settings';
import { Schedule } from '../local-pipeline/schedule';
import type { LocalSqs } from '../local-sqs';
import { type Simulator, startSimulator } from '../simulator';
import { type Arrival, poissonArrivals } from './arrivals';
import { type CostPerMillionTokens, costPerMillionTokens, gbSeconds } from './cost';
import { countingSqs } from './counting-sqs';
import type { DeployedSettings, EventSourceLane } from './deployed';
import {
  callCeiling,
  callFloor,
  callsPerDay,
  hoursUntilQuotaSpent,
  type PerTickFlush,
  perTickFlush,
  type TimeToRevoke,
  timeToRevoke,
} from './figures';
import { consumerFunction, createLaneQueue, type LaneWiring, queueDepth, startHandlerLane } from './lanes';
import type { Confirmations } from './timed-client';

/** The two designs compared on the trickle. */
export const Design = {
  /** Routine tokens through the scheduled single consumer, urgent ones through the urgent lane. */
  TwoLanes: 'two lanes',
  /** Today: every token through the per-batch SQS-triggered handler. */
  PerBatch: 'per-batch (today)',
  /** Alternative: the routine lane is today's handler with a batching window of maxHold (60 s), 5 pollers. */
  LongWindow: 'routine lane: per-batch, 60 s window',
  /** Alternative: the same with provisioned pollers at their minimum (2); 2 instances share the routine budget. */
  TwoPollers: 'routine lane: per-batch, 2 pollers, 60 s window',
} as const;
export type Design = (typeof Design)[keyof typeof Design];

/** The designs the issue's targets apply to, and the alternatives measured for the decision record. */
export const COMPARED_DESIGNS: readonly Design[] = [Design.TwoLanes, Design.PerBatch];
export const ALTERNATIVE_DESIGNS: readonly Design[] = [Design.LongWindow, Design.TwoPollers];

const LONG_WINDOW_SECONDS = 60;

/**
 * The routine lane of an alternative: today's handler behind an event source with a 60 s window, with
 * the routine share of the budget spread over its instances (5 pollers, or provisioned mode's minimum
 * of 2).
 */
function alternativeRoutineLane(design: Design, settings: DeployedSettings): EventSourceLane {
  const today = settings.perBatch;
  const two = design === Design.TwoPollers;
  const maxConcurrency = two
    ? 2
    : maxConcurrencyFor(settings.consumer.requestsPerSecond, today.requestsPerSecondPerFunction);
  return {
    ...today,
    maxBatchingWindowInSeconds: LONG_WINDOW_SECONDS,
    pollers: two ? 2 : today.pollers,
    maxConcurrency,
    requestsPerSecondPerFunction: settings.consumer.requestsPerSecond / maxConcurrency,
    visibilityTimeoutInSeconds: visibilityTimeoutInSeconds(
      today.functionTimeoutInSeconds,
      LONG_WINDOW_SECONDS,
    ),
  };
}

export interface TrickleFigures {
  readonly tokensPerSecond: number;
  readonly design: Design;
  readonly seconds: number;
  readonly routineTokens: number;
  readonly urgentTokens: number;
  /** Tokens the API confirmed invalidated (every token is live). */
  readonly confirmed: number;
  readonly apiCalls: number;
  /** Calls that carried an urgent token. */
  readonly urgentCalls: number;
  readonly floor: number;
  readonly ceiling: number;
  readonly tokensPerCall: number;
  readonly callsPerDay: number;
  readonly hoursUntilQuotaSpent: number;
  readonly routine: TimeToRevoke;
  readonly urgent: TimeToRevoke;
  readonly throttleViolations: number;
  readonly backoffViolations: number;
  /** Messages in the dead-letter queue at the end (none expected). */
  readonly deadLetters: number;
  readonly lambdaInvocations: number;
  readonly lambdaMs: number;
  readonly lambdaGbSeconds: number;
  readonly schedulerInvocations: number;
  /** Mean wall time of a scheduled consumer run (undefined for designs without one). */
  readonly meanRunMs: number | undefined;
  /** Consumer runs that outlived the function timeout, or threw. */
  readonly failedRuns: number;
  readonly sqsRequests: Readonly<Record<string, number>>;
  readonly cost: CostPerMillionTokens;
  readonly wallSeconds: number;
}

export interface TrickleOptions {
  readonly sqs: LocalSqs;
  readonly settings: DeployedSettings;
  readonly tokensPerSecond: number;
  readonly durationSeconds: number;
  readonly urgentFraction: number;
  readonly seed: number;
  readonly log: (line: string) => void;
}

const SIMULATOR = { latencyMs: { min: 50, max: 150 }, maxRequestsPerSecond: 30, banSeconds: 30 } as const;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** What a design's functions did: Lambda invocations and time, scheduled runs, failed runs. */
interface FunctionUsage {
  readonly invocations: number;
  readonly invocationMs: number;
  readonly schedulerInvocations: number;
  /** Wall time of the scheduled runs. */
  readonly scheduledMs: number;
  readonly failedRuns: number;
}

/** Something that drains a queue: started with the traffic, stopped at the end with its usage. */
interface Drainer {
  begin(): void;
  stop(): Promise<FunctionUsage>;
}

/** A running design: where its tokens go, and its drainers. */
interface RunningDesign {
  readonly queueFor: (urgent: boolean) => string;
  readonly drainers: readonly Drainer[];
}

/** The single consumer, invoked by EventBridge Scheduler at the deployed rate. */
function scheduledConsumer(options: TrickleOptions, wiring: LaneWiring, queueUrl: string): Drainer {
  const lane = options.settings.consumer;
  const consumer = consumerFunction(wiring, queueUrl, lane);
  // The traffic starts as the schedule does, so the first run comes one tick in (as if the run before
  // it had just found an empty queue).
  const schedule = new Schedule({
    tickMs: lane.tickSeconds * 1000,
    invoke: async () => {
      await consumer.run();
    },
  });
  return {
    begin: () => schedule.resume(),
    async stop() {
      await schedule.stop();
      return {
        invocations: consumer.runs.length,
        invocationMs: consumer.runs.reduce((sum, run) => sum + run.durationMs, 0),
        schedulerInvocations: consumer.runs.length,
        scheduledMs: consumer.runs.reduce((sum, run) => sum + run.durationMs, 0),
        failedRuns: consumer.runs.filter((run) => run.timedOut || run.error !== undefined).length,
      };
    },
  };
}

/** The per-batch handler behind the event source model (polling from the start). */
async function eventSourceHandler(
  wiring: LaneWiring,
  queueUrl: string,
  lane: EventSourceLane,
): Promise<Drainer> {
  const source = await startHandlerLane(wiring, queueUrl, lane);
  return {
    begin: () => undefined,
    async stop() {
      await source.stop();
      const stats = source.stats();
      return {
        invocations: stats.invocations,
        invocationMs: stats.invocationMs,
        schedulerInvocations: 0,
        scheduledMs: 0,
        failedRuns: 0,
      };
    },
  };
}

/** Routine tokens to the routine queue (the consumer, or an alternative), urgent ones to the urgent lane. */
async function startTwoLanes(
  design: Design,
  options: TrickleOptions,
  wiring: LaneWiring,
  name: string,
  deadLetterQueueArn: string,
): Promise<RunningDesign> {
  const { consumer: consumerLane, urgent: urgentLane } = options.settings;
  const alternative =
    design === Design.TwoLanes ? undefined : alternativeRoutineLane(design, options.settings);
  const routineQueue = await createLaneQueue(
    options.sqs,
    `${name}-routine`,
    alternative ?? consumerLane,
    deadLetterQueueArn,
  );
  const urgentQueue = await createLaneQueue(options.sqs, `${name}-urgent`, urgentLane, deadLetterQueueArn);
  return {
    queueFor: (isUrgent) => (isUrgent ? urgentQueue : routineQueue),
    drainers: [
      await eventSourceHandler(wiring, urgentQueue, urgentLane),
      alternative === undefined
        ? scheduledConsumer(options, wiring, routineQueue)
        : await eventSourceHandler(wiring, routineQueue, alternative),
    ],
  };
}

/** Today: one queue, every token through the per-batch handler. */
async function startPerBatch(
  options: TrickleOptions,
  wiring: LaneWiring,
  name: string,
  deadLetterQueueArn: string,
): Promise<RunningDesign> {
  const lane = options.settings.perBatch;
  const queue = await createLaneQueue(options.sqs, `${name}-source`, lane, deadLetterQueueArn);
  return { queueFor: () => queue, drainers: [await eventSourceHandler(wiring, queue, lane)] };
}

/** Sends each arrival's token at its time as one single-token logout; records when it was sent. */
async function produce(
  arrivals: readonly Arrival[],
  tokens: readonly string[],
  sqs: SQSClient,
  queueFor: (urgent: boolean) => string,
  startedAt: number,
  sentAt: { routine: Map<string, number>; urgent: Map<string, number> },
): Promise<void> {
  await Promise.all(
    arrivals.map(async (arrival, index) => {
      await sleep(startedAt + arrival.atMs - Date.now());
      const token = tokens[index] as string;
      const body = arrival.urgent
        ? { token, reason: 'compromised', priority: 'urgent' }
        : { token, reason: 'logout' };
      (arrival.urgent ? sentAt.urgent : sentAt.routine).set(token, Date.now());
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueFor(arrival.urgent), MessageBody: JSON.stringify(body) }),
      );
    }),
  );
}

async function runDesign(
  options: TrickleOptions,
  design: Design,
  arrivals: readonly Arrival[],
  startAt: number,
): Promise<TrickleFigures> {
  const simulator: Simulator = await startSimulator({ seed: options.seed, ...SIMULATOR });
  const counting = countingSqs(options.sqs.endpoint);
  const name = `trickle-${String(options.tokensPerSecond).replace('.', '_')}-${design.replace(/[^a-z0-9]+/g, '-')}`;
  const dlq = await options.sqs.createQueue(`${name}-dlq`);
  const confirmations: Confirmations = new Map();
  const wiring: LaneWiring = {
    apiUrl: simulator.url,
    sqsEndpoint: options.sqs.endpoint,
    sqs: counting.client,
    pollerSqs: counting.pollerClient,
    parkedQueueUrl: dlq.queueUrl,
    confirmations,
  };
  const running =
    design === Design.PerBatch
      ? await startPerBatch(options, wiring, name, dlq.queueArn)
      : await startTwoLanes(design, options, wiring, name, dlq.queueArn);
  const tokens = simulator.issueTokens(arrivals.length);
  const sentAt = { routine: new Map<string, number>(), urgent: new Map<string, number>() };

  await sleep(startAt - Date.now());
  for (const drainer of running.drainers) drainer.begin();
  await produce(arrivals, tokens, counting.client, running.queueFor, startAt, sentAt);
  // Wait for every token, at most three ticks past the traffic.
  const giveUpAt = Date.now() + 3 * options.settings.consumer.tickSeconds * 1000;
  while (confirmations.size < tokens.length && Date.now() < giveUpAt) await sleep(250);
  const wallSeconds = (Date.now() - startAt) / 1000;
  const usage = await Promise.all(running.drainers.map((drainer) => drainer.stop()));
  const functions = {
    invocations: usage.reduce((sum, u) => sum + u.invocations, 0),
    invocationMs: usage.reduce((sum, u) => sum + u.invocationMs, 0),
    schedulerInvocations: usage.reduce((sum, u) => sum + u.schedulerInvocations, 0),
    scheduledMs: usage.reduce((sum, u) => sum + u.scheduledMs, 0),
    failedRuns: usage.reduce((sum, u) => sum + u.failedRuns, 0),
  };
  const deadLetters = await queueDepth(counting.client, dlq.queueUrl);
  const stats = simulator.stats();
  const urgentTokens = new Set(sentAt.urgent.keys());
  const urgentCalls = simulator.requests.filter((request) =>
    request.tokens.some((t) => urgentTokens.has(t)),
  ).length;
  await simulator.close();
  counting.destroy();

  const volume = {
    routineTokens: sentAt.routine.size,
    urgentTokens: sentAt.urgent.size,
    seconds: options.durationSeconds,
    maxHoldSeconds: options.settings.consumer.maxHoldSeconds,
  };
  const floor = callFloor(volume);
  const perDay = callsPerDay(stats.requests, options.durationSeconds);
  const sqsRequests = counting.counts();
  const memoryMb = options.settings.memoryMb;
  return {
    tokensPerSecond: options.tokensPerSecond,
    design,
    seconds: options.durationSeconds,
    routineTokens: volume.routineTokens,
    urgentTokens: volume.urgentTokens,
    confirmed: stats.invalidated,
    apiCalls: stats.requests,
    urgentCalls,
    floor,
    ceiling: callCeiling(floor),
    tokensPerCall: stats.meanTokensPerSuccessfulCall,
    callsPerDay: perDay,
    hoursUntilQuotaSpent: hoursUntilQuotaSpent(perDay),
    routine: timeToRevoke(sentAt.routine, confirmations),
    urgent: timeToRevoke(sentAt.urgent, confirmations),
    throttleViolations: stats.throttleViolations,
    backoffViolations: stats.backoffViolations,
    deadLetters,
    lambdaInvocations: functions.invocations,
    lambdaMs: functions.invocationMs,
    lambdaGbSeconds: gbSeconds(functions.invocationMs, memoryMb),
    schedulerInvocations: functions.schedulerInvocations,
    meanRunMs:
      functions.schedulerInvocations === 0
        ? undefined
        : functions.scheduledMs / functions.schedulerInvocations,
    failedRuns: functions.failedRuns,
    sqsRequests,
    cost: costPerMillionTokens(
      {
        tokens: tokens.length,
        apiCalls: stats.requests,
        invocations: functions.invocations,
        invocationMs: functions.invocationMs,
        sqsRequests: Object.values(sqsRequests).reduce((sum, count) => sum + count, 0),
        schedulerInvocations: functions.schedulerInvocations,
      },
      memoryMb,
    ),
    wallSeconds,
  };
}

/**
 * One trickle rate, every design side by side in the same minutes: Poisson single-token logouts
 * (the same arrival times for all), each design with its own simulator, queues and functions. The
 * per-tick-only consumer is modelled from the same arrivals, not run.
 */
export async function runTrickle(
  options: TrickleOptions,
): Promise<{ readonly measured: TrickleFigures[]; readonly perTickFlush: PerTickFlush }> {
  const arrivals = poissonArrivals({
    tokensPerSecond: options.tokensPerSecond,
    durationSeconds: options.durationSeconds,
    urgentFraction: options.urgentFraction,
    seed: options.seed,
  });
  // Every design starts its traffic at the same moment, once all are set up.
  const startAt = Date.now() + 5000;
  const figures = await Promise.all(
    [...COMPARED_DESIGNS, ...ALTERNATIVE_DESIGNS].map((design) =>
      runDesign(options, design, arrivals, startAt),
    ),
  );
  for (const f of figures) {
    options.log(
      `  trickle ${f.tokensPerSecond}/s ${f.design}: ${f.apiCalls} calls (floor ${f.floor}), ${f.tokensPerCall.toFixed(2)} tokens/call, routine p95 ${f.routine.p95?.toFixed(1)} s, urgent p95 ${f.urgent.p95?.toFixed(1)} s, ${f.confirmed}/${f.routineTokens + f.urgentTokens} confirmed`,
    );
  }
  return {
    measured: figures,
    perTickFlush: perTickFlush(arrivals, {
      tokensPerSecond: options.tokensPerSecond,
      seconds: options.durationSeconds,
      tickSeconds: options.settings.consumer.tickSeconds,
      maxHoldSeconds: options.settings.consumer.maxHoldSeconds,
    }),
  };
}
