import { enqueueTokens } from '../../functions/enqueue';
import type { LocalSqs } from '../local-sqs';
import {
  bodiesOf,
  confirmedAt,
  type EdgePipeline,
  sendBodies,
  served,
  sleep,
  startEdgePipeline,
  waitUntil,
} from './edge-pipeline';

/** The urgent reserve under a routine backlog that would spend the whole budget. */
export interface ReserveFigures {
  readonly dailyCallBudget: number;
  readonly urgentReserveCalls: number;
  readonly routineBacklogTokens: number;
  /** Calls that carried no urgent token (routine's, and any probe). */
  readonly routineCalls: number;
  readonly urgentTokens: number;
  readonly urgentConfirmed: number;
  /** Seconds from each urgent token's send to its confirmation: the slowest. */
  readonly urgentMaxSeconds: number | undefined;
  readonly urgentCalls: number;
  /** What stopped the routine run: 'budget_exhausted' expected. */
  readonly routineStoppedBy: string | undefined;
  readonly deadLetters: number;
}

export interface ReserveOptions {
  readonly sqs: LocalSqs;
  readonly seed: number;
  /** @default 100 */
  readonly dailyCallBudget?: number;
  /** @default 20 */
  readonly urgentReserveCalls?: number;
  /** @default 20000 */
  readonly routineBacklogTokens?: number;
  /** @default 20 */
  readonly urgentTokens?: number;
}

/**
 * A routine backlog of 20,000 tokens in messages of 100 against a small daily budget: the routine
 * consumer spends its share (budget less the urgent reserve) and stops; then 20 urgent tokens arrive one
 * every half second (single-token messages through the enqueue library) and must each be revoked within
 * 10 s of its send from the reserve.
 */
export async function runReserve(options: ReserveOptions): Promise<ReserveFigures> {
  const dailyCallBudget = options.dailyCallBudget ?? 100;
  const urgentReserveCalls = options.urgentReserveCalls ?? 20;
  const backlog = options.routineBacklogTokens ?? 20_000;
  let edge: EdgePipeline | undefined;
  try {
    edge = await startEdgePipeline(options.sqs.endpoint, 'reserve', {
      simulator: { seed: options.seed },
      dailyCallBudget,
      urgentReserveCalls,
    });
    const { pipeline } = edge;
    const routineTokens = pipeline.simulator.issueTokens(backlog);
    await sendBodies(edge.sqs, pipeline.routineQueueUrl, bodiesOf(routineTokens, 100, 'routine'));
    // The first run spends routine's share and stops; the urgent tokens come once it has.
    const routineShare = dailyCallBudget - urgentReserveCalls;
    const tickMs = pipeline.settings.routine.tickSeconds * 1000;
    await waitUntil(
      () =>
        pipeline.simulator.requests.filter(served).length >= routineShare ||
        edge?.runs.some((run) => run.report?.stoppedBy === 'budget_exhausted') === true,
      3 * tickMs,
    );
    await sleep(2000);
    const urgentTokens = pipeline.simulator.issueTokens(options.urgentTokens ?? 20);
    const sentAt = new Map<string, number>();
    for (const token of urgentTokens) {
      sentAt.set(token, Date.now());
      await enqueueTokens([token], {
        urgentQueueUrl: pipeline.urgentQueueUrl,
        priority: 'urgent',
        sqsClient: edge.sqs,
        tokensPerMessage: 1,
        reason: 'leak',
      });
      await sleep(500);
    }
    const urgent = new Set(urgentTokens);
    await waitUntil(
      () => urgentTokens.every((t) => pipeline.simulator.tokenState(t) === 'invalidated'),
      30_000,
    );
    const requests = pipeline.simulator.requests;
    const confirmed = confirmedAt(requests);
    const seconds = urgentTokens.flatMap((token) => {
      const at = confirmed.get(token);
      return at === undefined ? [] : [(at - (sentAt.get(token) ?? at)) / 1000];
    });
    const urgentCalls = requests.filter((r) => r.tokens.some((t) => urgent.has(t))).length;
    return {
      dailyCallBudget,
      urgentReserveCalls,
      routineBacklogTokens: backlog,
      routineCalls: requests.filter((r) => !r.tokens.some((t) => urgent.has(t))).length,
      urgentTokens: urgentTokens.length,
      urgentConfirmed: seconds.length,
      urgentMaxSeconds: seconds.length === 0 ? undefined : Math.max(...seconds),
      urgentCalls,
      routineStoppedBy: edge.runs.find((run) => (run.report?.received ?? 0) > 0)?.report?.stoppedBy,
      deadLetters: (await pipeline.deadLetters()).length,
    };
  } finally {
    await edge?.stop();
  }
}
