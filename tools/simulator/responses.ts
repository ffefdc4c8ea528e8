import { deflateSync, gzipSync } from 'node:zlib';
import type { AccessTokenItem } from './state';
import type { SimulatorOptions } from './types';

/** The API's documented errors: error_id and a message like the real one. */
export const API_ERRORS = {
  bad_parameter: { id: 400, message: 'access_tokens is invalid' },
  access_token_required: { id: 401, message: 'an access_token is required' },
  invalid_access_token: { id: 402, message: 'access_token is invalid or expired' },
  access_denied: { id: 403, message: 'the key does not belong to the application of these tokens' },
  no_method: { id: 404, message: 'no method found with this name' },
  key_required: { id: 405, message: 'a key is required for this method' },
  access_token_compromised: { id: 406, message: 'access_token was sent over http and has been invalidated' },
  write_failed: { id: 407, message: 'a write operation failed' },
  duplicate_request: { id: 409, message: 'this request is a duplicate of one in progress' },
  internal_error: { id: 500, message: 'an internal error occurred' },
  throttle_violation: {
    id: 502,
    message: 'too many requests from this IP, more requests available in 30 seconds',
  },
  temporarily_unavailable: { id: 503, message: 'the method is temporarily unavailable' },
} as const;
export type ApiErrorName = keyof typeof API_ERRORS;

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

/** The page an edge proxy serves when the API is down (the 'html_503' fault). */
export const HTML_503_PAGE =
  '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1>' +
  '<p>The server is temporarily unable to service your request.</p></body></html>';

/** The quota fields of one response (a snapshot taken when the request arrived). */
export interface Quota {
  readonly max: number;
  readonly remaining: number;
}

/** The success wrapper; `backoff` only when given. */
export function successBody(items: readonly AccessTokenItem[], quota: Quota, backoff?: number): string {
  return JSON.stringify({
    items,
    has_more: false,
    quota_max: quota.max,
    quota_remaining: quota.remaining,
    ...(backoff === undefined ? {} : { backoff }),
    page: 1,
    page_size: 30,
    total: items.length,
    type: 'access_token',
  });
}

/** The error wrapper: the usual wrapper with no items, plus error_id, error_name and error_message. */
export function errorBody(name: ApiErrorName, quota: Quota, message?: string, backoff?: number): string {
  const { id, message: standard } = API_ERRORS[name];
  return JSON.stringify({
    items: [],
    has_more: false,
    quota_max: quota.max,
    quota_remaining: quota.remaining,
    ...(backoff === undefined ? {} : { backoff }),
    page: 1,
    page_size: 30,
    total: 0,
    type: 'access_token',
    error_id: id,
    error_name: name,
    error_message: message ?? standard,
  });
}

/** The message of a throttle_violation that asks the client to wait `seconds`. */
export function throttleMessage(seconds: number, cause: 'rate' | 'backoff'): string {
  const prefix = cause === 'rate' ? 'too many requests from this IP' : 'violation of backoff parameter';
  return `${prefix}, more requests available in ${seconds} seconds`;
}

export type ContentEncoding = 'gzip' | 'deflate' | undefined;

/** The q-value the Accept-Encoding header gives a coding (`*` counts for codings not named). */
function acceptance(header: string, coding: string): number {
  let wildcard: number | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const value = Number.isFinite(q) ? q : 0;
    if (name.trim() === coding) return value;
    if (name.trim() === '*') wildcard = value;
  }
  return wildcard ?? 0;
}

/**
 * The Content-Encoding of a response. 'auto' follows Accept-Encoding (gzip first, then deflate, else
 * identity); a fixed mode is used whatever the client asked for, like a server that always compresses.
 */
export function chooseEncoding(
  mode: NonNullable<SimulatorOptions['compression']>,
  acceptEncoding: string | undefined,
): ContentEncoding {
  if (mode === 'gzip' || mode === 'deflate') return mode;
  if (mode === 'none' || acceptEncoding === undefined) return undefined;
  if (acceptance(acceptEncoding, 'gzip') > 0) return 'gzip';
  if (acceptance(acceptEncoding, 'deflate') > 0) return 'deflate';
  return undefined;
}

/** The bytes of a body in an encoding. */
export function encode(body: string, encoding: ContentEncoding): Buffer {
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  return Buffer.from(body, 'utf8');
}
