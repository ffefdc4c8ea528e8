import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { API_ERRORS, type ApiErrorName, ERROR_FAULTS, HTML_503_PAGE } from './errors';
import { seededRandom } from './random';
import { type AccessTokenItem, TokenStore } from './token-store';
import type {
  ApiMethod,
  FaultKind,
  Latency,
  RecordedRequest,
  Simulator,
  SimulatorOptions,
  SimulatorStats,
} from './types';

const TOKEN_PATTERN = /^[A-Za-z0-9*()_-]+$/;

interface Route {
  readonly method: ApiMethod | 'unknown';
  readonly tokens: readonly string[];
  readonly segmentValid: boolean;
}

/** Recognises the three access-token routes under /2.2 or /2.3. */
function route(rawPath: string): Route {
  const parts = rawPath.split('/');
  const unknown: Route = { method: 'unknown', tokens: [], segmentValid: false };
  if (parts[0] !== '' || (parts[1] !== '2.2' && parts[1] !== '2.3')) return unknown;
  const [, , resource, segment, action, ...rest] = parts;
  if (segment === undefined || rest.length > 0) return unknown;
  let method: ApiMethod | undefined;
  if (resource === 'access-tokens' && action === undefined) method = 'read';
  else if (resource === 'access-tokens' && action === 'invalidate') method = 'invalidate';
  else if (resource === 'apps' && action === 'de-authenticate') method = 'deauthenticate';
  if (method === undefined) return unknown;
  try {
    return { method, tokens: decodeURIComponent(segment).split(';'), segmentValid: true };
  } catch {
    return { method, tokens: [segment], segmentValid: false };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts the Stack Exchange API simulator on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const maxPerSecond = options.maxRequestsPerSecond ?? 30;
  const banMs = (options.banSeconds ?? 30) * 1000;
  const backoffSeconds = options.backoffSeconds ?? 2;
  const holdMs = options.timeoutMs ?? 30_000;
  const quotaMax = options.quotaMax ?? 10_000;

  let random = seededRandom(seed + 1);
  let store = new TokenStore(seededRandom(seed));
  let latency: Latency | undefined = options.latencyMs;
  let faults = options.faults;
  let quotaRemaining = quotaMax;
  let records: RecordedRequest[] = [];
  let poisoned = new Set<string>();
  let queued: { kind: FaultKind; method: ApiMethod | undefined; times: number }[] = [];
  const blockedUntil = new Map<ApiMethod, number>();
  const arrivals = new Map<string, number[]>();
  const bannedUntil = new Map<string, number>();
  const sockets = new Set<Socket>();
  const holds = new Set<NodeJS.Timeout>();

  const drawLatency = (): number => {
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return latency.min + random() * (latency.max - latency.min);
  };

  const drawFault = (method: ApiMethod | 'unknown'): FaultKind | undefined => {
    const index = queued.findIndex((q) => q.method === undefined || q.method === method);
    if (index >= 0) {
      const entry = queued[index] as (typeof queued)[number];
      entry.times -= 1;
      if (entry.times <= 0) queued.splice(index, 1);
      return entry.kind;
    }
    if (faults === undefined || faults.kinds.length === 0 || random() >= faults.rate) return undefined;
    return faults.kinds[Math.floor(random() * faults.kinds.length)];
  };

  /** Rolling one-second window per client address, and bans. Returns the seconds left of a ban, if any. */
  const throttle = (address: string, now: number): number | undefined => {
    const until = bannedUntil.get(address) ?? 0;
    if (until > now) return Math.ceil((until - now) / 1000);
    const recent = (arrivals.get(address) ?? []).filter((at) => at > now - 1000);
    recent.push(now);
    arrivals.set(address, recent);
    if (recent.length <= maxPerSecond) return undefined;
    bannedUntil.set(address, now + banMs);
    return Math.ceil(banMs / 1000);
  };

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: string,
    type: string,
  ) => {
    const accepts = String(request.headers['accept-encoding'] ?? '');
    const mode = options.compression ?? 'auto';
    let encoding: 'gzip' | 'deflate' | undefined;
    if (mode === 'gzip' || (mode === 'auto' && /\bgzip\b/.test(accepts))) encoding = 'gzip';
    else if (mode === 'deflate' || (mode === 'auto' && /\bdeflate\b/.test(accepts))) encoding = 'deflate';
    const payload =
      encoding === 'gzip' ? gzipSync(body) : encoding === 'deflate' ? deflateSync(body) : Buffer.from(body);
    response.writeHead(status, {
      'content-type': type,
      'content-length': payload.length,
      ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
    });
    response.end(payload);
  };

  const wrapper = (items: readonly AccessTokenItem[], extra: Record<string, unknown> = {}) => ({
    items,
    has_more: false,
    quota_max: quotaMax,
    quota_remaining: quotaRemaining,
    page: 1,
    page_size: 30,
    total: items.length,
    type: 'access_token',
    ...extra,
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const at = Date.now();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const { method, tokens, segmentValid } = request.method === 'GET' ? route(url.pathname) : route('/');
    const authorization = String(request.headers.authorization ?? '');
    const headerKey = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    const queryKey = url.searchParams.get('key') ?? undefined;
    const key = queryKey ?? headerKey;
    const address = request.socket.remoteAddress ?? 'unknown';
    const banLeft = throttle(address, at);
    const blocked = method === 'unknown' ? 0 : (blockedUntil.get(method) ?? 0);
    const backoffViolation = banLeft === undefined && blocked > at;
    quotaRemaining -= 1;
    const fault = banLeft === undefined && !backoffViolation ? drawFault(method) : undefined;
    const record = (status: number, extra: Partial<RecordedRequest> = {}) =>
      records.push({
        at,
        method,
        tokens,
        ...(key === undefined ? {} : { key }),
        status,
        ...(fault === undefined ? {} : { fault }),
        itemsReturned: 0,
        backoffViolation,
        throttleViolation: banLeft !== undefined,
        ...extra,
      });

    if (fault === 'connection_reset') {
      record(0);
      request.socket.destroy();
      return;
    }
    if (fault === 'timeout') {
      record(0);
      const hold = setTimeout(() => {
        holds.delete(hold);
        request.socket.destroy();
      }, holdMs);
      holds.add(hold);
      return;
    }
    const wait = drawLatency();
    if (wait > 0) await sleep(wait);
    if (fault === 'html_503') {
      record(503);
      send(request, response, 503, HTML_503_PAGE, 'text/html; charset=utf-8');
      return;
    }
    const fail = (name: ApiErrorName, message?: string) => {
      const { id, message: standard } = API_ERRORS[name];
      record(400, { errorName: name });
      const body = wrapper([], { error_id: id, error_name: name, error_message: message ?? standard });
      send(request, response, 400, JSON.stringify(body), 'application/json; charset=utf-8');
    };

    if (banLeft !== undefined)
      return fail(
        'throttle_violation',
        `too many requests from this IP, more requests available in ${banLeft} seconds`,
      );
    if (backoffViolation) {
      const left = Math.ceil((blocked - at) / 1000);
      return fail(
        'throttle_violation',
        `violation of backoff parameter, more requests available in ${left} seconds`,
      );
    }
    if (fault !== undefined && ERROR_FAULTS.has(fault)) return fail(fault as ApiErrorName);
    if (method === 'unknown') return fail('no_method');
    if (options.requiredKey !== undefined) {
      const style = options.authStyle ?? 'either';
      const presented = style === 'query' ? queryKey : style === 'header' ? headerKey : key;
      if (presented === undefined) return fail('key_required');
      if (presented !== options.requiredKey) return fail('access_denied');
    }
    if (
      !segmentValid ||
      tokens.length === 0 ||
      tokens.length > 20 ||
      tokens.some((t) => !TOKEN_PATTERN.test(t))
    ) {
      return fail(
        'bad_parameter',
        tokens.length > 20 ? 'access_tokens accepts at most 20 values' : undefined,
      );
    }
    if (tokens.some((t) => poisoned.has(t))) return fail('bad_parameter');

    const items =
      method === 'invalidate'
        ? store.invalidate(tokens)
        : method === 'read'
          ? store.read(tokens)
          : store.deauthenticate(tokens);
    const extra: Record<string, unknown> = {};
    if (fault === 'backoff') {
      extra.backoff = backoffSeconds;
      blockedUntil.set(method, Date.now() + backoffSeconds * 1000);
    }
    record(200, { itemsReturned: items.length });
    send(request, response, 200, JSON.stringify(wrapper(items, extra)), 'application/json; charset=utf-8');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/2.3`,
    origin,
    issueTokens: (count, tokenOptions) => store.issue(count, tokenOptions),
    addTokens: (tokens, tokenOptions) => store.add(tokens, tokenOptions),
    poisonTokens: (tokens) => {
      for (const token of tokens) poisoned.add(token);
    },
    injectFault: (kind, faultOptions = {}) => {
      queued.push({ kind, method: faultOptions.method, times: faultOptions.times ?? 1 });
    },
    setFaults: (next) => {
      faults = next;
    },
    setLatency: (next) => {
      latency = next;
    },
    tokenState: (token) => store.state(token),
    get requests() {
      return records;
    },
    stats: (): SimulatorStats => {
      const byMethod = { invalidate: 0, read: 0, deauthenticate: 0, unknown: 0 };
      const errorsByName: Record<string, number> = {};
      let successfulCalls = 0;
      let tokensInSuccessfulCalls = 0;
      for (const r of records) {
        byMethod[r.method] += 1;
        if (r.status === 200) {
          successfulCalls += 1;
          tokensInSuccessfulCalls += r.tokens.length;
        }
        if (r.errorName !== undefined) errorsByName[r.errorName] = (errorsByName[r.errorName] ?? 0) + 1;
      }
      return {
        requests: records.length,
        byMethod,
        successfulCalls,
        tokensInSuccessfulCalls,
        meanTokensPerSuccessfulCall: successfulCalls === 0 ? 0 : tokensInSuccessfulCalls / successfulCalls,
        throttleViolations: records.filter((r) => r.throttleViolation).length,
        backoffViolations: records.filter((r) => r.backoffViolation).length,
        faultsInjected: records.filter((r) => r.fault !== undefined).length,
        errorsByName,
        invalidated: store.invalidated,
        deauthenticated: store.deauthenticated,
        quotaRemaining,
      };
    },
    reset: () => {
      store.clear();
      store = new TokenStore(seededRandom(seed));
      random = seededRandom(seed + 1);
      records = [];
      poisoned = new Set();
      queued = [];
      quotaRemaining = quotaMax;
      blockedUntil.clear();
      arrivals.clear();
      bannedUntil.clear();
    },
    close: async () => {
      for (const hold of holds) clearTimeout(hold);
      holds.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
