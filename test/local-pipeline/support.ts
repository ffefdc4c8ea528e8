import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { enqueueTokens } from '../../functions/enqueue';
import type { RevocationPriority } from '../../functions/lib/message';
import { fingerprint } from '../../functions/lib/tokens';
import { type Pipeline, type PipelineOptions, startPipeline } from '../../tools/local-pipeline/pipeline';
import { readDeadLetter } from '../../tools/local-pipeline/summary';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';

export { sleep, waitFor } from '../event-source/support';

const ROOT = join(__dirname, '..', '..');

/** A pipeline with test timings: 4 s ticks (3.5 s runs), a 2 s urgent timeout (13 s visibility), a 1 s window. */
export interface TestPipeline {
  readonly pipeline: Pipeline;
  /** Everything the function processes wrote (their logs). */
  readonly output: string[];
}

export async function startTestPipeline(
  sqs: LocalSqs,
  name: string,
  options: Partial<Omit<PipelineOptions, 'sqs' | 'name'>> = {},
): Promise<TestPipeline> {
  const output: string[] = [];
  const pipeline = await startPipeline({
    sqs,
    name,
    tickSeconds: 4,
    urgentFunctionTimeoutSeconds: 2,
    maxBatchingWindowSeconds: 1,
    maxHoldSeconds: 6,
    onOutput: (text) => output.push(text),
    ...options,
    simulator: {
      latencyMs: { min: 5, max: 20 },
      banSeconds: 2,
      backoffSeconds: 1,
      timeoutMs: 1500,
      ...options.simulator,
    },
  });
  return { pipeline, output };
}

/**
 * Registers the hooks of a test file: one local SQS server for the file, and after each test, the
 * pipelines it started and whatever it registered with `onCleanup`, stopped in reverse order.
 */
export function usePipelines() {
  let sqs: LocalSqs | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs?.stop());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const server = (): LocalSqs => {
    if (sqs === undefined) throw new Error('the local SQS server is not started (use it inside a test)');
    return sqs;
  };
  return {
    sqs: server,
    async start(name: string, options: Partial<Omit<PipelineOptions, 'sqs' | 'name'>> = {}) {
      const started = await startTestPipeline(server(), name, options);
      cleanups.push(() => started.pipeline.stop());
      return started;
    },
    onCleanup(cleanup: () => Promise<void>) {
      cleanups.push(cleanup);
    },
  };
}

/** Sends tokens through the enqueue library to the lane of `priority`, `tokensPerMessage` to a message. */
export async function enqueue(
  sqs: LocalSqs,
  pipeline: Pipeline,
  priority: RevocationPriority,
  tokens: readonly string[],
  tokensPerMessage = 1,
): Promise<void> {
  const result = await enqueueTokens(tokens, {
    queueUrl: pipeline.routineQueueUrl,
    urgentQueueUrl: pipeline.urgentQueueUrl,
    priority,
    sqsClient: sqs.client,
    tokensPerMessage,
    reason: 'test',
  });
  if (result.failed > 0) throw new Error(`${result.failed} token(s) not enqueued`);
}

/** Where each token ended: invalidated by the API, or in the dead-letter queue (with its reason). */
export async function accountFor(pipeline: Pipeline, tokens: readonly string[]) {
  const letters = (await pipeline.deadLetters()).map(readDeadLetter);
  const reasons = new Map(letters.flatMap((letter) => letter.fingerprints.map((f) => [f, letter.reason])));
  const invalidated = tokens.filter((token) => pipeline.simulator.tokenState(token) === 'invalidated');
  const parked = tokens.filter((token) => !invalidated.includes(token) && reasons.has(fingerprint(token)));
  const lost = tokens.filter((token) => !invalidated.includes(token) && !reasons.has(fingerprint(token)));
  return { invalidated, parked, lost, letters };
}

/** Messages left in the routine and urgent queues (visible, in flight or delayed). */
export async function queued(pipeline: Pipeline): Promise<number> {
  const depths = await Promise.all([
    pipeline.depth(pipeline.routineQueueUrl),
    pipeline.depth(pipeline.urgentQueueUrl),
  ]);
  return depths.reduce((sum, d) => sum + d.visible + d.inFlight + d.delayed, 0);
}

/** True when no output line holds any of the tokens. */
export function leaks(output: readonly string[], tokens: readonly string[]): number {
  const text = output.join('');
  return tokens.filter((token) => text.includes(token)).length;
}

/** `npm start -- ...args` as a person types it, to its end; the output of both streams together. */
export function runNpmStart(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['start', '--', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('close', (code) => resolve({ code, output }));
  });
}
