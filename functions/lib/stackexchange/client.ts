import ky, { type KyInstance, TimeoutError } from 'ky';
import {
  BatchSizeError,
  ErrorCategory,
  InvalidTokenError,
  RedirectRefusedError,
  RequestTimeoutError,
  StackExchangeApiError,
  TokenRevokerError,
  TransportError,
} from '../errors';
import { MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, REQUESTS_PER_SECOND } from '../limits';
import { checkToken, fingerprint, MAX_TOKENS_PER_CALL } from '../tokens';
import { ApiMethod } from './api-method';
import { checkApiUrl, DEFAULT_API_URL } from './api-url';
import { Pacer, type PauseCause, retryDelayMs } from './pacer';
import { type AccessTokenItem, apiErrorFrom, parseBody, type Wrapper } from './wrapper';

/** How the app key travels: the `key` query parameter (classic) or an `Authorization: Bearer` header (2026). */
export type AuthStyle = 'query' | 'header';

/** Telemetry the client reports; the caller turns it into logs and metrics. Never contains a token. */
export type ClientEvent =
  | {
      readonly type: 'response';
      readonly method: ApiMethod;
      /** HTTP status, or 0 when no response arrived. */
      readonly status: number;
      readonly tokenCount: number;
      readonly itemCount: number;
      readonly durationMs: number;
      /** error_name, `non_json_response`, `network_error` or `timeout` for a failed attempt. */
      readonly errorName?: string;
    }
  | { readonly type: 'backoff'; readonly method: ApiMethod; readonly seconds: number }
  | { readonly type: 'quota'; readonly remaining: number; readonly max: number | undefined };

export interface StackExchangeClientOptions {
  /** Base URL including the API version. https only, except loopback hosts. @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl?: string;
  /** The app key (raises the daily quota to 10,000). @default undefined */
  readonly key?: string;
  /** @default 'query' */
  readonly authStyle?: AuthStyle;
  /** Requests per second this client may make, all methods together. @default 5 */
  readonly requestsPerSecond?: number;
  /** Timeout of one HTTP request. @default 10_000 */
  readonly timeoutMs?: number;
  /** Attempts per call, the first included, for transient errors. @default 3 */
  readonly maxAttempts?: number;
  /** Base of the exponential retry delay (full jitter). @default 250 */
  readonly retryBaseDelayMs?: number;
  /** Added to every `backoff` and throttle wait; never less than 1000. @default 1000 */
  readonly backoffMarginMs?: number;
  /** Pause of all methods after a throttle violation that names no wait. @default 60_000 */
  readonly throttlePauseMs?: number;
  /** Pause of a method after a configuration error (wrong key, wrong URL). @default 60_000 */
  readonly configurationPauseMs?: number;
  /** Pause of a method after a call used up its attempts on transient errors. @default 10_000 */
  readonly circuitBreakMs?: number;
  /** Random source for retry jitter (tests). @default Math.random */
  readonly random?: () => number;
}

export interface CallOptions {
  /** Epoch ms after which no request is started and no wait extends. @default now + 2 minutes */
  readonly deadline?: number;
  /** Receives this call's telemetry (responses, backoff, quota): the caller's one path to count it. @default undefined */
  readonly onEvent?: (event: ClientEvent) => void;
}

export interface CallResult {
  /** Items the API returned (invalidated, read or de-authenticated tokens). */
  readonly items: readonly AccessTokenItem[];
  readonly quotaRemaining: number | undefined;
  /** HTTP requests this call made (retries included). */
  readonly attempts: number;
}

const PATHS: Readonly<Record<ApiMethod, (joined: string) => string>> = {
  invalidate: (joined) => `access-tokens/${joined}/invalidate`,
  read: (joined) => `access-tokens/${joined}`,
  deauthenticate: (joined) => `apps/${joined}/de-authenticate`,
};

/** Shortest time worth starting a request in. */
const MINIMUM_REQUEST_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Client of the Stack Exchange access-token methods: at most 20 tokens per call, validated before any
 * URL is built; the JSON wrapper parsed on every status; `backoff` honoured per method; a request-rate
 * budget; bounded retries of transient errors inside the caller's deadline; no further calls to a
 * method after a configuration error or a throttle violation until its pause ends.
 */
export class StackExchangeClient {
  readonly apiUrl: string;
  readonly #http: KyInstance;
  readonly #pacer: Pacer;
  readonly #options: Required<
    Pick<
      StackExchangeClientOptions,
      | 'timeoutMs'
      | 'maxAttempts'
      | 'retryBaseDelayMs'
      | 'backoffMarginMs'
      | 'throttlePauseMs'
      | 'configurationPauseMs'
      | 'circuitBreakMs'
      | 'random'
    >
  >;
  #quotaRemaining: number | undefined;
  #quotaMax: number | undefined;

