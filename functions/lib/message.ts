import { checkToken, type TokenProblem } from './tokens';

/**
 * The message contract between producers and the revocation function. An SQS message body is JSON:
 * `{"token": "t"}` or `{"tokens": ["t1", ...]}`, with optional `action` (`invalidate`, the default,
 * or `deauthenticate`), `reason`, `requestedAt` and `source`. The same object is accepted inside an
 * SNS notification (`Type: "Notification"`, `Message` a JSON string) or an EventBridge event (`detail`).
 */

export const RevocationAction = {
  /** `access-tokens/{tokens}/invalidate`: kills the tokens. */
  Invalidate: 'invalidate',
  /** `apps/{tokens}/de-authenticate`: removes the app from the users, killing all their tokens. */
  Deauthenticate: 'deauthenticate',
} as const;
export type RevocationAction = (typeof RevocationAction)[keyof typeof RevocationAction];

/**
 * Which lane a request belongs to. `routine` requests (logouts) wait, at most `maxHoldSeconds`, so
 * that calls fill up to 20 tokens; `urgent` ones (leaks, compromised accounts) go out at once. The
 * queue a message is in decides how it is handled; this field routes EventBridge and SNS deliveries.
 */
export const RevocationPriority = {
  Routine: 'routine',
  Urgent: 'urgent',
} as const;
export type RevocationPriority = (typeof RevocationPriority)[keyof typeof RevocationPriority];

/** The longest `reason`, `source` or `requestedAt` accepted. */
export const MAX_FIELD_LENGTH = 1024;

/** True for the actions the contract knows. */
export function isRevocationAction(value: unknown): value is RevocationAction {
  return value === RevocationAction.Invalidate || value === RevocationAction.Deauthenticate;
}

/** What producers send. */
export interface RevocationRequest {
  readonly tokens: readonly string[];
  /** @default 'invalidate' */
  readonly action?: RevocationAction;
  /** Why, for operators (e.g. `logout`, `account_closed`, `leak`). Never a token. */
  readonly reason?: string;
  /** ISO-8601 time the revocation was requested. */
  readonly requestedAt?: string;
  /** Which service asked. */
  readonly source?: string;
  /** @default 'routine' */
  readonly priority?: RevocationPriority;
}

