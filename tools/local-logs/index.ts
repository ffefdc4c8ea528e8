/**
 * A CloudWatch Logs stand-in on 127.0.0.1: log groups filled in-process (the local pipeline feeds
 * its functions' output here) and the two Logs Insights calls `token-revoker audit` makes,
 * `StartQuery` and `GetQueryResults`, over the AWS JSON protocol (`Logs_20140328.*`). As strict as
 * the service where the CLI depends on it: a query runs asynchronously (the first poll says
 * `Running`), a missing log group is ResourceNotFoundException, the time range is in epoch seconds
 * and must be ordered, a query string is at most 10,000 characters, at most 50 log groups, and at
 * most 10,000 rows come back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventFields, MAX_QUERY_RESULTS, MalformedQueryError, matches, parseQuery } from './query';

/** One log event as stored. */
export interface StoredEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly logStreamName: string;
}

export interface LocalLogs {
  /** `http://127.0.0.1:PORT`: the SDK's `endpoint`, or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS. */
  readonly endpoint: string;
  /** Creates a log group (idempotent). */
  createLogGroup(name: string): void;
  /** Appends one event to a group (created on first use), as Lambda does with a function's output. */
  append(
    logGroupName: string,
    message: string,
    options?: { timestamp?: number; logStreamName?: string },
  ): void;
  /** The events of a group, oldest first. */
  events(logGroupName: string): readonly StoredEvent[];
  /** Every request's action (`StartQuery`, `GetQueryResults`), in order: tests count them. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

/** Insights' limits that the CLI must respect. */
export const QUERY_LIMITS = { queryStringLength: 10_000, logGroups: 50 } as const;

type QueryState = {
  readonly rows: { field: string; value: string }[][];
  readonly scanned: number;
  polls: number;
};

/** An error answered as the service answers it: its type, message and HTTP status. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A request's body as text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP server of a stand-in on 127.0.0.1 (a free port): its endpoint, and a stop that drops kept-alive connections. */
export async function listenOnLoopback(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
): Promise<{ readonly endpoint: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts the stand-in; `pollsUntilComplete` (default 1) is how many GetQueryResults answer `Running` first. */
export async function startLocalLogs(options: { pollsUntilComplete?: number } = {}): Promise<LocalLogs> {
  const groups = new Map<string, StoredEvent[]>();
  const queries = new Map<string, QueryState>();
  const requests: string[] = [];
  const pollsUntilComplete = options.pollsUntilComplete ?? 1;

  const startQuery = (input: Record<string, unknown>) => {
    const names = [
      ...(typeof input.logGroupName === 'string' ? [input.logGroupName] : []),
      ...(Array.isArray(input.logGroupNames) ? input.logGroupNames : []),
    ] as string[];
    if (names.length === 0 || names.length > QUERY_LIMITS.logGroups)
      throw new ServiceError('InvalidParameterException', `give 1 to ${QUERY_LIMITS.logGroups} log groups`);
    const { startTime, endTime, queryString } = input;
    if (typeof startTime !== 'number' || typeof endTime !== 'number' || startTime > endTime)
      throw new ServiceError('InvalidParameterException', 'startTime and endTime: epoch seconds, in order');
    if (typeof queryString !== 'string' || queryString.length > QUERY_LIMITS.queryStringLength)
      throw new ServiceError(
        'InvalidParameterException',
        `queryString: at most ${QUERY_LIMITS.queryStringLength} characters`,
      );
    for (const name of names)
      if (!groups.has(name))
        throw new ServiceError(
          'ResourceNotFoundException',
          `The specified log group does not exist: ${name}`,
        );
    let query: ReturnType<typeof parseQuery>;
    try {
      query = parseQuery(queryString);
    } catch (error) {
      if (error instanceof MalformedQueryError)
        throw new ServiceError('MalformedQueryException', error.message);
      throw error;
    }
    const found: Map<string, string>[] = [];
    let scanned = 0;
    for (const name of names) {
      for (const event of groups.get(name) ?? []) {
        // Insights' range is inclusive of both ends, in seconds.
        if (event.timestamp < startTime * 1000 || event.timestamp >= (endTime + 1) * 1000) continue;
        scanned += 1;
        const fields = eventFields({ ...event, logGroupName: name });
        if (matches(query, fields)) found.push(fields);
      }
    }
    if (query.sort) {
      const { field, order } = query.sort;
      found.sort(
        (a, b) => (a.get(field) ?? '').localeCompare(b.get(field) ?? '') * (order === 'asc' ? 1 : -1),
      );
    }
    const rows = found.slice(0, query.limit ?? MAX_QUERY_RESULTS).map((fields, index) => [
      ...query.fields.flatMap((field) => {
        const value = fields.get(field);
        return value === undefined ? [] : [{ field, value }];
      }),
      { field: '@ptr', value: `ptr-${index}` },
    ]);
    const queryId = randomUUID();
    queries.set(queryId, { rows, scanned, polls: 0 });
    return { queryId };
  };

  const getQueryResults = (input: Record<string, unknown>) => {
    const state = typeof input.queryId === 'string' ? queries.get(input.queryId) : undefined;
    if (state === undefined) throw new ServiceError('ResourceNotFoundException', 'unknown queryId');
    state.polls += 1;
    const complete = state.polls > pollsUntilComplete;
    return {
      status: complete ? 'Complete' : 'Running',
      results: complete ? state.rows : [],
      statistics: { recordsMatched: state.rows.length, recordsScanned: state.scanned, bytesScanned: 0 },
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const action = target.replace(/^Logs_20140328\./, '');
    requests.push(action);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.method !== 'POST' || !target.startsWith('Logs_20140328.'))
        throw new ServiceError('UnknownOperationException', `not a CloudWatch Logs call: ${target}`);
      const input = JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>;
      if (action === 'StartQuery') reply(200, startQuery(input));
      else if (action === 'GetQueryResults') reply(200, getQueryResults(input));
      else throw new ServiceError('UnknownOperationException', `${action} is not served here`);
    } catch (error) {
      const failure =
        error instanceof ServiceError
          ? error
          : new ServiceError('ServiceUnavailableException', 'internal', 500);
      reply(failure.status, { __type: failure.type, message: failure.message });
    }
  };

  const { endpoint, stop } = await listenOnLoopback(handle);
  return {
    endpoint,
    requests,
    createLogGroup(name) {
      if (!groups.has(name)) groups.set(name, []);
    },
    append(logGroupName, message, appendOptions = {}) {
      const events = groups.get(logGroupName) ?? [];
      groups.set(logGroupName, events);
      events.push({
        timestamp: appendOptions.timestamp ?? Date.now(),
        message,
        logStreamName: appendOptions.logStreamName ?? 'local',
      });
    },
    events: (logGroupName) => groups.get(logGroupName) ?? [],
    stop,
  };
}
