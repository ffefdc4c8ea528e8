import { ErrorCategory, StackExchangeApiError, type TokenVerdict } from '../errors';
import { fingerprint } from '../tokens';
import type { ApiMethod } from './api-method';

/** One `access_token` item, as the API returns it. */
export interface AccessTokenItem {
  readonly accessToken: string;
  readonly accountId: number | undefined;
  /** Unix seconds; undefined for `no_expiry` tokens. */
  readonly expiresOnDate: number | undefined;
  readonly scope: readonly string[] | undefined;
}

/** The parts of the response wrapper the client uses. */
export interface Wrapper {
  readonly items: readonly AccessTokenItem[];
  readonly quotaMax: number | undefined;
  readonly quotaRemaining: number | undefined;
  readonly backoffSeconds: number | undefined;
}

/** What a JSON body turned out to be. */
export type ParsedBody =
  | { readonly kind: 'success'; readonly wrapper: Wrapper }
  | {
      readonly kind: 'error';
      readonly wrapper: Wrapper;
      readonly errorId: number;
      readonly errorName: string;
      readonly errorMessage: string;
    }
  | { readonly kind: 'not_a_wrapper' };

/** Category of each documented `error_id` (see the shared API doc). Unknown ids are transient. */
const CATEGORY_BY_ERROR_ID: Readonly<Record<number, ErrorCategory>> = {
  400: ErrorCategory.BadInput, // bad_parameter
  401: ErrorCategory.Configuration, // access_token_required
  402: ErrorCategory.BadInput, // invalid_access_token
  403: ErrorCategory.Configuration, // access_denied
  404: ErrorCategory.Configuration, // no_method
  405: ErrorCategory.Configuration, // key_required
  406: ErrorCategory.Configuration, // access_token_compromised: the token went over http
  407: ErrorCategory.Transient, // write_failed
  409: ErrorCategory.Transient, // duplicate_request
  500: ErrorCategory.Transient, // internal_error
  502: ErrorCategory.Throttled, // throttle_violation
  503: ErrorCategory.Transient, // temporarily_unavailable
};

/** What each token-related `error_id` says about the call's tokens. */
const VERDICT_BY_ERROR_ID: Readonly<Record<number, TokenVerdict>> = {
  400: { scope: 'one', fate: 'rejected' }, // bad_parameter: one token is malformed
  402: { scope: 'one', fate: 'dead' }, // invalid_access_token: one token no longer exists
  406: { scope: 'all', fate: 'dead' }, // access_token_compromised: the API killed them all
};

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function toItem(raw: unknown): AccessTokenItem | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  if (typeof record.access_token !== 'string') return undefined;
  return {
    accessToken: record.access_token,
    accountId: optionalNumber(record.account_id),
    expiresOnDate: optionalNumber(record.expires_on_date),
    scope: Array.isArray(record.scope)
      ? record.scope.filter((s): s is string => typeof s === 'string')
      : undefined,
  };
}

/** Reads a response body. Never throws: anything that is not the API's JSON wrapper is `not_a_wrapper`. */
export function parseBody(text: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'not_a_wrapper' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'not_a_wrapper' };
  const body = json as Record<string, unknown>;
  const items = Array.isArray(body.items)
    ? body.items.map(toItem).filter((item): item is AccessTokenItem => item !== undefined)
    : [];
  const wrapper: Wrapper = {
    items,
    quotaMax: optionalNumber(body.quota_max),
    quotaRemaining: optionalNumber(body.quota_remaining),
    backoffSeconds: optionalNumber(body.backoff),
  };
  if (body.error_id !== undefined) {
    return {
      kind: 'error',
      wrapper,
      errorId: optionalNumber(body.error_id) ?? -1,
      errorName: typeof body.error_name === 'string' ? body.error_name : 'unknown_error',
      errorMessage: typeof body.error_message === 'string' ? body.error_message : '',
    };
  }
  if (!Array.isArray(body.items)) return { kind: 'not_a_wrapper' };
  return { kind: 'success', wrapper };
}

/** The N of "... more requests available in N seconds", if the message says it. */
export function secondsFromMessage(message: string): number | undefined {
  const match = /available in (\d+) seconds?/i.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Replaces every token of the call in an API message by its fingerprint, and anything else that looks
 * like a token list (a `;`-joined run) by a placeholder: API messages sometimes quote the parameter.
 */
export function scrubMessage(message: string, tokens: readonly string[]): string {
  let scrubbed = message;
  for (const token of [...tokens].sort((a, b) => b.length - a.length)) {
    if (token.length > 0) scrubbed = scrubbed.split(token).join(`<token ${fingerprint(token)}>`);
  }
  scrubbed = scrubbed.replace(TOKEN_LIST, '<token list>');
  return scrubbed.length > 500 ? `${scrubbed.slice(0, 500)}...` : scrubbed;
}

/** Two or more token-alphabet words joined by `;` (the API's list separator): what a quoted `{tokens}` looks like. */
const TOKEN_LIST = /[A-Za-z0-9*()_-]+(?:;[A-Za-z0-9*()_-]+)+/g;

/** Builds the typed error for an error wrapper. */
export function apiErrorFrom(
  parsed: Extract<ParsedBody, { kind: 'error' }>,
  method: ApiMethod,
  status: number,
  tokens: readonly string[],
): StackExchangeApiError {
  const apiMessage = scrubMessage(parsed.errorMessage, tokens);
  return new StackExchangeApiError({
    method,
    status,
    errorId: parsed.errorId,
    errorName: parsed.errorName,
    apiMessage,
    category: CATEGORY_BY_ERROR_ID[parsed.errorId] ?? ErrorCategory.Transient,
    retryAfterSeconds: parsed.wrapper.backoffSeconds ?? secondsFromMessage(parsed.errorMessage),
    tokenVerdict: VERDICT_BY_ERROR_ID[parsed.errorId],
  });
}
