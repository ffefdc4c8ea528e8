/**
 * `npm start`: both lanes on this machine, no AWS account, no network. Starts an SQS-compatible
 * server (fauxqs) and the Stack Exchange simulator on 127.0.0.1, creates the routine, urgent and
 * dead-letter queues with the CDK construct's settings, runs the routine consumer on a timer with the
 * deployed tick and the urgent handler behind a model of Lambda's SQS event source (each function in
 * processes of its own), enqueues a demo, shows progress, then a summary checked against real state.
 * Exit 0 when consistent. SIGINT, SIGTERM and SIGHUP stop everything.
 */
import { parseArgs } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { fingerprint } from '../../functions/lib/tokens';
import { type LocalLogs, startLocalLogs } from '../local-logs';
import { type LoopbackSqsServer, localSqsClient, startLoopbackSqs } from '../local-sqs';
import { auditEventLine, deadLetterLine, invocationLine, runLine } from './events';
import { clientEnvironment, keepRunningText, LOCAL_LOG_GROUPS, writeSecretFile } from './keep-running';
import { type Pipeline, startPipeline } from './pipeline';
import { queueDepth } from './queues';
import { progressLine, settingsText, summaryText } from './report';
import { DEPLOYED_TICK_SECONDS } from './settings';
import { settled, summarize } from './summary';
import { type DemoWorkload, startDemo, TRANSIENT_FAULTS } from './workload';

const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '60' },
    'tick-seconds': { type: 'string', default: String(DEPLOYED_TICK_SECONDS) },
    'fault-rate': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    'function-timeout': { type: 'string', default: '8' },
    'time-limit': { type: 'string', default: '600' },
    'keep-running': { type: 'boolean', default: false },
    'tokens-file': { type: 'string', default: 'tokens.txt' },
    help: { type: 'boolean', default: false },
  },
});

const out = (line: string) => process.stderr.write(`${line}\n`);
if (values.help) {
  out(`Usage: npm start -- [options]
  --tokens N            routine logouts in the trickle, rounded up to a multiple of 20 (default 60)
  --tick-seconds S      the routine consumer's schedule, 4 or more (default ${DEPLOYED_TICK_SECONDS}, the deployed tick); shorter is faster
  --fault-rate R        share of API requests that fail transiently (5xx, HTML pages, resets, timeouts, backoff)
  --latency-ms N        simulated API latency per call (default 30)
  --seed N              seed of the simulator and of the arrivals: same seed, same run
  --function-timeout S  the urgent handler's timeout; its queue's visibility follows the construct's formula (default 8)
  --time-limit S        give up waiting for the demo to settle after this long (default 600)
  --keep-running        keep serving after the demo: print the environment and CLI commands (audit included),
                        then one line per event (runs, invocations, settled tokens, dead-letter changes)
  --tokens-file PATH    where --keep-running writes five live tokens, mode 0600 (default tokens.txt)`);
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilSettled(pipeline: Pipeline, workload: DemoWorkload, limitMs: number): Promise<void> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  for (;;) {
    const done = await settled(pipeline, workload);
    if (tty || done || Date.now() - lastLine >= 5000) {
      const line = progressLine(pipeline, workload, started);
      if (tty) process.stderr.write(`\r${line}`);
      else out(line);
      lastLine = Date.now();
    }
    if (done || Date.now() - started > limitMs) break;
    await sleep(tty ? 250 : 500);
  }
  if (tty) out('');
}

/** Everything main started, so that a signal at any moment stops all of it. */
interface Running {
  sqs?: { readonly server: LoopbackSqsServer; readonly endpoint: string; readonly client: SQSClient };
  logs?: LocalLogs;
  pipeline?: Pipeline;
  /** The demo is over and --keep-running serves: a signal ends it with the demo's exit code. */
  serving?: boolean;
  /** Stops watching the dead-letter queue (while serving). */
  stopWatching?: () => Promise<void>;
  stopped?: Promise<void>;
}

/** Messages a queue holds in any state. */
async function held(running: Running, queueUrl: string): Promise<number> {
  if (running.sqs === undefined) return 0;
  const depth = await queueDepth(running.sqs.client, queueUrl);
  return depth.visible + depth.inFlight + depth.delayed;
}

/** Prints each change of the dead-letter queue's size (every 2 s): arrivals, and replays or deletes. */
function watchDeadLetters(running: Running, pipeline: Pipeline): () => Promise<void> {
  let last: Promise<number> = held(running, pipeline.deadLetterQueueUrl).catch(() => 0);
  const timer = setInterval(() => {
    last = last.then(async (before) => {
      const after = await held(running, pipeline.deadLetterQueueUrl).catch(() => before);
      const line = deadLetterLine(before, after);
      if (line !== undefined) out(line);
      return after;
    });
  }, 2000);
  return async () => {
    clearInterval(timer);
    await last;
  };
}