  constructor(options: StackExchangeClientOptions = {}) {
    this.apiUrl = checkApiUrl(options.apiUrl ?? DEFAULT_API_URL);
    const authStyle = options.authStyle ?? 'query';
    this.#options = {
      timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS.default,
      maxAttempts: Math.max(1, options.maxAttempts ?? MAX_ATTEMPTS.default),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 250,
      backoffMarginMs: Math.max(1000, options.backoffMarginMs ?? 1000),
      throttlePauseMs: options.throttlePauseMs ?? 60_000,
      configurationPauseMs: options.configurationPauseMs ?? 60_000,
      circuitBreakMs: options.circuitBreakMs ?? 10_000,
      random: options.random ?? Math.random,
    };
    this.#pacer = new Pacer(options.requestsPerSecond ?? REQUESTS_PER_SECOND.default);
    const key = options.key;
    this.#http = ky.create({
      prefixUrl: `${this.apiUrl}/`,
      retry: 0,
      timeout: false,
      // Never follow a redirect: it would carry the key and the tokens wherever it points.
      redirect: 'manual',
      throwHttpErrors: false,
      headers: {
        accept: 'application/json',
        ...(key !== undefined && authStyle === 'header' ? { authorization: `Bearer ${key}` } : {}),
      },
      searchParams: key !== undefined && authStyle === 'query' ? { key } : undefined,
    });
  }

  /** The last `quota_remaining` the API reported (may be negative; undefined until known). */
  get quotaRemaining(): number | undefined {
    return this.#quotaRemaining;
  }

  /** The last `quota_max` the API reported (undefined until known, or when the API left it out). */
  get quotaMax(): number | undefined {
    return this.#quotaMax;
  }

  /** The pause in force for a method (backoff, throttle, configuration error, open circuit), if any. */
  pausedUntil(method: ApiMethod): { until: number; cause: PauseCause } | undefined {
    return this.#pacer.pausedUntil(method);
  }

  /**
   * Applies a pause learnt elsewhere (another instance, through the control table) to every method:
   * no request starts before `until`. A longer pause already in force is kept.
   */
  pauseAll(until: number, cause: PauseCause): void {
    for (const method of Object.values(ApiMethod)) this.#pacer.pause(method, until, cause);
  }

  /** `access-tokens/{tokens}/invalidate`: returned items are confirmed invalidated. */
  invalidate(tokens: readonly string[], options?: CallOptions): Promise<CallResult> {
    return this.call(ApiMethod.Invalidate, tokens, options);
  }

  /** `access-tokens/{tokens}`: properties of the tokens that are still live. */
  read(tokens: readonly string[], options?: CallOptions): Promise<CallResult> {
    return this.call(ApiMethod.Read, tokens, options);
  }

  /** `apps/{tokens}/de-authenticate`: removes the app from each token's user (kills all their tokens). */
  deauthenticate(tokens: readonly string[], options?: CallOptions): Promise<CallResult> {
    return this.call(ApiMethod.Deauthenticate, tokens, options);
  }

  /** Calls one access-token method for 1 to 20 valid tokens. */
  async call(method: ApiMethod, tokens: readonly string[], options: CallOptions = {}): Promise<CallResult> {
    checkBatch(tokens);
    const deadline = options.deadline ?? Date.now() + 120_000;
    const path = PATHS[method](tokens.join(';'));
    let lastError: TokenRevokerError | undefined;
    for (let attempt = 0; attempt < this.#options.maxAttempts; attempt++) {
      if (attempt > 0) {
        const delay = retryDelayMs(attempt, this.#options.retryBaseDelayMs, 5_000, this.#options.random);
        if (Date.now() + delay + MINIMUM_REQUEST_MS > deadline) break;
        await sleep(delay);
      }
      await this.#pacer.acquire(method, deadline, MINIMUM_REQUEST_MS);
      try {
        const items = await this.#attempt(method, path, tokens, deadline, options.onEvent);
        return { items, quotaRemaining: this.#quotaRemaining, attempts: attempt + 1 };
      } catch (error) {
        if (!(error instanceof TokenRevokerError)) throw error;
        lastError = error;
        if (error.category !== ErrorCategory.Transient) throw error;
      }
    }
    // Out of attempts (or of time) on transient errors: let the API rest before this method is called again.
    this.#pacer.pause(method, Date.now() + this.#options.circuitBreakMs, 'circuit_open');
    throw (
      lastError ??
      new TransportError({ method, errorName: 'deadline', message: 'no time left for a request' })
    );
  }

  async #attempt(
    method: ApiMethod,
    path: string,
    tokens: readonly string[],
    deadline: number,
    onEvent: ((event: ClientEvent) => void) | undefined,
  ): Promise<readonly AccessTokenItem[]> {
    const started = Date.now();
    const timeoutMs = Math.max(1, Math.min(this.#options.timeoutMs, deadline - started));
    const report = (status: number, itemCount: number, errorName?: string) =>
      onEvent?.({
        type: 'response',
        method,
        status,
        tokenCount: tokens.length,
        itemCount,
        durationMs: Date.now() - started,
        ...(errorName === undefined ? {} : { errorName }),
      });

    let status = 0;
    let text: string;
    try {
      const response = await this.#http.get(path, { timeout: timeoutMs });
      status = response.status;
      text = await response.text();
    } catch (error) {
      // ky's and fetch's own messages quote the URL, which holds the tokens: keep only a code.
      const failure =
        error instanceof TimeoutError || (error instanceof Error && error.name === 'TimeoutError')
          ? new RequestTimeoutError(method, timeoutMs)
          : new TransportError({
              method,
              status: status === 0 ? undefined : status,
              errorName: 'network_error',
              message: `network error (${networkCode(error)})`,
            });
      report(status, 0, failure.errorName);
      throw failure;
    }

    if (status >= 300 && status < 400) {
      const refused = new RedirectRefusedError(method, status);
      report(status, 0, 'redirect');
      this.#pauseAfter(refused);
      throw refused;
    }
    const parsed = parseBody(text);
    if (parsed.kind === 'not_a_wrapper') {
      report(status, 0, 'non_json_response');
      throw new TransportError({
        method,
        status,
        errorName: 'non_json_response',
        message: `HTTP ${status} with a body that is not the API's JSON wrapper`,
      });
    }
    this.#observe(method, parsed.wrapper, onEvent);
    if (parsed.kind === 'success') {
      report(status, parsed.wrapper.items.length);
      return parsed.wrapper.items;
    }
    const error = apiErrorFrom(parsed, method, status, tokens);
    report(status, 0, error.errorName);
    this.#pauseAfter(error);
    throw error;
  }

  #observe(
    method: ApiMethod,
    { backoffSeconds, quotaRemaining, quotaMax }: Wrapper,
    onEvent: ((event: ClientEvent) => void) | undefined,
  ): void {
    if (backoffSeconds !== undefined && backoffSeconds > 0) {
      this.#pacer.pause(
        method,
        Date.now() + backoffSeconds * 1000 + this.#options.backoffMarginMs,
        'backoff',
      );
      onEvent?.({ type: 'backoff', method, seconds: backoffSeconds });
    }
    if (quotaRemaining !== undefined) {
      this.#quotaRemaining = quotaRemaining;
      this.#quotaMax = quotaMax ?? this.#quotaMax;
      onEvent?.({ type: 'quota', remaining: quotaRemaining, max: quotaMax });
    }
  }

  #pauseAfter(error: StackExchangeApiError | RedirectRefusedError): void {
    const now = Date.now();
    if (error instanceof StackExchangeApiError && error.category === ErrorCategory.Throttled) {
      // A throttle violation is a ban of our address: every method waits.
      const waitMs =
        error.retryAfterSeconds === undefined
          ? this.#options.throttlePauseMs
          : error.retryAfterSeconds * 1000;
      for (const method of Object.values(ApiMethod)) {
        this.#pacer.pause(method, now + waitMs + this.#options.backoffMarginMs, 'throttled');
      }
    } else if (error.category === ErrorCategory.Configuration) {
      this.#pacer.pause(error.method, now + this.#options.configurationPauseMs, 'configuration');
    }
  }
}

/** Rejects a batch that must never reach the API: empty, over 20, or holding an invalid token. */
function checkBatch(tokens: readonly string[]): void {
  if (tokens.length === 0) throw new BatchSizeError(0, MAX_TOKENS_PER_CALL);
  if (tokens.length > MAX_TOKENS_PER_CALL) throw new BatchSizeError(tokens.length, MAX_TOKENS_PER_CALL);
  tokens.forEach((token, index) => {
    const check = checkToken(token);
    if (!check.ok) {
      throw new InvalidTokenError({
        index,
        problem: check.problem,
        detail: check.detail,
        fingerprint: fingerprint(token),
      });
    }
  });
}

/**
 * The system error code of a failed fetch (ECONNREFUSED, ECONNRESET, ...), never its message (it
 * quotes the URL); `bad_port` when fetch refused the port itself (the Fetch standard blocks ports
 * such as 1, 9 and 25, and fetch never tries to connect).
 */
function networkCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as { code?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
    if (typeof candidate.code === 'string') return candidate.code;
    if (candidate.message === 'bad port') return 'bad_port: fetch refuses this port';
    current = candidate.cause ?? (Array.isArray(candidate.errors) ? candidate.errors[0] : undefined);
  }
  return 'unknown';
}
