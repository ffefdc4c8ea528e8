import { enqueueTokens } from '../../functions/enqueue';
import type { RunReport } from '../../functions/routine-consumer/create-consumer';
import type { PipelineOptions } from '../local-pipeline/pipeline';
import type { RecordedRequest } from '../simulator';
import { poissonArrivals } from './arrivals';
import {
  bodiesOf,
  type EdgePipeline,
  sendBodies,
  served,
  sleep,
  startEdgePipeline,
  waitUntil,
} from './edge-pipeline';
import { type ReceiveSeen, type SqsTap, startSqsTap } from './sqs-tap';

/** Who spends the last of the API's quota. */
export const QuotaSpender = {
  /** The deployment's own calls: a routine backlog, then a leak on the urgent lane. */
  Deployment: 'own calls',
  /** Other applications on the same IP, while the deployment still has budget (simulator.spendQuota). */
  Outside: 'from outside',
} as const;
export type QuotaSpender = (typeof QuotaSpender)[keyof typeof QuotaSpender];

export interface QuotaExhaustedOptions {
  /** The local SQS server: the scenario puts a tap in front of it to see every receive. */
  readonly sqsEndpoint: string;
  readonly name: string;
  readonly spentBy: QuotaSpender;
  readonly seed: number;
  /**
   * The simulator's quota_max. Keep the API's 10,000: the urgent lane shares `quota_remaining` without
   * `quota_max`, and the consumer then assumes 10,000 (a smaller quota_max would read as below its floor).
   * @default 10000
   */
  readonly quotaMax?: number;
  /** `quota_remaining` when the run starts (the rest spent from outside first), so that it runs out in the run. */
  readonly quotaLeftAtStart: number;
  /** "more requests available in N seconds" once it has run out (80,000 in the issue). */
  readonly quotaResetSeconds: number;
  /** Routine tokens waiting from the start. */
  readonly routineBacklogTokens: number;
  /** Tokens in each message of the routine backlog. @default 100 */
  readonly routineBacklogTokensPerMessage?: number;
  /** Single-token arrivals (Poisson) over the whole run, `urgentFraction` of them urgent. */
  readonly trickle: { readonly tokensPerSecond: number; readonly urgentFraction: number };
  /** When the quota is made to run out: the leak is sent (own calls), or the quota spent from outside. */
  readonly exhaustAtMs: number;
  /** Urgent tokens of the leak (own calls). */
  readonly leakTokens: number;
  /** Tokens in each message of the leak. @default 100 */
  readonly leakTokensPerMessage?: number;
  /** How long arrivals go on from the start. */
  readonly durationMs: number;
  /** When set, waits this long at most past `durationMs` for every token to be revoked once the quota is back. */
  readonly comeBackLimitMs?: number;
  /** Pipeline settings (the deployed ones unless given: tests shorten the tick). */
  readonly pipeline?: Partial<Omit<PipelineOptions, 'sqs' | 'name' | 'onRun'>>;
  readonly log?: (line: string) => void;
}

/** What the pipeline did while the API's quota was spent. */
export interface QuotaExhaustedFigures {
  readonly spentBy: QuotaSpender;
  readonly quotaMax: number;
  readonly quotaLeftAtStart: number;
  readonly quotaResetSeconds: number;
  readonly tickSeconds: number;
  readonly routineBacklogTokens: number;
  readonly trickleTokens: number;
  readonly urgentTokens: number;
  /** Seconds from the start to the first refusal, or undefined when the quota never ran out. */
  readonly firstRefusalAfterSeconds: number | undefined;
  /** Seconds of the paused window observed: from the first refusal to the quota's return or the end. */
  readonly pausedSeconds: number;
  /** Every request the simulator saw. */
  readonly apiCalls: number;
  readonly refusals: number;
  /** Requests inside the paused window other than the first refusal (probes included). */
  readonly callsWhilePaused: number;
  /** Of those, quota probes (`read` calls). */
  readonly probesWhilePaused: number;
  /** Of those, refused (throttle_violation, spending nothing). */
  readonly refusedWhilePaused: number;
  /**
   * Seconds from the first refusal to the last call inside the paused window (0 without one): an instance
   * that was sending when another was refused learns of the pause from its own next call, refused too.
   */
  readonly lastCallWhilePausedAfterSeconds: number;
  readonly deadLetters: number;
  /** Routine runs that started inside the paused window; of them, skipped (any cause) and skipped as paused. */
  readonly routineRunsWhilePaused: number;
  readonly routineRunsSkippedWhilePaused: number;
  readonly routineRunsSkippedPaused: number;
  /** Messages the runs inside the paused window reported received. */
  readonly routineReceivedByRunsWhilePaused: number;
  /** Routine messages received inside the paused window by receives asked for inside it (each raises a receive count). */
  readonly routineReceivesWhilePaused: number;
  /** Urgent messages received inside the paused window by receives asked for inside it, in all and at most for one message. */
  readonly urgentReceivesWhilePaused: number;
  readonly urgentMostReceivesOfOneMessageWhilePaused: number;
  /** The highest ApproximateReceiveCount any receive returned, per lane (vs maxReceiveCount). */
  readonly routineHighestReceiveCount: number | undefined;
  readonly urgentHighestReceiveCount: number | undefined;
  readonly routineMaxReceiveCount: number;
  readonly urgentMaxReceiveCount: number;
  /** Tokens revoked in all, of the tokens sent. */
  readonly revoked: number;
  readonly tokens: number;
  /** Tokens neither revoked nor parked, still waiting at the end (in a queue). */
  readonly waitingTokens: number;
  /** Whether the run waited for the quota to come back and every token was revoked then. */
  readonly cameBack: boolean | undefined;
  readonly wallSeconds: number;
}

