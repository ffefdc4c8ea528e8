/**
 * A stand-in for the Lambda Runtime API (the HTTP interface a runtime interface client polls) on
 * 127.0.0.1: next invocation, invocation response, invocation error and init error, as documented in
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html. One invocation at a time, as Lambda
 * gives one instance.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaRuntimeError } from './errors';

const PREFIX = '/2018-06-01/runtime';
const ROUTE = {
  next: new RegExp(`^${PREFIX}/invocation/next$`),
  response: new RegExp(`^${PREFIX}/invocation/([^/]+)/response$`),
  error: new RegExp(`^${PREFIX}/invocation/([^/]+)/error$`),
  initError: new RegExp(`^${PREFIX}/init/error$`),
} as const;

/** An error as the runtime reports it (`errorType`, `errorMessage`, and `trace` lines from aws-lambda-ric). */
export interface LambdaErrorReport {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** How one invocation ended: the handler's result, or the error it threw. */
export type InvocationOutcome =
  | { readonly kind: 'response'; readonly requestId: string; readonly payload: unknown }
  | { readonly kind: 'error'; readonly requestId: string; readonly error: LambdaErrorReport };

export interface InvokeOptions {
  /** The function's timeout: sent as the deadline, and how long `invoke` waits. @default 30 */
  readonly timeoutInSeconds?: number;
  /** @default 'arn:aws:lambda:us-east-1:000000000000:function:local' */
  readonly functionArn?: string;
}

export interface RuntimeApi {
  /** `127.0.0.1:PORT`: the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Queues an event for the runtime's next `GET .../invocation/next` and waits for its outcome. */
  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationOutcome>;
  /** Resolves with the init error when the runtime reports one (it never does for a healthy function). */
  readonly initError: Promise<LambdaErrorReport>;
  /** Closes the server and any waiting `next` request. */
  stop(): Promise<void>;
}

interface Pending {
  readonly requestId: string;
  readonly body: string;
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly settle: (outcome: InvocationOutcome) => void;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function parseErrorReport(body: string, fallbackType: string | undefined): LambdaErrorReport {
  try {
    const parsed = JSON.parse(body) as Partial<LambdaErrorReport>;
    return {
      errorType: String(parsed.errorType ?? fallbackType ?? 'Unknown'),
      errorMessage: String(parsed.errorMessage ?? ''),
      ...(Array.isArray(parsed.trace) ? { trace: parsed.trace.map(String) } : {}),
    };
  } catch {
    return { errorType: fallbackType ?? 'Unknown', errorMessage: body };
  }
}

/** Starts the Runtime API stand-in on 127.0.0.1 (an ephemeral port). */
export async function startRuntimeApi(): Promise<RuntimeApi> {
  const queued: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  let waiting: ServerResponse | undefined;
  let reportInitError: (report: LambdaErrorReport) => void = () => undefined;
  const initError = new Promise<LambdaErrorReport>((resolve) => {
    reportInitError = resolve;
  });

  const deliver = () => {
    const response = waiting;
    const next = queued[0];
    if (response === undefined || next === undefined) return;
    queued.shift();
    waiting = undefined;
    inFlight.set(next.requestId, next);
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(next.body),
      'lambda-runtime-aws-request-id': next.requestId,
      'lambda-runtime-deadline-ms': String(next.deadlineMs),
      'lambda-runtime-invoked-function-arn': next.functionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    response.end(next.body);
  };

  const settle = async (
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    kind: InvocationOutcome['kind'],
  ) => {
    const body = await readBody(request);
    const pending = inFlight.get(requestId);
    if (pending === undefined) {
      reply(response, 400, {
        errorType: 'InvalidRequestID',
        errorMessage: `unknown request id ${requestId}`,
      });
      return;
    }
    inFlight.delete(requestId);
    if (kind === 'response') {
      pending.settle({ kind, requestId, payload: body === '' ? null : (JSON.parse(body) as unknown) });
    } else {
      const errorType = request.headers['lambda-runtime-function-error-type'];
      pending.settle({
        kind,
        requestId,
        error: parseErrorReport(body, typeof errorType === 'string' ? errorType : undefined),
      });
    }
    reply(response, 202, { status: 'OK' });
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const responseId = ROUTE.response.exec(path)?.[1];
    const errorId = ROUTE.error.exec(path)?.[1];
    if (request.method === 'GET' && ROUTE.next.test(path)) {
      waiting = response;
      deliver();
    } else if (request.method === 'POST' && responseId !== undefined) {
      void settle(request, response, decodeURIComponent(responseId), 'response');
    } else if (request.method === 'POST' && errorId !== undefined) {
      void settle(request, response, decodeURIComponent(errorId), 'error');
    } else if (request.method === 'POST' && ROUTE.initError.test(path)) {
      void readBody(request).then((body) => {
        const errorType = request.headers['lambda-runtime-function-error-type'];
        reportInitError(parseErrorReport(body, typeof errorType === 'string' ? errorType : undefined));
        reply(response, 202, { status: 'OK' });
      });
    } else {
      reply(response, 404, { errorType: 'NotFound', errorMessage: `${request.method} ${path}` });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    initError,
    invoke(event, options = {}) {
      const timeoutInSeconds = options.timeoutInSeconds ?? 30;
      return new Promise<InvocationOutcome>((resolve, reject) => {
        const requestId = randomUUID();
        const timer = setTimeout(() => {
          inFlight.delete(requestId);
          const index = queued.findIndex((pending) => pending.requestId === requestId);
          if (index >= 0) queued.splice(index, 1);
          reject(
            new LambdaRuntimeError(`invocation ${requestId} did not end within ${timeoutInSeconds} s`, {
              requestId,
              timeoutInSeconds,
            }),
          );
        }, timeoutInSeconds * 1000);
        queued.push({
          requestId,
          body: JSON.stringify(event),
          deadlineMs: Date.now() + timeoutInSeconds * 1000,
          functionArn: options.functionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:local',
          settle: (outcome) => {
            clearTimeout(timer);
            resolve(outcome);
          },
        });
        deliver();
      });
    },
    async stop() {
      waiting?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
