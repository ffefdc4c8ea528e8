import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { RuntimeExitedError } from '../event-source';
import { LOCAL_CREDENTIALS } from '../local-sqs';
import {
  type FromFunction,
  FUNCTION_BUNDLE_VARIABLE,
  type FunctionSpec,
  type ToFunction,
} from './function-protocol';

/** An error the function threw, as its process reported it (name and message only). */
export class FunctionError extends Error {
  override name = 'FunctionError';
  /** The name of the error inside the function. */
  readonly errorName: string;

  constructor(errorName: string, message: string) {
    super(`${errorName}: ${message}`);
    this.errorName = errorName;
  }
}

/** Which function, its configuration object (sent over IPC, never put in the environment), its logs. */
export type FunctionProcessOptions = FunctionSpec & {
  /** Receives the process's stdout and stderr (its logs), one whole line (with its newline) at a time. @default discarded */
  readonly onOutput?: (text: string) => void;
  /** POWERTOOLS_LOG_LEVEL of the function. @default process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR' */
  readonly logLevel?: string;
};

/** A function running in a process of its own, one invocation at a time. */
export interface FunctionProcess {
  readonly pid: number;
  /** Runs one invocation; rejects with RuntimeExitedError if the process dies, FunctionError if it threw. */
  invoke(event: unknown, deadline: number): Promise<unknown>;
  /** When the running invocation started, or undefined between invocations. */
  busySince(): number | undefined;
  /** Sends a signal (tests kill it with SIGKILL). */
  kill(signal: NodeJS.Signals): void;
  /** Ends the process (it exits when its channel closes; SIGKILL after a second). */
  close(): Promise<void>;
  /** Exit code or signal, once the process has exited. */
  readonly exited: Promise<number | string>;
}

const ENTRY = join(__dirname, 'function-process.ts');
/** tsx's loader, so the child runs the TypeScript sources as they are. */
const TSX_LOADER = pathToFileURL(
  join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs'),
).href;

/** What the child runs: the bundle FUNCTION_BUNDLE_VARIABLE names, else the sources through tsx. */
function childModule(): { readonly path: string; readonly execArgv: string[] } {
  const bundle = process.env[FUNCTION_BUNDLE_VARIABLE];
  return bundle === undefined || bundle === ''
    ? { path: ENTRY, execArgv: ['--import', TSX_LOADER] }
    : { path: bundle, execArgv: ['--enable-source-maps'] };
}

/** Starts a function's process and builds the function in it (its cold start); rejects on an init error. */
export async function startFunctionProcess(options: FunctionProcessOptions): Promise<FunctionProcess> {
  const code = childModule();
  const child: ChildProcess = fork(code.path, [], {
    execArgv: code.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      // The runtime's environment, as Lambda sets it; the function's settings come in `config`.
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
  const onOutput = options.onOutput ?? (() => undefined);
  // Whole lines, as Lambda ships a function's output: two processes' lines never interleave mid-line.
  for (const stream of [child.stdout, child.stderr]) {
    if (stream)
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
        onOutput(`${line}\n`),
      );
  }

  const exited = once(child, 'exit').then(([code, signal]) => (signal as string | null) ?? (code as number));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let busySince: number | undefined;
  void exited.then((exit) => {
    for (const { reject } of pending.values()) reject(new RuntimeExitedError(exit));
    pending.clear();
  });
  child.on('message', (message: FromFunction) => {
    if (message.type !== 'result' && message.type !== 'error') return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    busySince = undefined;
    if (message.type === 'result') waiting?.resolve(message.value);
    else waiting?.reject(new FunctionError(message.error.name, message.error.message));
  });

  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromFunction) => {
      if (message.type === 'ready') resolve();
      if (message.type === 'init_error') reject(new FunctionError(message.error.name, message.error.message));
    });
    void exited.then((exit) => reject(new RuntimeExitedError(exit)));
  });
  const spec: FunctionSpec =
    options.kind === 'routine'
      ? { kind: options.kind, config: options.config }
      : { kind: options.kind, config: options.config };
  const init: ToFunction = { type: 'init', ...spec };
  child.send(init);

  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await ready;
  } catch (error) {
    await close();
    throw error;
  }

  return {
    pid: child.pid ?? -1,
    exited,
    invoke(event, deadline) {
      if (!child.connected) return Promise.reject(new RuntimeExitedError('disconnected'));
      nextId += 1;
      const id = nextId;
      busySince = Date.now();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const message: ToFunction = { type: 'invoke', id, event, deadline };
        child.send(message, (error) => {
          if (error) {
            pending.delete(id);
            reject(new RuntimeExitedError('disconnected', { cause: error }));
          }
        });
      });
    },
    busySince: () => (child.exitCode === null && child.signalCode === null ? busySince : undefined),
    kill(signal) {
      child.kill(signal);
    },
    close,
  };
}
