import type { ApiMethod } from './stackexchange/api-method';

/**
 * The project's error classes. Every error carries context (status, error_id, method, message ids)
 * and a category that says what to do about it, but never a token: messages name tokens by
 * fingerprint only.
 */

/** What a caller should do about an error. */
export const ErrorCategory = {
  /** Worth retrying later: 5xx-like API errors, network failures, timeouts, non-JSON bodies. */
  Transient: 'transient',
  /** The API told us to slow down (throttle_violation, backoff in force): retry much later. */
  Throttled: 'throttled',
  /** Wrong key, wrong URL, missing setting: retrying does not help until someone fixes it. */
  Configuration: 'configuration',
  /** The input itself is bad (an invalid token, too many tokens): park it, never retry. */
  BadInput: 'bad_input',
} as const;
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

/** Base class of every error this project throws on purpose. */
export class TokenRevokerError extends Error {
  override name = 'TokenRevokerError';
  readonly category: ErrorCategory;

  constructor(message: string, category: ErrorCategory, options?: { cause?: unknown }) {
    super(message, options);
    this.category = category;
  }
}

/** A value is not an acceptable token. Carries its position and fingerprint, never the value. */
export class InvalidTokenError extends TokenRevokerError {
  override name = 'InvalidTokenError';
  readonly index: number;
  readonly problem: string;
  readonly fingerprint: string;

  constructor(details: { index: number; problem: string; detail: string; fingerprint: string }) {
    super(
      `Token at position ${details.index} (fingerprint ${details.fingerprint}) is invalid: ${details.detail}`,
      ErrorCategory.BadInput,
    );
    this.index = details.index;
    this.problem = details.problem;
    this.fingerprint = details.fingerprint;
  }
}

/** A call with no tokens, or with more than one API call may carry. */
export class BatchSizeError extends TokenRevokerError {
  override name = 'BatchSizeError';
  readonly count: number;
  readonly limit: number;

  constructor(count: number, limit: number) {
    super(`A call carries 1 to ${limit} tokens; got ${count}`, ErrorCategory.BadInput);
    this.count = count;
    this.limit = limit;
  }
}

/** A setting is missing or wrong (environment variable, base URL, key). */
export class ConfigurationError extends TokenRevokerError {
  override name = 'ConfigurationError';
  readonly setting: string;

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super(`${setting}: ${message}`, ErrorCategory.Configuration, options);
    this.setting = setting;
  }
}

/**
 * What an API error says about the tokens of the call: `one` of them is at fault (split the call to
 * find it; alone, it is `rejected` or `dead`), or `all` of them are `dead` (sent over plain http).
 */
export interface TokenVerdict {
  readonly scope: 'one' | 'all';
  readonly fate: 'rejected' | 'dead';
}

/** The Stack Exchange API answered with an error wrapper (`error_id`, `error_name`). */
export class StackExchangeApiError extends TokenRevokerError {
  override name = 'StackExchangeApiError';
  readonly method: ApiMethod;
  readonly status: number;
  readonly errorId: number;
  readonly errorName: string;
  /** The API's own message, with any token of the call replaced by its fingerprint. */
  readonly apiMessage: string;
  /** Seconds the API asked us to wait, if it said (backoff or "available in N seconds"). */
  readonly retryAfterSeconds: number | undefined;
  /** What the error says about the call's tokens; undefined when the call failed as a whole. */
  readonly tokenVerdict: TokenVerdict | undefined;

  constructor(details: {
    method: ApiMethod;
    status: number;
    errorId: number;
    errorName: string;
    apiMessage: string;
    category: ErrorCategory;
    retryAfterSeconds?: number;
    tokenVerdict?: TokenVerdict;
  }) {
    super(
      `Stack Exchange ${details.method} failed: ${details.errorName} (error_id ${details.errorId}, HTTP ${details.status}): ${details.apiMessage}`,
      details.category,
    );
    this.method = details.method;
    this.status = details.status;
    this.errorId = details.errorId;
    this.errorName = details.errorName;
    this.apiMessage = details.apiMessage;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.tokenVerdict = details.tokenVerdict;
  }
}

/** The request did not get a usable answer: network failure, reset, or a body that is not the JSON wrapper. */
export class TransportError extends TokenRevokerError {
  override name = 'TransportError';
  readonly method: ApiMethod;
  /** HTTP status when a response arrived (for example an HTML 503 page), else undefined. */
  readonly status: number | undefined;
  /** A short, stable name for metrics: `network_error`, `non_json_response`, `timeout`. */
  readonly errorName: string;

