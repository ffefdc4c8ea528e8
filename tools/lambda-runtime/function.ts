/**
 * One Lambda function instance on this machine, loaded the way Lambda loads it: aws-lambda-ric on
 * Node 24 in its own process, polling the Runtime API stand-in for invocations. The process gets a
 * clean environment, as on Lambda: the runtime's variables plus the function's own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { LambdaRuntimeError } from './errors';
import type { RuntimeInterfaceClient } from './ric';
import {
  type InvocationOutcome,
  type InvokeOptions,
  type LambdaErrorReport,
  startRuntimeApi,
} from './runtime-api';

export interface FunctionOptions {
  /** The installed runtime interface client (installRuntimeInterfaceClient()). */
  readonly runtime: RuntimeInterfaceClient;
  /** The folder holding the bundle, as /var/task on Lambda. */
  readonly taskRoot: string;
  /** `file.export`, as the template's Handler property. @default 'index.handler' */
  readonly handler?: string;
  /** The function's environment variables (the template's, with local endpoints and credentials). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 'local-function' */
  readonly functionName?: string;
  /** @default 256 */
  readonly memorySizeInMb?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
}

export interface LambdaFunction {
  /** Process id of the runtime (aws-lambda-ric on Node 24). */
  readonly pid: number;
  /** Sends one event; ends with the handler's result or error, or throws if the process exits first. */
  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationOutcome>;
  /** Resolves with the init error the runtime reported, once the process has exited. */
  initError(): Promise<LambdaErrorReport>;
  /** Everything the process wrote to stdout and stderr so far (its logs: never printed here). */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Stops the process and the Runtime API. */
  stop(): Promise<void>;
}

/** Starts the runtime in its own process; its init runs at once, as on a cold start. */
export async function startFunction(options: FunctionOptions): Promise<LambdaFunction> {
  const api = await startRuntimeApi();
  const functionName = options.functionName ?? 'local-function';
  const region = options.region ?? 'us-east-1';
  const child: ChildProcess = spawn(options.runtime.node, [options.runtime.entry], {
    cwd: options.taskRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${dirname(options.runtime.node)}${delimiter}/usr/local/bin:/usr/bin:/bin`,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySizeInMb ?? 256),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_RUNTIME_API: api.address,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      LAMBDA_TASK_ROOT: options.taskRoot,
      LAMBDA_RUNTIME_DIR: dirname(options.runtime.entry),
      _HANDLER: options.handler ?? 'index.handler',
      ...options.environment,
    },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const exitError = exited.then(({ code, signal }) => {
    throw new LambdaRuntimeError(`the function's process exited (${signal ?? code})`, {
      pid: child.pid ?? null,
      exitCode: code,
      signal,
    });
  });
  exitError.catch(() => undefined);

  return {
    pid: child.pid ?? -1,
    exited,
    output: () => output,
    invoke: (event, invokeOptions) => Promise.race([api.invoke(event, invokeOptions), exitError]),
    async initError() {
      await exited;
      // The runtime posts the init error (and waits for the answer) before it exits: it is there by now.
      const report = await Promise.race([api.initError, Promise.resolve(undefined)]);
      if (report === undefined) {
        throw new LambdaRuntimeError('the function exited without reporting an init error', {
          pid: child.pid ?? null,
        });
      }
      return report;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await api.stop();
    },
  };
}
