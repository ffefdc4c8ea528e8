import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LoopbackSqsOptions, LoopbackSqsServer } from './loopback.mjs';
import { type LocalSqsOptions, optionsToEnv, resolveOptions } from './options.mjs';

export type { LoopbackSqsOptions, LoopbackSqsServer } from './loopback.mjs';
export {
  DEFAULT_LATENCY_MS,
  DEFAULT_MAX_IN_FLIGHT_MESSAGES,
  LOCAL_SQS_ENV,
  type LocalSqsOptions,
} from './options.mjs';

/**
 * A real SQS-compatible server (fauxqs) in a child process on 127.0.0.1, as strict as SQS where fauxqs is
 * not: a latency per call, the 12-hour visibility rule, the in-flight limit (tools/local-sqs/README.md).
 */
export interface LocalSqs {
  /** `http://127.0.0.1:PORT`: give it to SQSClient as `endpoint` (or AWS_ENDPOINT_URL_SQS to the handler). */
  readonly endpoint: string;
  /** Milliseconds added to every SQS call. */
  readonly latencyMs: number;
  /** Messages a queue may have in flight before a receive answers OverLimit. */
  readonly maxInFlightMessages: number;
  /** A client configured for this server (dummy credentials, us-east-1). */
  readonly client: SQSClient;
  /** Process id of the server (a child of this process). */
  readonly pid: number;
  /** Creates a queue and, when `deadLetter` is set, its dead-letter queue with a redrive policy. */
  createQueue(name: string, options?: QueueOptions): Promise<{ queueUrl: string; queueArn: string }>;
  stop(): Promise<void>;
}

export interface QueueOptions {
  readonly visibilityTimeoutInSeconds?: number;
  readonly deadLetter?: { readonly queueArn: string; readonly maxReceiveCount: number };
  readonly attributes?: Readonly<Record<string, string>>;
}

const SERVER_SCRIPT = join(__dirname, 'server.mjs');

/** Dummy credentials: the local server does not check them, the SDK insists on having some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

/**
 * Starts fauxqs in this process, on 127.0.0.1 only (tools/local-sqs/loopback.mjs, the one way this
 * project starts it), with the same latency and rules as `startLocalSqs`. For entry points run by tsx such
 * as `npm start`; tests use `startLocalSqs`.
 */
export async function startLoopbackSqs(options?: LoopbackSqsOptions): Promise<LoopbackSqsServer> {
  const loopback = await import('./loopback.mjs');
  return loopback.startLoopbackSqs(options);
}

/** What the child server prints once it listens. */
interface Started {
  readonly port: number;
  readonly latencyMs: number;
  readonly maxInFlightMessages: number;
}

/**
 * Starts the server in a child process (the same loopback start) and waits until it listens. Options not
 * given come from this process' LOCAL_SQS_* environment variables, else their defaults; a bad one throws a
 * RangeError naming it before anything starts.
 */
export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const resolved = resolveOptions(options, process.env);
  const child: ChildProcess = spawn(process.execPath, [SERVER_SCRIPT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...optionsToEnv(resolved) },
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const started = await new Promise<Started>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`local SQS server exited early (code ${code})`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as Started));
  });
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${started.port}`;
  const client = localSqsClient(endpoint);

  return {
    endpoint,
    latencyMs: started.latencyMs,
    maxInFlightMessages: started.maxInFlightMessages,
    client,
    pid: child.pid ?? -1,
    async createQueue(name, options = {}) {
      const attributes: Record<string, string> = { ...options.attributes };
      if (options.visibilityTimeoutInSeconds !== undefined) {
        attributes.VisibilityTimeout = String(options.visibilityTimeoutInSeconds);
      }
      if (options.deadLetter !== undefined) {
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: options.deadLetter.queueArn,
          maxReceiveCount: options.deadLetter.maxReceiveCount,
        });
      }
      const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const queueUrl = created.QueueUrl ?? '';
      const read = await client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      return { queueUrl, queueArn: read.Attributes?.QueueArn ?? '' };
    },
    async stop() {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
