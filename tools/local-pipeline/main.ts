/**
 * `npm start`: both lanes on this machine, no AWS account, no network. Starts an SQS-compatible
 * server (fauxqs) and the Stack Exchange simulator on 127.0.0.1, creates the routine, urgent and
 * dead-letter queues with the CDK construct's settings, runs the routine consumer on a timer with the
 * deployed tick and the urgent handler behind a model of Lambda's SQS event source (each function in
 * processes of its own), enqueues a demo, shows progress, then a summary checked against real state.
 * Exit 0 when consistent. SIGINT, SIGTERM and SIGHUP stop everything.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { terminalWidth, wrap } from '../../functions/cli/terminal-width';
import { fingerprint } from '../../functions/lib/tokens';
import { type LocalLogs, startLocalLogs } from '../local-logs';
import { type LoopbackSqsServer, localSqsClient, startLoopbackSqs } from '../local-sqs';
import { auditEventLine, deadLetterLine, invocationLine, runLine } from './events';
import { clientEnvironment, keepRunningText, LOCAL_LOG_GROUPS, writeSecretFile } from './keep-running';
import { parseStartOptions, type StartOptions, StartUsageError, USAGE } from './options';
import { type Pipeline, startPipeline } from './pipeline';
import { queueDepth } from './queues';
import { enqueuedText, nextStepsText, progressLine, settingsText, summaryText } from './report';
import { settled, summarize } from './summary';
import { type DemoWorkload, startDemo, TRANSIENT_FAULTS } from './workload';

const out = (line: string) => process.stderr.write(`${line}\n`);

/** The command line, checked before anything starts (exit 2 with the usage when it cannot run). */
function readOptions(): StartOptions {
  try {
    return parseStartOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof StartUsageError)) throw error;
    out(`npm start: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const options = readOptions();
if (options.help) {
  out(USAGE);
  process.exit(0);
}

/** Output goes to stderr: its terminal's width, else COLUMNS, else 80. */
const width = () => terminalWidth(process.stderr, process.env);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilSettled(pipeline: Pipeline, workload: DemoWorkload, limitMs: number): Promise<void> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  for (;;) {
    const done = await settled(pipeline, workload);
    if (tty || done || Date.now() - lastLine >= 5000) {
      // One column short of the width, so the cursor never wraps; \x1b[K clears what a longer line left.
      const line = progressLine(pipeline, workload, started, width() - 1);
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
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

/** Prints each change of the dead-letter and parked queues' size (every 2 s): arrivals, and replays or deletes. */
function watchDeadLetters(running: Running, pipeline: Pipeline): () => Promise<void> {
  const setAside = async () =>
    (await held(running, pipeline.deadLetterQueueUrl)) + (await held(running, pipeline.parkedQueueUrl));
  let last: Promise<number> = setAside().catch(() => 0);
  const timer = setInterval(() => {
    last = last.then(async (before) => {
      const after = await setAside().catch(() => before);
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
  const [routine, urgent, dlq, parked] = await Promise.all(
    [
      pipeline.routineQueueUrl,
      pipeline.urgentQueueUrl,
      pipeline.deadLetterQueueUrl,
      pipeline.parkedQueueUrl,
    ].map((url) => held(running, url).catch(() => Number.NaN)),
  );
  return [
    '',
    `${signal}: stopping. The schedule is off and the urgent pollers stop taking batches;`,
    `  waiting for ${pipeline.routine.busy() ? 'the routine run in progress' : 'no routine run (none in progress)'} and ${inFlight} urgent invocation(s) in flight.`,
    `  The queues still hold ${routine} routine, ${urgent} urgent, ${dlq} dead-letter and ${parked} parked message(s): this local SQS server keeps nothing once it stops.`,
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
  const {
    tokens,
    tickSeconds,
    faultRate,
    latencyMs: latency,
    seed,
    urgentFunctionTimeoutSeconds,
    tokensFile,
  } = options;
  const timeLimitMs = options.timeLimitSeconds * 1000;

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
  out(settingsText(pipeline, sqs.endpoint, seed, width()));

  // The trickle ends a little before the consumer's first run, so it goes out in full calls.
  const workload = await startDemo(sqs, pipeline, { tokens, trickleMs: tickSeconds * 750, seed });
  out(`${enqueuedText(workload, tickSeconds * 0.75, width())}\n`);
  const started = Date.now();
  await waitUntilSettled(pipeline, workload, timeLimitMs);
  const summary = await summarize(pipeline, workload);
  out(summaryText(summary, (Date.now() - started) / 1000, width()));
  const code = summary.problems.length === 0 ? 0 : 1;

  if (options.keepRunning) {
    const live = pipeline.simulator.issueTokens(5);
    writeSecretFile(tokensFile, live);
    out(
      keepRunningText(
        clientEnvironment(pipeline, sqs.endpoint, logs.endpoint),
        tokensFile,
        pipeline.settings.routine.maxHoldSeconds,
        width(),
      ),
    );
    out(
      wrap(
        `Five fresh live tokens are in ${tokensFile} (mode 0600; fingerprints ${live.map(fingerprint).join(' ')}).`,
        width(),
      ).join('\n'),
    );
    running.serving = true;
    running.stopWatching = watchDeadLetters(running, pipeline);
    const signal = await signalled;
    out(await stoppingText(running, signal));
    await stopAll(running);
    out("Stopped: both lanes, the simulator, the SQS server and the logs server. Exit status: the demo's.");
  } else {
    out(`\n${nextStepsText(width())}`);
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