/** Stable codes for input the function parks instead of retrying. */
export const RejectReason = {
  /** The body is not JSON. */
  BodyNotJson: 'body_not_json',
  /** The JSON is not a revocation request (not an object, wrong field types, bad envelope). */
  InvalidMessage: 'invalid_message',
  /** The request holds no tokens at all. */
  NoTokens: 'no_tokens',
  /** `action` is not one of the known actions. */
  UnknownAction: 'unknown_action',
  /** A token fails the syntax rules (it is never sent). */
  InvalidToken: 'invalid_token',
  /** The API rejected the token with `bad_parameter` when it was isolated in a call of its own. */
  RejectedByApi: 'rejected_by_api',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** A value of `tokens` that is not a valid token. */
export interface RejectedToken {
  /** Position in the message's token list (`token` counts as position 0). */
  readonly index: number;
  /** The value as received: parked for inspection, never logged. */
  readonly value: unknown;
  readonly problem: TokenProblem;
  /** What is wrong, without the value. */
  readonly detail: string;
}

export type ParsedMessage =
  | {
      readonly ok: true;
      readonly action: RevocationAction;
      /** Valid tokens, in order, duplicates removed. */
      readonly tokens: readonly string[];
      readonly rejected: readonly RejectedToken[];
      readonly reason: string | undefined;
      readonly source: string | undefined;
      readonly requestedAt: string | undefined;
      readonly envelope: 'none' | 'sns' | 'eventbridge';
      /** Problems with optional fields, which are ignored rather than blocking the tokens. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

type Unwrapped =
  | { ok: true; object: Record<string, unknown>; envelope: 'none' | 'sns' | 'eventbridge' }
  | { ok: false; reason: RejectReason; detail: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function unwrap(body: string): Unwrapped {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const where = error instanceof SyntaxError ? ` (${error.message.replace(/"[^"]*"/g, '…')})` : '';
    return { ok: false, reason: RejectReason.BodyNotJson, detail: `the body is not JSON${where}` };
  }
  if (!isObject(json)) {
    return {
      ok: false,
      reason: RejectReason.InvalidMessage,
      detail: `the body is ${describe(json)}, not a JSON object`,
    };
  }
  if (json.Type === 'Notification' && 'Message' in json) {
    if (typeof json.Message !== 'string') {
      return {
        ok: false,
        reason: RejectReason.InvalidMessage,
        detail: 'SNS envelope: Message is not a string',
      };
    }
    let inner: unknown;
    try {
      inner = JSON.parse(json.Message);
    } catch {
      return { ok: false, reason: RejectReason.BodyNotJson, detail: 'SNS envelope: Message is not JSON' };
    }
    if (!isObject(inner)) {
      return {
        ok: false,
        reason: RejectReason.InvalidMessage,
        detail: `SNS envelope: Message is ${describe(inner)}`,
      };
    }
    return { ok: true, object: inner, envelope: 'sns' };
  }
  if ('detail' in json && !('token' in json) && !('tokens' in json)) {
    if (!isObject(json.detail)) {
      return {
        ok: false,
        reason: RejectReason.InvalidMessage,
        detail: `EventBridge event: detail is ${describe(json.detail)}`,
      };
    }
    return { ok: true, object: json.detail, envelope: 'eventbridge' };
  }
  return { ok: true, object: json, envelope: 'none' };
}

function optionalString(
  object: Record<string, unknown>,
  field: string,
  warnings: string[],
): string | undefined {
  const value = object[field];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= 1024) return value;
  warnings.push(`${field}: expected a string of at most 1024 characters, got ${describe(value)}; ignored`);
  return undefined;
}

/**
 * Reads an SQS message body. Never throws: anything unusable comes back with a stable reason and a
 * detail that says what is wrong and where, without quoting any token.
 */
export function parseMessageBody(body: string): ParsedMessage {
  const unwrapped = unwrap(body);
  if (!unwrapped.ok) return unwrapped;
  const { object, envelope } = unwrapped;

  const action = object.action ?? RevocationAction.Invalidate;
  if (action !== RevocationAction.Invalidate && action !== RevocationAction.Deauthenticate) {
    return {
      ok: false,
      reason: RejectReason.UnknownAction,
      detail: `action: expected "invalidate" or "deauthenticate", got ${typeof action === 'string' ? JSON.stringify(action.slice(0, 40)) : describe(action)}`,
    };
  }

  const candidates: unknown[] = [];
  if ('token' in object) candidates.push(object.token);
  if ('tokens' in object) {
    if (!Array.isArray(object.tokens)) {
      return {
        ok: false,
        reason: RejectReason.InvalidMessage,
        detail: `tokens: expected an array of strings, got ${describe(object.tokens)}`,
      };
    }
    candidates.push(...object.tokens);
  }
  if (candidates.length === 0) {
    return {
      ok: false,
      reason: RejectReason.NoTokens,
      detail: 'the message has no "token" or "tokens" field, or it is empty',
    };
  }

  const tokens = new Set<string>();
  const rejected: RejectedToken[] = [];
  const hasSingle = 'token' in object;
  candidates.forEach((value, index) => {
    const check = checkToken(value);
    if (check.ok) {
      tokens.add(check.token);
      return;
    }
    const where = hasSingle && index === 0 ? 'token' : `tokens[${hasSingle ? index - 1 : index}]`;
    rejected.push({ index, value, problem: check.problem, detail: `${where}: ${check.detail}` });
  });

  const warnings: string[] = [];
  return {
    ok: true,
    action,
    tokens: [...tokens],
    rejected,
    reason: optionalString(object, 'reason', warnings),
    source: optionalString(object, 'source', warnings),
    requestedAt: optionalString(object, 'requestedAt', warnings),
    envelope,
    warnings,
  };
}

/** Writes a request in the contract's format (what the enqueue library and the CLI send). */
export function formatMessageBody(request: RevocationRequest): string {
  const { tokens, action, reason, requestedAt, source, priority } = request;
  return JSON.stringify({
    tokens,
    ...(action !== undefined && action !== RevocationAction.Invalidate ? { action } : {}),
    ...(priority !== undefined && priority !== RevocationPriority.Routine ? { priority } : {}),
    ...(reason === undefined ? {} : { reason }),
    ...(requestedAt === undefined ? {} : { requestedAt }),
    ...(source === undefined ? {} : { source }),
  });
}
