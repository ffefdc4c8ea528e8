import { type LocalSqs, startLocalSqs } from '../local-sqs';
import {
  bodiesOf,
  confirmedAt,
  type EdgePipeline,
  sendBodies,
  served,
  startEdgePipeline,
  tokensSentTwice,
  waitUntil,
} from './edge-pipeline';

/** A routine backlog of single-token messages drained at real SQS speed. */
export interface BacklogFigures {
  readonly sqsLatencyMs: number;
  readonly tokens: number;
  readonly confirmed: number;
  readonly tokensSentTwice: number;
  readonly apiCalls: number;
  /** Consumer runs that did work (received something). */
  readonly runs: number;
  /** Runs Lambda would have ended at the function timeout. */
  readonly timedOutRuns: number;
  /** Runs that ended in an error (none expected). */
  readonly failedRuns: number;
  /** Seconds the working runs lasted, in all. */
  readonly runSeconds: number;
  /** Tokens confirmed per second of the working runs. */
  readonly tokensPerRunSecond: number;
  /** From the first run's start to the last confirmation (the idle time between runs included). */
  readonly tokensPerWallSecond: number;
  /** The routine lane's request budget in tokens/s (requests/s x 20). */
  readonly budgetTokensPerSecond: number;
  /** The share of a wall-clock tick a run may use (its timeout over the tick). */
  readonly runShareOfTick: number;
  readonly deadLetters: number;
  readonly sqsErrors: number;
  readonly wallSeconds: number;
}

export interface BacklogOptions {
  readonly sqsLatencyMs: number;
  readonly tokens: number;
  readonly seed: number;
  /** Give up after this many ticks of the routine schedule. @default 4 */
  readonly ticks?: number;
}

/**
 * `tokens` single-token logouts already waiting on the routine queue, the deployed pipeline on a local SQS
 * server of its own that answers every call `sqsLatencyMs` late. The schedule starts as the backlog is
 * sent: the first run comes one tick later and finds it all waiting.
 */
export async function runBacklog(options: BacklogOptions): Promise<BacklogFigures> {
  const sqs: LocalSqs = await startLocalSqs({ latencyMs: options.sqsLatencyMs });
  let edge: EdgePipeline | undefined;
  try {
    edge = await startEdgePipeline(sqs.endpoint, `backlog-${options.sqsLatencyMs}ms`, {
      simulator: { seed: options.seed },
    });
    const { pipeline } = edge;
    const tokens = pipeline.simulator.issueTokens(options.tokens);
    await sendBodies(edge.sqs, pipeline.routineQueueUrl, bodiesOf(tokens, 1, 'routine'));
    const tickMs = pipeline.settings.routine.tickSeconds * 1000;
    const started = Date.now();
    await waitUntil(
      () => pipeline.simulator.stats().invalidated >= tokens.length && !pipeline.routine.busy(),
      (options.ticks ?? 4) * tickMs,
    );
    const wallSeconds = (Date.now() - started) / 1000;
    const requests = pipeline.simulator.requests;
    const confirmed = confirmedAt(requests);
    const working = edge.runs.filter((run) => (run.report?.received ?? 0) > 0);
    const runSeconds = working.reduce((sum, run) => sum + run.durationMs, 0) / 1000;
    const firstRunAt = working[0]?.startedAt;
    const lastConfirmed = Math.max(...confirmed.values());
    const budgetTokensPerSecond = pipeline.settings.routine.requestsPerSecond * 20;
    return {
      sqsLatencyMs: sqs.latencyMs,
      tokens: tokens.length,
      confirmed: confirmed.size,
      tokensSentTwice: tokensSentTwice(requests),
      apiCalls: requests.filter(served).length,
      runs: working.length,
      timedOutRuns: edge.runs.filter((run) => run.outcome === 'timeout').length,
      failedRuns: edge.runs.filter((run) => run.outcome !== 'success' && run.outcome !== 'timeout').length,
      runSeconds,
      tokensPerRunSecond: runSeconds === 0 ? 0 : confirmed.size / runSeconds,
      tokensPerWallSecond:
        firstRunAt === undefined || confirmed.size === 0
          ? 0
          : confirmed.size / ((lastConfirmed - firstRunAt) / 1000),
      budgetTokensPerSecond,
      runShareOfTick:
        pipeline.settings.routine.functionTimeoutSeconds / pipeline.settings.routine.tickSeconds,
      deadLetters: (await pipeline.deadLetters()).length,
      sqsErrors: edge.runs.reduce((sum, run) => sum + (run.report?.sqsErrors ?? 0), 0),
      wallSeconds,
    };
  } finally {
    await edge?.stop();
    await sqs.stop();
  }
}
