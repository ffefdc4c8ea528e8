/** The access-token methods the simulator serves. */
export type ApiMethod = 'invalidate' | 'read' | 'deauthenticate';

/** The three methods, in a stable order. */
export const API_METHODS: readonly ApiMethod[] = ['invalidate', 'read', 'deauthenticate'];

/** Faults the simulator can inject, one per request. */
export type FaultKind =
  /** 400 {error_id: 500, error_name: 'internal_error'} */
  | 'internal_error'
  /** 400 {error_id: 503} */
  | 'temporarily_unavailable'
  /** 400 {error_id: 407} */
  | 'write_failed'
  /** 400 {error_id: 409} */
  | 'duplicate_request'
  /** 400 {error_id: 502}, "... more requests available in {banSeconds} seconds" (no ban is started) */
  | 'throttle_violation'
  /** Processed normally, but the response carries `backoff: backoffSeconds` and the method is blocked that long. */
  | 'backoff'
  /** HTTP 503 with an HTML page (text/html, never compressed), like an edge error. */
  | 'html_503'
  /** The socket is destroyed without a response. */
  | 'connection_reset'
  /** No response for `timeoutMs`, then the socket is destroyed. */
  | 'timeout'
  /** 400 {error_id: 400} */
  | 'bad_parameter'
  | 'access_denied'
  | 'no_method'
  | 'key_required'
  | 'access_token_required'
  | 'invalid_access_token';

/** Every fault kind, in a stable order (handy for `it.each` and random fault mixes). */
export const FAULT_KINDS: readonly FaultKind[] = [
  'internal_error',
  'temporarily_unavailable',
  'write_failed',
  'duplicate_request',
  'throttle_violation',
  'backoff',
  'html_503',
  'connection_reset',
  'timeout',
  'bad_parameter',
  'access_denied',
  'no_method',
  'key_required',
  'access_token_required',
  'invalid_access_token',
];

/** Per-request latency in ms: fixed, or uniformly drawn from [min, max]. */
export type Latency = number | { readonly min: number; readonly max: number };

/** Random faults: each request draws one with probability `rate` from `kinds`. */
export interface FaultMix {
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
}

export interface SimulatorOptions {
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
  /** Per-request latency in ms, fixed or uniformly drawn from [min, max]. @default 0 */
  readonly latencyMs?: Latency;
  /** Seed of every random draw (latency, faults, issued tokens): same seed, same run. @default 1 */
  readonly seed?: number;
  /** Requests per rolling second per client address before throttle_violation. @default 30 */
  readonly maxRequestsPerSecond?: number;
  /** Seconds a client is banned after exceeding maxRequestsPerSecond (fractions allowed). @default 30 */
  readonly banSeconds?: number;
  /** @default 'auto': gzip if Accept-Encoding allows it, else deflate, else identity */
  readonly compression?: 'auto' | 'gzip' | 'deflate' | 'none';
  /**
   * When set, requests must carry this app key (query `key`, or `Authorization: Bearer KEY`):
   * a missing key answers key_required (405), a wrong one access_denied (403).
   */
  readonly requiredKey?: string;
  /** Where the key is accepted: `key` query parameter, `Authorization: Bearer` header, or both. @default 'either' */
  readonly authStyle?: 'query' | 'header' | 'either';
  /** Random faults: each request draws one with probability `rate` from `kinds`. @default none */
  readonly faults?: FaultMix;
  /** Seconds put in `backoff` by the 'backoff' fault. @default 2 */
  readonly backoffSeconds?: number;
  /** How long the 'timeout' fault holds a request before destroying the socket. @default 30000 */
  readonly timeoutMs?: number;
  /** Calls a day (`quota_max`); every request spends one, whatever its answer. @default 10000 */
  readonly quotaMax?: number;
  /**
   * Once the quota is spent (the request that leaves `quota_remaining` at 0 is still served), every request
   * gets HTTP 400 throttle_violation "too many requests from this IP, more requests available in N seconds",
   * doing and spending nothing, until the quota comes back this many seconds after it ran out (N counts
   * down to it; fractions allowed). `resetQuota()` brings it back sooner. @default 80000
   */
  readonly quotaResetSeconds?: number;
}