  constructor(
    details: { method: ApiMethod; status?: number; errorName: string; message: string },
    options?: { cause?: unknown },
  ) {
    super(`Stack Exchange ${details.method} failed: ${details.message}`, ErrorCategory.Transient, options);
    this.method = details.method;
    this.status = details.status;
    this.errorName = details.errorName;
  }
}

/**
 * The API answered with a redirect (3xx). Redirects are never followed: with the key in the query
 * and the tokens in the path, following one would send both wherever it points. The base URL is
 * wrong, so this is a configuration error. The `Location` is not kept (it may quote the path).
 */
export class RedirectRefusedError extends TokenRevokerError {
  override name = 'RedirectRefusedError';
  readonly method: ApiMethod;
  readonly status: number;

  constructor(method: ApiMethod, status: number) {
    super(
      `Stack Exchange ${method} answered HTTP ${status} (a redirect): not followed; check STACKEXCHANGE_API_URL`,
      ErrorCategory.Configuration,
    );
    this.method = method;
    this.status = status;
  }
}

/** The request took longer than its timeout. */
export class RequestTimeoutError extends TransportError {
  override name = 'RequestTimeoutError';
  readonly timeoutMs: number;

  constructor(method: ApiMethod, timeoutMs: number, options?: { cause?: unknown }) {
    super({ method, errorName: 'timeout', message: `no response within ${timeoutMs} ms` }, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A call was not made: the method is paused (backoff, throttle, configuration error or open circuit)
 * beyond the caller's deadline, or the deadline leaves no time for a request.
 */
export class CallNotAttemptedError extends TokenRevokerError {
  override name = 'CallNotAttemptedError';
  readonly method: ApiMethod;
  /** What stood in the way: a pause (`backoff`, `throttled`, `configuration`, `circuit_open`) or the `deadline`. */
  readonly blockedBy: 'backoff' | 'throttled' | 'configuration' | 'circuit_open' | 'deadline';
  /** When the method may be called again (epoch ms), when known. */
  readonly retryAt: number | undefined;

  constructor(details: {
    method: ApiMethod;
    blockedBy: CallNotAttemptedError['blockedBy'];
    retryAt?: number;
    category: ErrorCategory;
    cause?: unknown;
  }) {
    const when = details.retryAt === undefined ? '' : ` until ${new Date(details.retryAt).toISOString()}`;
    super(`Stack Exchange ${details.method} not called: ${details.blockedBy}${when}`, details.category, {
      cause: details.cause,
    });
    this.method = details.method;
    this.blockedBy = details.blockedBy;
    this.retryAt = details.retryAt;
  }
}

/** Every message of an SQS batch failed: thrown by the handler so that Lambda backs off. */
export class BatchFailedError extends TokenRevokerError {
  override name = 'BatchFailedError';
  readonly messageIds: readonly string[];
  readonly categories: readonly ErrorCategory[];

  constructor(messageIds: readonly string[], categories: readonly ErrorCategory[]) {
    super(
      `All ${messageIds.length} message(s) of the batch failed (${[...new Set(categories)].join(', ') || 'unknown'}); SQS will redeliver them`,
      categories.includes(ErrorCategory.Configuration)
        ? ErrorCategory.Configuration
        : ErrorCategory.Transient,
    );
    this.messageIds = messageIds;
    this.categories = categories;
  }
}

/**
 * A step failed in a way it never should (a bug, not input): contained where it happened, its tokens or
 * message retried. The message names the step and the error's class only: the original message may
 * quote anything (a token included), so it stays in `cause`, never logged.
 */
export class UnexpectedError extends TokenRevokerError {
  override name = 'UnexpectedError';
  readonly step: string;

  constructor(step: string, cause: unknown) {
    super(
      `${step} failed unexpectedly (${cause instanceof Error ? cause.name : typeof cause}); retried`,
      ErrorCategory.Transient,
      { cause },
    );
    this.step = step;
  }
}

/** A short, stable name of an error for metrics and logs: the API's `error_name`, a transport code, or the class name. */
export function errorNameOf(error: unknown): string {
  if (error instanceof StackExchangeApiError || error instanceof TransportError) return error.errorName;
  if (error instanceof CallNotAttemptedError) return `not_attempted_${error.blockedBy}`;
  if (error instanceof RedirectRefusedError) return 'redirect';
  return error instanceof Error ? error.name : 'Error';
}
