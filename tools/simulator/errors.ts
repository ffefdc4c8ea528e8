import type { FaultKind } from './types';

/** The API's documented errors: error_id, error_name and a message like the real one. */
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

/** Faults that answer with an API error wrapper. */
export const ERROR_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>([
  'internal_error',
  'temporarily_unavailable',
  'write_failed',
  'duplicate_request',
  'throttle_violation',
  'bad_parameter',
  'access_denied',
  'no_method',
  'key_required',
  'access_token_required',
  'invalid_access_token',
]);

export const HTML_503_PAGE =
  '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>';