export interface TokenOptions {
  /** Account of the tokens. @default a new account per token */
  readonly accountId?: number;
  /** No `expires_on_date` in items. @default false (expires a day after creation) */
  readonly noExpiry?: boolean;
  /** @default [] */
  readonly scope?: readonly string[];
}

export type TokenState = 'live' | 'invalidated' | 'deauthenticated' | 'unknown';

export interface RecordedRequest {
  /** Date.now() when received. */
  readonly at: number;
  readonly method: ApiMethod | 'unknown';
  /** Decoded path tokens, split on ';' (test data: records may hold them; the simulator never logs them). */
  readonly tokens: readonly string[];
  /** The app key presented (query `key` first, else the Bearer header), whatever authStyle says. */
  readonly key?: string;
  /** HTTP status sent (0 for reset or timeout). */
  readonly status: number;
  /** error_name sent, if any. */
  readonly errorName?: string;
  /** Injected fault, if any. */
  readonly fault?: FaultKind;
  readonly itemsReturned: number;
  /** Arrived while a backoff for its method was in force. */
  readonly backoffViolation: boolean;
  /** Over the request rate, or during a ban. */
  readonly throttleViolation: boolean;
  /** Refused because the quota was spent (throttle_violation; nothing done, nothing spent). */
  readonly quotaExhausted: boolean;
}

export interface SimulatorStats {
  readonly requests: number;
  readonly byMethod: Readonly<Record<ApiMethod | 'unknown', number>>;
  /** 200 responses. */
  readonly successfulCalls: number;
  readonly tokensInSuccessfulCalls: number;
  /** 0 when there is no successful call. */
  readonly meanTokensPerSuccessfulCall: number;
  readonly throttleViolations: number;
  readonly backoffViolations: number;
  readonly faultsInjected: number;
  /** Requests refused because the quota was spent (each also counted in `errorsByName.throttle_violation`). */
  readonly quotaRefusals: number;
  readonly errorsByName: Readonly<Record<string, number>>;
  /** Tokens moved live -> invalidated. */
  readonly invalidated: number;
  /** Tokens moved live -> deauthenticated. */
  readonly deauthenticated: number;
  /** `quota_remaining` now (never below 0). */
  readonly quotaRemaining: number;
  /** While the quota is spent: whole seconds until it comes back (the N of the refusals). Absent otherwise. */
  readonly quotaResetInSeconds?: number;
}

export interface Simulator {
  /** Base URL including the version: 'http://127.0.0.1:PORT/2.3'. */
  readonly url: string;
  /** 'http://127.0.0.1:PORT'. */
  readonly origin: string;
  /** Creates live tokens of the real shape (22 characters of [A-Za-z0-9*(] and '))'), unique and seeded. */
  issueTokens(count: number, options?: TokenOptions): string[];
  /** Makes these tokens live (again). */
  addTokens(tokens: readonly string[], options?: TokenOptions): void;
  /** Any call containing one of these answers bad_parameter. */
  poisonTokens(tokens: readonly string[]): void;
  /** The next `times` (default 1) requests, to `method` if given, get this fault (before random faults). */
  injectFault(kind: FaultKind, options?: { readonly method?: ApiMethod; readonly times?: number }): void;
  setFaults(faults: FaultMix | undefined): void;
  setLatency(latencyMs: Latency | undefined): void;
  /**
   * Spends `calls` of the quota from outside, as other applications calling from the same IP do
   * (`quota_remaining` never goes below 0; reaching 0 starts the refusals, as the deployment's own calls do).
   */
  spendQuota(calls: number): void;
  /** Brings the whole quota back now (`quota_remaining` = `quotaMax`), ending any refusals. */
  resetQuota(): void;
  tokenState(token: string): TokenState;
  /** Every request so far, in the order the simulator finished with them. */
  readonly requests: readonly RecordedRequest[];
  stats(): SimulatorStats;
  /** Forgets tokens, records, bans, backoffs, queued faults and quota (all of it back); the seeded draws start over. */
  reset(): void;
  /** Closes the server and destroys open connections (held 'timeout' requests too). */
  close(): Promise<void>;
}
