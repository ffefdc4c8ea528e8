import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultPlan, isErrorFault } from './faults';
import { DailyQuota } from './quota';
import { seededRandom, uniform } from './random';
import {
  type ApiErrorName,
  chooseEncoding,
  encode,
  errorBody,
  HTML_503_PAGE,
  HTML_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  type Quota,
  successBody,
  throttleMessage,
} from './responses';
import { type ParsedRequest, parseRequest } from './routes';
import { type AccessTokenItem, TokenStore } from './state';
import { summarize } from './stats';
import { MethodBackoff, RateLimiter } from './throttle';
import type { FaultKind, FaultMix, Latency, RecordedRequest, Simulator, SimulatorOptions } from './types';

/** Everything reset() forgets. Requests keep the run they started in, so a reset never mixes two runs. */
interface Run {
  readonly store: TokenStore;
  readonly faults: FaultPlan;
  readonly limiter: RateLimiter;
  readonly backoff: MethodBackoff;
  readonly records: RecordedRequest[];
  readonly poisoned: Set<string>;
  readonly latencyRandom: () => number;
  readonly quota: DailyQuota;
}

/** Timers that close() must cancel: latency pauses and held 'timeout' requests. */
class Timers {
  readonly #pending = new Map<NodeJS.Timeout, () => void>();

  /** Resolves true after `ms`, or false when cancelled by close(). */
  pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      this.#pending.set(timer, () => resolve(false));
    });
  }

  /** Runs `action` after `ms` unless cancelled; returns the cancel function. */
  after(ms: number, action: () => void): () => void {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      action();
    }, ms);
    const cancel = () => {
      clearTimeout(timer);
      this.#pending.delete(timer);
    };
    this.#pending.set(timer, cancel);
    return cancel;
  }

  cancelAll(): void {
    for (const [timer, onCancel] of this.#pending) {
      clearTimeout(timer);
      onCancel();
    }
    this.#pending.clear();
  }
}