const isRefusal = (request: RecordedRequest) => request.quotaExhausted;

/** The paused window: from the first refusal to the quota's earliest return (or the end of the run). */
interface PausedWindow {
  readonly from: number;
  readonly to: number;
  readonly first: RecordedRequest;
}

/**
 * Messages received inside the window by receives asked for inside it. A receive asked for before the
 * first refusal (a long poll waiting, or one the refused instance sent before the refusal reached it)
 * may answer inside it: that instance could not know yet, and holds what it got until the pause ends.
 */
function receivesIn(receives: readonly ReceiveSeen[], queue: string, window: PausedWindow): ReceiveSeen[] {
  return receives.filter((r) => r.queue === queue && r.requestedAt > window.from && r.answeredAt < window.to);
}

function mostPerMessage(receives: readonly ReceiveSeen[]): number {
  const counts = new Map<string, number>();
  for (const r of receives) counts.set(r.messageId, (counts.get(r.messageId) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

const highest = (receives: readonly ReceiveSeen[], queue: string) => {
  const counts = receives.filter((r) => r.queue === queue).flatMap((r) => r.receiveCount ?? []);
  return counts.length === 0 ? undefined : Math.max(...counts);
};

/**
 * The quota runs out while a routine backlog waits, a trickle arrives on both lanes and (own calls) a
 * leak comes in: spent by the deployment's own calls, or from outside while the deployment still has
 * budget. Measures what happens while the API's pause lasts: calls made, receives of each lane's
 * messages (through a tap in front of SQS, so the function processes' receives are seen too), routine
 * runs skipped, messages dead-lettered; with `comeBackLimitMs`, also that everything is revoked once the
 * quota is back.
 */
export async function runQuotaExhausted(options: QuotaExhaustedOptions): Promise<QuotaExhaustedFigures> {
  const log = options.log ?? (() => undefined);
  const tap: SqsTap = await startSqsTap(options.sqsEndpoint);
  let edge: EdgePipeline | undefined;
  try {
    edge = await startEdgePipeline(tap.endpoint, options.name, {
      ...options.pipeline,
      simulator: {
        seed: options.seed,
        quotaMax: options.quotaMax ?? 10_000,
        quotaResetSeconds: options.quotaResetSeconds,
        ...options.pipeline?.simulator,
      },
    });
    const { pipeline, sqs } = edge;
    const { simulator } = pipeline;
    const arrivals = poissonArrivals({
      tokensPerSecond: options.trickle.tokensPerSecond,
      durationSeconds: options.durationMs / 1000,
      urgentFraction: options.trickle.urgentFraction,
      seed: options.seed,
    });
    const backlog = simulator.issueTokens(options.routineBacklogTokens);
    const trickle = simulator.issueTokens(arrivals.length);
    const leak = options.spentBy === QuotaSpender.Deployment ? simulator.issueTokens(options.leakTokens) : [];
    const tokens = [...backlog, ...trickle, ...leak];
    simulator.spendQuota(Math.max(0, simulator.stats().quotaRemaining - options.quotaLeftAtStart));
    const started = Date.now();
    await sendBodies(
      sqs,
      pipeline.routineQueueUrl,
      bodiesOf(backlog, options.routineBacklogTokensPerMessage ?? 100, 'routine'),
    );

    const send = (group: readonly string[], priority: 'routine' | 'urgent') =>
      enqueueTokens(group, {
        queueUrl: pipeline.routineQueueUrl,
        urgentQueueUrl: pipeline.urgentQueueUrl,
        priority,
        sqsClient: sqs,
        tokensPerMessage: 1,
        reason: priority === 'urgent' ? 'leak' : 'logout',
      });
    const arriving = Promise.all(
      arrivals.map(async (arrival, index) => {
        await sleep(started + arrival.atMs - Date.now());
        await send([trickle[index] as string], arrival.urgent ? 'urgent' : 'routine');
      }),
    );
    let exhaustedAt: number | undefined;
    const exhausting = (async () => {
      await sleep(started + options.exhaustAtMs - Date.now());
      if (options.spentBy === QuotaSpender.Outside) {
        exhaustedAt = Date.now();
        const left = simulator.stats().quotaRemaining;
        simulator.spendQuota(left);
        log(`  ${options.name}: ${left} calls of the quota spent from outside`);
      } else {
        await sendBodies(
          sqs,
          pipeline.urgentQueueUrl,
          bodiesOf(leak, options.leakTokensPerMessage ?? 100, 'urgent'),
        );
        log(`  ${options.name}: leak of ${leak.length} urgent tokens sent`);
      }
    })();
    await Promise.all([arriving, exhausting]);
    await sleep(started + options.durationMs - Date.now());

    let cameBack: boolean | undefined;
    if (options.comeBackLimitMs !== undefined) {
      cameBack = await waitUntil(
        () => tokens.every((token) => simulator.tokenState(token) === 'invalidated'),
        options.comeBackLimitMs,
      );
    }
    const end = Date.now();
    const first = simulator.requests.find(isRefusal);
    // The quota came back no sooner than `quotaResetSeconds` after its last call was spent.
    const lastSpentAt =
      exhaustedAt ??
      (first === undefined
        ? undefined
        : Math.max(...simulator.requests.filter((r) => served(r) && r.at <= first.at).map((r) => r.at)));
    const returnsAt = lastSpentAt === undefined ? undefined : lastSpentAt + options.quotaResetSeconds * 1000;
    const window: PausedWindow | undefined =
      first === undefined ? undefined : { first, from: first.at, to: Math.min(end, returnsAt ?? end) };
    const requests = simulator.requests;
    const inWindow =
      window === undefined
        ? []
        : requests.filter((r) => r !== window.first && r.at >= window.from && r.at < window.to);
    const runsInWindow =
      window === undefined
        ? []
        : edge.runs.filter((run) => run.startedAt > window.from && run.startedAt < window.to);
    const urgentQueue = `${options.name}-urgent`;
    const urgentReceives = window === undefined ? [] : receivesIn(tap.receives, urgentQueue, window);
    const deadLetters = (await pipeline.deadLetters()).length;
    if (cameBack === true && deadLetters > 0) cameBack = false;
    const revoked = tokens.filter((token) => simulator.tokenState(token) === 'invalidated').length;
    return {
      spentBy: options.spentBy,
      quotaMax: options.quotaMax ?? 10_000,
      quotaLeftAtStart: options.quotaLeftAtStart,
      quotaResetSeconds: options.quotaResetSeconds,
      tickSeconds: pipeline.settings.routine.tickSeconds,
      routineBacklogTokens: backlog.length,
      trickleTokens: trickle.length,
      urgentTokens: arrivals.filter((a) => a.urgent).length + leak.length,
      firstRefusalAfterSeconds: first === undefined ? undefined : (first.at - started) / 1000,
      pausedSeconds: window === undefined ? 0 : (window.to - window.from) / 1000,
      apiCalls: requests.length,
      refusals: requests.filter(isRefusal).length,
      callsWhilePaused: inWindow.length,
      probesWhilePaused: inWindow.filter((r) => r.method === 'read').length,
      refusedWhilePaused: inWindow.filter(isRefusal).length,
      lastCallWhilePausedAfterSeconds:
        window === undefined ? 0 : Math.max(0, ...inWindow.map((r) => (r.at - window.from) / 1000)),
      deadLetters,
      routineRunsWhilePaused: runsInWindow.length,
      routineRunsSkippedWhilePaused: runsInWindow.filter(
        (run) => (run.report as RunReport | undefined)?.skipped !== undefined,
      ).length,
      routineReceivedByRunsWhilePaused: runsInWindow.reduce(
        (sum, run) => sum + (run.report?.received ?? 0),
        0,
      ),
      routineRunsSkippedPaused: runsInWindow.filter(
        (run) =>
          (run.report as RunReport | undefined)?.skipped?.cause === 'paused' && run.report?.received === 0,
      ).length,
      routineReceivesWhilePaused:
        window === undefined ? 0 : receivesIn(tap.receives, options.name, window).length,
      urgentReceivesWhilePaused: urgentReceives.length,
      urgentMostReceivesOfOneMessageWhilePaused: mostPerMessage(urgentReceives),
      routineHighestReceiveCount: highest(tap.receives, options.name),
      urgentHighestReceiveCount: highest(tap.receives, urgentQueue),
      routineMaxReceiveCount: pipeline.settings.routine.maxReceiveCount,
      urgentMaxReceiveCount: pipeline.settings.urgent.maxReceiveCount,
      revoked,
      tokens: tokens.length,
      waitingTokens: tokens.length - revoked,
      cameBack,
      wallSeconds: (end - started) / 1000,
    };
  } finally {
    await edge?.stop();
    await tap.stop();
  }
}