/** While serving, says what stopping does: what is in flight, what the queues still hold. */
async function stoppingText(running: Running, signal: string): Promise<string> {
  const pipeline = running.pipeline;
  if (pipeline === undefined) return `\n${signal}: stopping`;
  const inFlight = pipeline.urgent.processes().filter((fn) => fn.busySince() !== undefined).length;
  const [routine, urgent, dlq] = await Promise.all(
    [pipeline.routineQueueUrl, pipeline.urgentQueueUrl, pipeline.deadLetterQueueUrl].map((url) =>
      held(running, url).catch(() => Number.NaN),
    ),
  );
  return [
    '',
    `${signal}: stopping. The schedule is off and the urgent pollers stop taking batches;`,
    `  waiting for ${pipeline.routine.busy() ? 'the routine run in progress' : 'no routine run (none in progress)'} and ${inFlight} urgent invocation(s) in flight.`,
    `  The queues still hold ${routine} routine, ${urgent} urgent and ${dlq} dead-letter message(s): this local SQS server keeps nothing once it stops.`,
  ].join('\n');
}

function stopAll(running: Running): Promise<void> {
  running.stopped ??= (async () => {
    await running.stopWatching?.();
    await running.pipeline?.stop();
    running.sqs?.client.destroy();
    await running.sqs?.server.stop();
    await running.logs?.stop();
  })();
  return running.stopped;
}

async function demo(running: Running, signalled: Promise<NodeJS.Signals>): Promise<number> {
  const tokens = number('tokens', 1, 100_000);
  const tickSeconds = number('tick-seconds', 4, 3600);
  const faultRate = number('fault-rate', 0, 0.9);
  const latency = number('latency-ms', 0, 5000);
  const seed = number('seed', 0, 2 ** 31);
  const urgentFunctionTimeoutSeconds = number('function-timeout', 1, 900);
  const timeLimitMs = number('time-limit', 10, 86_400) * 1000;
  const tokensFile = String(values['tokens-file']);

  const server = await startLoopbackSqs();
  running.sqs = { server, endpoint: server.endpoint, client: localSqsClient(server.endpoint) };
  const sqs = running.sqs;
  // The functions' output goes to their log groups here, for `token-revoker audit`.
  const logs = await startLocalLogs();
  running.logs = logs;
  for (const group of LOCAL_LOG_GROUPS) logs.createLogGroup(group);
  /** Events are printed once the demo is over and --keep-running serves. */
  const talk = (line: string) => {
    if (running.serving) out(line);
  };
  const pipeline = await startPipeline({
    logs,
    onAudit: (line) => talk(auditEventLine(line)),
    onRun: (run) => talk(runLine(run)),
    onInvocation: (report) => talk(invocationLine(report)),
    sqs,
    tickSeconds,
    urgentFunctionTimeoutSeconds,
    simulator: {
      seed,
      latencyMs: { min: latency / 2, max: latency * 1.5 },
      backoffSeconds: 1,
      timeoutMs: 5_000,
      ...(faultRate > 0 ? { faults: { rate: faultRate, kinds: TRANSIENT_FAULTS } } : {}),
    },
    onOutput: (text) => process.stderr.write(text),
  });
  running.pipeline = pipeline;
  out(settingsText(pipeline, sqs.endpoint, seed));

  // The trickle ends a little before the consumer's first run, so it goes out in full calls.
  const workload = await startDemo(sqs, pipeline, { tokens, trickleMs: tickSeconds * 750, seed });
  out(
    `Enqueued               ${workload.routine.length} logouts one by one over ${(tickSeconds * 0.75).toFixed(0)} s (routine), a leaked token and a compromised account (urgent), a token the API rejects, ${workload.hostileMessages} hostile bodies, one dead-lettered logout\n`,
  );
  const started = Date.now();
  await waitUntilSettled(pipeline, workload, timeLimitMs);
  const summary = await summarize(pipeline, workload);
  out(summaryText(summary, (Date.now() - started) / 1000));
  const code = summary.problems.length === 0 ? 0 : 1;

  if (values['keep-running']) {
    const live = pipeline.simulator.issueTokens(5);
    writeSecretFile(tokensFile, live);
    out(
      keepRunningText(
        clientEnvironment(pipeline, sqs.endpoint, logs.endpoint),
        tokensFile,
        pipeline.settings.routine.maxHoldSeconds,
      ),
    );
    out(
      `Five fresh live tokens are in ${tokensFile} (mode 0600; fingerprints ${live.map(fingerprint).join(' ')}).`,
    );
    running.serving = true;
    running.stopWatching = watchDeadLetters(running, pipeline);
    const signal = await signalled;
    out(await stoppingText(running, signal));
    await stopAll(running);
    out("Stopped: both lanes, the simulator, the SQS server and the logs server. Exit status: the demo's.");
  }
  return code;
}

function main(): void {
  const running: Running = {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => resolve(signal));
  });
  void signalled.then(async (signal) => {
    if (running.serving) return; // demo() returns, and everything stops below
    out(`\n${signal}: stopping`);
    await stopAll(running);
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
  });
  demo(running, signalled).then(
    async (code) => {
      await stopAll(running);
      process.exit(code);
    },
    async (error: unknown) => {
      out(error instanceof Error ? (error.stack ?? error.message) : String(error));
      await stopAll(running).catch(() => undefined);
      process.exit(1);
    },
  );
}

main();
