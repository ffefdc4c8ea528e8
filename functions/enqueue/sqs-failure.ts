import { ConfigurationError } from '../lib/errors';

/**
 * Why SQS did not take a message, in three kinds a caller can act on:
 * - `refused`: SQS answered the batch but refused this entry (too large, invalid characters, ...);
 * - `rejected`: SQS (or the SDK) refused the whole request: no such queue, access denied, no region
 *   or credentials. Retrying does not help until the configuration is fixed;
 * - `unreachable`: no answer at all (connection refused, DNS, timeout) or a server-side fault.
 */
export type SqsFailureKind = 'refused' | 'rejected' | 'unreachable';

export interface SqsFailure {
  readonly kind: SqsFailureKind;
  /** SQS error code or system error code (`InvalidParameterValue`, `QueueDoesNotExist`, `ECONNREFUSED`). */
  readonly code: string;
  /** Human-readable, never a token (SQS and the SDK do not quote message bodies). */
  readonly reason: string;
  readonly retryable: boolean;
}

const MAX_MESSAGE = 200;

/** Error names of the SDK's HTTP layer for requests that got no answer. */
const TRANSPORT_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'NetworkingError', 'AbortError']);

const short = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);

/** A failed entry of a SendMessageBatch answer. `SenderFault` entries are final; the others may be retried. */
export function entryFailure(entry: { Code?: string; Message?: string; SenderFault?: boolean }): SqsFailure {
  const code = entry.Code ?? 'error';
  return {
    kind: 'refused',
    code,
    reason: `SQS refused the message: ${code}${entry.Message ? ` (${short(entry.Message)})` : ''}`,
    retryable: entry.SenderFault !== true,
  };
}

/** The error a whole SQS call threw. */
export function callFailure(error: unknown): SqsFailure {
  const details = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (error instanceof ConfigurationError) {
    // refuseCleartext: the request was not sent.
    return { kind: 'rejected', code: error.name, reason: error.message, retryable: false };
  }
  const name = typeof details.name === 'string' ? details.name : 'Error';
  const message = typeof details.message === 'string' ? short(details.message) : '';
  const answered = typeof details.$metadata?.httpStatusCode === 'number';
  // Throttling is the service asking to slow down, not a request to fix: the SDK retried it already.
  const throttled = /Throttl/.test(name);
  if (answered && throttled) {
    return {
      kind: 'unreachable',
      code: name,
      reason: `SQS throttled the request: ${name} (${message})`,
      retryable: true,
    };
  }
  if (answered && details.$fault === 'client') {
    return {
      kind: 'rejected',
      code: name,
      reason: `SQS rejected the request: ${name} (${message})`,
      retryable: false,
    };
  }
  // A system error code, also when the SDK wrapped the error into its message (errors from another realm).
  const systemCode = typeof details.code === 'string' ? details.code : /\b(E[A-Z_]{4,})\b/.exec(message)?.[1];
  if (answered || systemCode !== undefined || TRANSPORT_ERROR_NAMES.has(name)) {
    const code = systemCode ?? name;
    return {
      kind: 'unreachable',
      code,
      reason: `could not reach SQS: ${code} (${message})`,
      retryable: true,
    };
  }
  // No answer and no system error code: the SDK refused before sending (no region, no credentials).
  const hint = /region is missing/i.test(message) ? ': set AWS_REGION, or give the SQSClient a region' : '';
  return {
    kind: 'rejected',
    code: name,
    reason: `SQS client not usable: ${name} (${message})${hint}`,
    retryable: false,
  };
}
