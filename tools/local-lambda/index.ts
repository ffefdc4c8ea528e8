/**
 * A Lambda API stand-in on 127.0.0.1 for event source mappings: the two calls `token-revoker pause`,
 * `resume` and `status` make, `GetEventSourceMapping` (GET /2015-03-31/event-source-mappings/{UUID},
 * 200) and `UpdateEventSourceMapping` (PUT, 202), in Lambda's REST-JSON protocol, so the real
 * `@aws-sdk/client-lambda` talks to it with an `endpoint` (AWS_ENDPOINT_URL_LAMBDA). Each mapping
 * drives a running event source model (tools/event-source). As strict as Lambda where the CLI depends
 * on it: an unknown UUID is ResourceNotFoundException (404), a request must be signed (SigV4), the
 * body must be JSON, `Enabled` must be a boolean, and disabling is not instant (`Disabling` until
 * every poller has stopped, then `Disabled`). Only `Enabled` may change here: any other field is
 * refused (InvalidParameterValueException) rather than ignored.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventSourceState } from '../event-source';
import { listenOnLoopback, readBody, ServiceError } from '../local-logs';

/** What a mapping drives: the event source model's switch and state. */
export interface MappedSource {
  setEnabled(enabled: boolean): void;
  state(): EventSourceState;
}

/** A mapping as CreateEventSourceMapping would have made it (what GetEventSourceMapping reports). */
export interface MappingSettings {
  readonly source: MappedSource;
  readonly eventSourceArn: string;
  readonly functionName: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly maximumConcurrency: number;
}

export interface LocalLambda {
  /** `http://127.0.0.1:PORT`: the SDK's `endpoint`, or AWS_ENDPOINT_URL_LAMBDA. */
  readonly endpoint: string;
  /** Registers a mapping; resolves with its UUID. */
  addEventSourceMapping(settings: MappingSettings): string;
  /** Every request's operation (`GetEventSourceMapping`, `UpdateEventSourceMapping`, or the method and path), in order. */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PATH = /^\/2015-03-31\/event-source-mappings\/([^/?]+)\/?(?:\?.*)?$/;

export async function startLocalLambda(): Promise<LocalLambda> {
  const mappings = new Map<string, MappingSettings & { lastModified: number }>();
  const requests: string[] = [];

  const configuration = (uuid: string) => {
    const mapping = mappings.get(uuid);
    if (mapping === undefined)
      throw new ServiceError(
        'ResourceNotFoundException',
        `The resource you requested does not exist. (Service: Lambda, UUID ${uuid})`,
        404,
      );
    return {
      UUID: uuid,
      EventSourceMappingArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${uuid}`,
      EventSourceArn: mapping.eventSourceArn,
      FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${mapping.functionName}`,
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowInSeconds,
      ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      State: mapping.source.state(),
      StateTransitionReason: 'USER_INITIATED',
      // REST-JSON timestamps are epoch seconds.
      LastModified: mapping.lastModified / 1000,
    };
  };

  const update = (uuid: string, text: string) => {
    const mapping = mappings.get(uuid);
    if (mapping === undefined) return configuration(uuid);
    let input: unknown;
    try {
      input = JSON.parse(text || '{}');
    } catch {
      throw new ServiceError('InvalidParameterValueException', 'the request body is not JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ServiceError('InvalidParameterValueException', 'the request body is not a JSON object');
    const { Enabled, ...rest } = input as Record<string, unknown>;
    const others = Object.keys(rest);
    if (others.length > 0)
      throw new ServiceError(
        'InvalidParameterValueException',
        `this local stand-in changes Enabled only, not ${others.join(', ')}`,
      );
    if (Enabled !== undefined && typeof Enabled !== 'boolean')
      throw new ServiceError('InvalidParameterValueException', 'Enabled must be a boolean');
    if (Enabled !== undefined) {
      mapping.source.setEnabled(Enabled);
      mapping.lastModified = Date.now();
    }
    return configuration(uuid);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, body: unknown, errorType?: string) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomUUID(),
        ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
      });
      response.end(JSON.stringify(body));
    };
    const match = PATH.exec(request.url ?? '');
    const operation =
      match === null
        ? `${request.method} ${request.url}`
        : request.method === 'GET'
          ? 'GetEventSourceMapping'
          : request.method === 'PUT'
            ? 'UpdateEventSourceMapping'
            : `${request.method} ${request.url}`;
    requests.push(operation);
    try {
      const body = await readBody(request);
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
        throw new ServiceError('AccessDeniedException', 'the request is not signed (SigV4)', 403);
      const uuid = decodeURIComponent(match?.[1] ?? '');
      if (operation === 'GetEventSourceMapping') reply(200, configuration(uuid));
      else if (operation === 'UpdateEventSourceMapping') reply(202, update(uuid, body));
      else throw new ServiceError('UnknownOperationException', `${operation} is not served here`, 404);
    } catch (error) {
      const failure =
        error instanceof ServiceError ? error : new ServiceError('ServiceException', 'internal', 500);
      reply(failure.status, { Type: 'User', Message: failure.message }, failure.type);
    }
  };

  const { endpoint, stop } = await listenOnLoopback(handle);
  return {
    endpoint,
    requests,
    addEventSourceMapping(settings) {
      const uuid = randomUUID();
      mappings.set(uuid, { ...settings, lastModified: Date.now() });
      return uuid;
    },
    stop,
  };
}
