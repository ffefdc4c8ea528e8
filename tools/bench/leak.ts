import type { LocalSqs } from '../local-sqs';
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

/** A leak on the urgent lane: every token revoked, how soon after the first send. */
export interface LeakFigures {
  readonly tokens: number;
  readonly tokensPerMessage: number;
  readonly confirmed: number;
  /** From the first send to the last token's confirmation. */
  readonly secondsToRevokeAll: number | undefined;
  /** The floor: tokens / 20 calls at the urgent lane's requests/s. */
  readonly floorSeconds: number;
  /** From the first send to the first call the API served (batching window, cold starts). */
  readonly firstCallAfterSeconds: number | undefined;
  /** Served calls per second from the first to the last (the lane's budget is 15). */
  readonly callsPerSecondWhileSending: number | undefined;
  /** Most urgent invocations running at once (the lane's maximum concurrency is 3). */
  readonly peakConcurrency: number;
  readonly tokensSentTwice: number;
  readonly apiCalls: number;
  readonly invocations: number;
  readonly timeouts: number;
  readonly deadLetters: number;
  readonly throttleViolations: number;
}

export interface LeakOptions {
  readonly sqs: LocalSqs;
  readonly tokens: number;
  readonly tokensPerMessage: number;
  readonly seed: number;
  /** Give up after this long. @default 120000 */
  readonly limitMs?: number;
}

/**
 * A leak: `tokens` tokens sent to the urgent queue at once in messages of `tokensPerMessage` (8 producers'
 * batches in parallel), revoked by the deployed urgent lane (3 instances x 5 requests/s, 30 s timeout,
 * 5 s window). The routine schedule stays off.
 */
export async function runLeak(options: LeakOptions): Promise<LeakFigures> {
  let edge: EdgePipeline | undefined;
  try {
    edge = await startEdgePipeline(options.sqs.endpoint, `leak-${options.tokensPerMessage}`, {
      simulator: { seed: options.seed },
      schedulePaused: true,
    });
    const { pipeline } = edge;
    const tokens = pipeline.simulator.issueTokens(options.tokens);
    const bodies = bodiesOf(tokens, options.tokensPerMessage, 'urgent');
    const firstSendAt = Date.now();
    await sendBodies(edge.sqs, pipeline.urgentQueueUrl, bodies);
    await waitUntil(
      () => pipeline.simulator.stats().invalidated >= tokens.length,
      options.limitMs ?? 120_000,
    );
    const requests = pipeline.simulator.requests;
    const confirmed = confirmedAt(requests);
    const stats = pipeline.urgent.source.stats();
    const servedAt = requests.filter(served).map((r) => r.at);
    const first = servedAt.length === 0 ? undefined : Math.min(...servedAt);
    const last = servedAt.length === 0 ? undefined : Math.max(...servedAt);
    const urgentRequestsPerSecond =
      pipeline.settings.urgent.maxConcurrency * pipeline.settings.urgent.requestsPerSecondPerFunction;
    return {
      tokens: tokens.length,
      tokensPerMessage: options.tokensPerMessage,
      confirmed: confirmed.size,
      secondsToRevokeAll:
        confirmed.size < tokens.length ? undefined : (Math.max(...confirmed.values()) - firstSendAt) / 1000,
      floorSeconds: tokens.length / 20 / urgentRequestsPerSecond,
      firstCallAfterSeconds: first === undefined ? undefined : (first - firstSendAt) / 1000,
      callsPerSecondWhileSending:
        first === undefined || last === undefined || last === first
          ? undefined
          : (servedAt.length - 1) / ((last - first) / 1000),
      peakConcurrency: stats.peakConcurrency,
      tokensSentTwice: tokensSentTwice(requests),
      apiCalls: requests.filter(served).length,
      invocations: stats.invocations,
      timeouts: stats.timeouts,
      deadLetters: (await pipeline.deadLetters()).length,
      throttleViolations: pipeline.simulator.stats().throttleViolations,
    };
  } finally {
    await edge?.stop();
  }
}