/** Starts the Stack Exchange API simulator on 127.0.0.1 (never logs: tokens are secrets). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const quotaMax = options.quotaMax ?? 10_000;
  const quotaResetSeconds = options.quotaResetSeconds ?? 80_000;
  const banSeconds = options.banSeconds ?? 30;
  const backoffSeconds = options.backoffSeconds ?? 2;
  const holdMs = options.timeoutMs ?? 30_000;
  const compression = options.compression ?? 'auto';
  const authStyle = options.authStyle ?? 'either';
  let latency: Latency | undefined = options.latencyMs;
  let faultMix: FaultMix | undefined = options.faults;

  const newRun = (): Run => ({
    store: new TokenStore(seededRandom(seed)),
    faults: new FaultPlan(seededRandom(seed + 1), faultMix),
    latencyRandom: seededRandom(seed + 2),
    limiter: new RateLimiter(options.maxRequestsPerSecond ?? 30, banSeconds * 1000),
    backoff: new MethodBackoff(),
    records: [],
    poisoned: new Set(),
    quota: new DailyQuota(quotaMax, quotaResetSeconds * 1000),
  });
  let run = newRun();
  const timers = new Timers();
  const sockets = new Set<Socket>();

  const drawLatency = (current: Run): number => {
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return Math.max(0, latency);
    return Math.max(0, uniform(current.latencyRandom, latency.min, latency.max));
  };

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: string,
    type: string,
  ) => {
    if (response.destroyed) return;
    const encoding =
      type === JSON_CONTENT_TYPE
        ? chooseEncoding(compression, request.headers['accept-encoding'])
        : undefined;
    const payload = encode(body, encoding);
    response.writeHead(status, {
      'content-type': type,
      'content-length': payload.length,
      ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
    });
    response.end(payload);
  };

  /** The answer of every request while the quota is spent: throttle_violation until it comes back. */
  const refuseSpentQuota = async (
    current: Run,
    request: IncomingMessage,
    response: ServerResponse,
    refused: { readonly parsed: ParsedRequest; readonly at: number; readonly retryInSeconds: number },
  ): Promise<void> => {
    const { parsed, at, retryInSeconds } = refused;
    const wait = drawLatency(current);
    if (wait > 0 && !(await timers.pause(wait))) return; // closed meanwhile
    const key = parsed.queryKey ?? parsed.headerKey;
    current.records.push({
      at,
      method: parsed.method,
      tokens: parsed.tokens,
      ...(key === undefined ? {} : { key }),
      status: 400,
      errorName: 'throttle_violation',
      itemsReturned: 0,
      backoffViolation: false,
      throttleViolation: false,
      quotaExhausted: true,
    });
    const body = errorBody(
      'throttle_violation',
      { max: quotaMax, remaining: 0 },
      throttleMessage(retryInSeconds, 'rate'),
    );
    send(request, response, 400, body, JSON_CONTENT_TYPE);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const current = run;
    const at = Date.now();
    const parsed = parseRequest(request.method, request.url ?? '/', request.headers.authorization);
    const { method, tokens } = parsed;
    const key = parsed.queryKey ?? parsed.headerKey;
    // A spent quota refuses everything before any other rule: nothing is spent, drawn or counted.
    const daily = current.quota.take(at);
    if (!daily.spent)
      return refuseSpentQuota(current, request, response, {
        parsed,
        at,
        retryInSeconds: daily.retryInSeconds,
      });
    const quota: Quota = { max: quotaMax, remaining: daily.remaining };
    const throttle = current.limiter.check(request.socket.remoteAddress ?? 'unknown', at);
    const backoffLeft = current.backoff.blockedFor(method, at);
    const fault = throttle.violation || backoffLeft !== undefined ? undefined : current.faults.draw(method);

    const record = (status: number, details: { errorName?: string; itemsReturned?: number } = {}) => {
      current.records.push({
        at,
        method,
        tokens,
        ...(key === undefined ? {} : { key }),
        status,
        ...(details.errorName === undefined ? {} : { errorName: details.errorName }),
        ...(fault === undefined ? {} : { fault }),
        itemsReturned: details.itemsReturned ?? 0,
        backoffViolation: backoffLeft !== undefined,
        throttleViolation: throttle.violation,
        quotaExhausted: false,
      });
    };

    if (fault === 'connection_reset') {
      record(0);
      request.socket.destroy();
      return;
    }
    if (fault === 'timeout') {
      record(0);
      const cancel = timers.after(holdMs, () => request.socket.destroy());
      request.socket.once('close', cancel);
      return;
    }
    const wait = drawLatency(current);
    if (wait > 0 && !(await timers.pause(wait))) return; // closed meanwhile

    if (fault === 'html_503') {
      record(503);
      send(request, response, 503, HTML_503_PAGE, HTML_CONTENT_TYPE);
      return;
    }
    // The 'backoff' fault rides on whatever JSON answer the request gets, and blocks its method from now.
    const backoff = fault === 'backoff' ? backoffSeconds : undefined;
    if (backoff !== undefined && method !== 'unknown')
      current.backoff.block(method, Date.now() + backoff * 1000);

    const fail = (name: ApiErrorName, message?: string) => {
      record(400, { errorName: name });
      send(request, response, 400, errorBody(name, quota, message, backoff), JSON_CONTENT_TYPE);
    };
    if (throttle.violation)
      return fail('throttle_violation', throttleMessage(throttle.retryInSeconds, 'rate'));
    if (backoffLeft !== undefined) return fail('throttle_violation', throttleMessage(backoffLeft, 'backoff'));
    if (fault !== undefined && isErrorFault(fault)) {
      const seconds = Math.max(1, Math.ceil(banSeconds));
      return fail(fault, fault === 'throttle_violation' ? throttleMessage(seconds, 'rate') : undefined);
    }
    if (method === 'unknown') return fail('no_method');
    if (options.requiredKey !== undefined) {
      const presented =
        authStyle === 'query' ? parsed.queryKey : authStyle === 'header' ? parsed.headerKey : key;
      if (presented === undefined) return fail('key_required');
      if (presented !== options.requiredKey) return fail('access_denied');
    }
    if (parsed.tokenProblem !== undefined) return fail('bad_parameter', parsed.tokenProblem);
    if (tokens.some((token) => current.poisoned.has(token))) return fail('bad_parameter');

    let items: AccessTokenItem[];
    if (method === 'invalidate') items = current.store.invalidate(tokens);
    else if (method === 'read') items = current.store.read(tokens);
    else items = current.store.deauthenticate(tokens);
    record(200, { itemsReturned: items.length });
    send(request, response, 200, successBody(items, quota, backoff), JSON_CONTENT_TYPE);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent && !response.destroyed) response.writeHead(500).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: `${origin}/2.3`,
    origin,
    issueTokens: (count, tokenOptions) => run.store.issue(count, tokenOptions),
    addTokens: (tokens, tokenOptions) => run.store.add(tokens, tokenOptions),
    poisonTokens: (tokens) => {
      for (const token of tokens) run.poisoned.add(token);
    },
    injectFault: (kind: FaultKind, faultOptions = {}) =>
      run.faults.inject(kind, faultOptions.method, faultOptions.times),
    setFaults: (next) => {
      run.faults.setMix(next);
      faultMix = next;
    },
    setLatency: (next) => {
      latency = next;
    },
    tokenState: (token) => run.store.state(token),
    get requests() {
      return run.records;
    },
    spendQuota: (calls) => run.quota.spend(calls, Date.now()),
    resetQuota: () => run.quota.reset(),
    stats: () =>
      summarize(run.records, {
        invalidated: run.store.invalidated,
        deauthenticated: run.store.deauthenticated,
        quotaRemaining: run.quota.remaining(Date.now()),
        quotaResetInSeconds: run.quota.secondsUntilReset(Date.now()),
      }),
    reset: () => {
      run = newRun();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        timers.cancelAll();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
