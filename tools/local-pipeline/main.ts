/**
 * `npm start`: the whole pipeline on this machine, no AWS account, no network. Starts an
 * SQS-compatible server (fauxqs) and the Stack Exchange simulator in this process on 127.0.0.1,
 * creates the queues with the CDK construct's settings, runs the real handler behind a local event
 * source poller, enqueues a demo workload, shows progress, then a summary. Exit 0 when consistent.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fingerprint } from '../../functions/lib/tokens';
import { localSqsClient, startLoopbackSqs } from '../local-sqs';
import type { FaultKind } from '../simulator';
import { startPipeline } from './pipeline';
import { settled, summarize } from './summary';
import { enqueueDemo } from './workload';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '200' },
    'fault-rate': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    'function-timeout': { type: 'string', default: '8' },
    'time-limit': { type: 'string', default: '180' },
    'keep-running': { type: 'boolean', default: false },
    'tokens-file': { type: 'string', default: 'tokens.txt' },
    help: { type: 'boolean', default: false },
  },
});

const out = (line: string) => process.stderr.write(`${line}\n`);
if (values.help) {
  out(`Usage: npm start -- [--tokens N] [--fault-rate 0..1] [--latency-ms N] [--seed N] [--function-timeout S] [--keep-running]
  --tokens N            demo tokens to revoke (default 200)
  --fault-rate R        share of API requests that fail transiently (5xx, HTML pages, resets, timeouts, backoff)
  --latency-ms N        simulated API latency per call (default 30)
  --seed N              seed of the simulator: same seed, same run
  --function-timeout S  local function timeout; the visibility timeout follows the construct's formula (default 8)
  --keep-running        keep serving after the demo and print the endpoints for the CLI`);
  process.exit(0);
}

const number = (name: keyof typeof values, min: number, max: number): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    out(`--${name}: "${String(values[name])}" is not a number between ${min} and ${max}`);
    process.exit(2);
  }
  return value;
};

async function main(): Promise<number> {
  const tokens = number('tokens', 10, 100_000);
  const faultRate = number('fault-rate', 0, 0.9);
  const latency = number('latency-ms', 0, 5000);
  const seed = number('seed', 0, 2 ** 31);
  const functionTimeoutInSeconds = number('function-timeout', 1, 900);
  const timeLimitMs = number('time-limit', 10, 3600) * 1000;
  const tokensFile = String(values['tokens-file']);

  const server = await startLoopbackSqs();
  const sqsEndpoint = server.endpoint;
  const sqs = localSqsClient(sqsEndpoint);
  const faults: FaultKind[] = [
    'internal_error',
    'temporarily_unavailable',
    'html_503',
    'connection_reset',
    'timeout',
    'backoff',
  ];
  const pipeline = await startPipeline({
    sqsEndpoint,
    sqs,
    functionTimeoutInSeconds,
    simulator: {
      seed,
      latencyMs: { min: latency / 2, max: latency * 1.5 },
      backoffSeconds: 1,
      timeoutMs: 5_000,
      ...(faultRate > 0 ? { faults: { rate: faultRate, kinds: faults } } : {}),
    },
  });
  const { settings } = pipeline;
  out(`SQS-compatible server  ${sqsEndpoint}`);
  out(`Stack Exchange API     ${pipeline.simulator.url} (simulator, seed ${seed})`);
  out(
    `Event source           batch ${settings.batchSize}, window ${settings.maxBatchingWindowInSeconds} s, concurrency ${settings.concurrency}, visibility ${settings.visibilityTimeoutInSeconds} s, ${settings.maxReceiveCount} receives (infra/settings.ts)`,
  );

  const workload = await enqueueDemo(sqs, pipeline.queueUrl, pipeline.simulator, tokens);
  out(
    `Enqueued               ${workload.messages} messages: logouts, a bulk request, duplicates, a de-authentication, a token the API rejects, ${workload.hostileMessages} hostile bodies\n`,
  );

  const started = Date.now();
  const tty = process.stderr.isTTY;
  for (;;) {
    const stats = pipeline.simulator.stats();
    const line = `  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  invalidated ${stats.invalidated}/${workload.valid.length}  API calls ${stats.requests} (${stats.meanTokensPerSuccessfulCall.toFixed(1)} tokens/call)  invocations ${pipeline.poller.stats.invocations}  retried ${pipeline.poller.stats.reportedFailures}`;
    if (tty) process.stderr.write(`\r${line}`);
    else out(line);
    if (await settled(pipeline, workload)) break;
    if (Date.now() - started > timeLimitMs) break;
    await new Promise((resolve) => setTimeout(resolve, tty ? 250 : 2000));
  }
  if (tty) out('');

  const summary = await summarize(pipeline, workload);
  out(`
Summary (${((Date.now() - started) / 1000).toFixed(1)} s)
  tokens invalidated      ${summary.invalidated}
  tokens de-authenticated ${summary.deauthenticated} (2 requested; their accounts' other tokens die with them)
  already dead            ${summary.alreadyDead} (duplicates and tokens revoked earlier: confirmed, not retried)
  parked messages         ${summary.parkedMessages}
  retried messages        ${summary.retriedMessages}
  still in flight         ${summary.stillInFlight}
  API calls               ${summary.apiCalls}, ${summary.tokensPerCall.toFixed(2)} tokens per successful call
  backoffs / throttles    ${summary.backoffs} / ${summary.throttles} (violations: ${summary.backoffViolations} backoff, ${summary.throttleViolations} throttle)

Dead-letter queue (${summary.deadLetters.length})`);
  for (const letter of summary.deadLetters) {
    out(
      `  ${letter.reason.padEnd(18)} ${letter.fingerprints.length > 0 ? letter.fingerprints.join(' ') : '(original body kept)'}`,
    );
  }
  out(
    summary.problems.length === 0
      ? '\nConsistent: every token is revoked, known dead or parked with a reason.'
      : `\nINCONSISTENT: ${summary.problems.join('; ')}`,
  );

  if (values['keep-running']) {
    const live = pipeline.simulator.issueTokens(5);
    out(`
Keep running (Ctrl-C to stop). In another terminal:
  export AWS_ENDPOINT_URL_SQS=${sqsEndpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  export STACKEXCHANGE_API_URL=${pipeline.simulator.url}
  npx token-revoker enqueue --queue-url ${pipeline.queueUrl} --file ${tokensFile}
  npx token-revoker inspect --file ${tokensFile}
  npx token-revoker dlq list --dlq-url ${pipeline.deadLetterQueueUrl}
Five fresh live tokens were written to ${tokensFile} (fingerprints ${live.map(fingerprint).join(' ')}).`);
    writeFileSync(tokensFile, `${live.join('\n')}\n`, { mode: 0o600 });
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await pipeline.stop();
  sqs.destroy();
  await server.stop();
  return summary.problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    out(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
