import { isSealedParked, type ParkingKey } from './parked-message';
import { checkToken, type TokenProblem } from './tokens';

/**
 * The message contract between producers and the revocation function. An SQS message body is JSON:
 * `{"token": "t"}` or `{"tokens": ["t1", ...]}`, with optional `action` (`invalidate`, the default,
 * or `deauthenticate`), `priority` (`routine`, the default, or `urgent`), `reason`, `requestedAt` and
 * `source`. The same object is accepted inside up to MAX_ENVELOPE_DEPTH envelopes: an SNS notification
 * (`Type: "Notification"`, `Message` a JSON string), an EventBridge event (`detail-type` and
 * `detail`), or a message this pipeline parked and sealed (its original body, or its parked tokens;
 * see parked-message.ts: without the parking key, or with a seal that does not verify, a wrapper is
 * read as a plain request object).
 */

/** How a body is read. */
export interface ParseOptions {
  /** The key parked messages are sealed with: only a sealed wrapper is unwrapped. @default undefined (none is) */
  readonly parkingKey?: ParkingKey;
}

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

/** Why input was parked instead of retried: stable codes, written as the `reason` attribute and field of a parked message. */
export const ParkReason = {
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
  /** Tokens past MAX_TOKENS_PER_MESSAGE in one message: parked unread, replayable as their own request. */
  TooManyTokens: 'too_many_tokens',
} as const;
export type ParkReason = (typeof ParkReason)[keyof typeof ParkReason];

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

/** The most tokens one message may carry; the rest are parked (`too_many_tokens`) in requests of this size. */
export const MAX_TOKENS_PER_MESSAGE = 1000;

/** The most envelopes unwrapped around a request (SNS in SNS, EventBridge to SNS, a parked wrapper). */
export const MAX_ENVELOPE_DEPTH = 3;

/** An envelope a request can arrive in. */
export type Envelope = 'sns' | 'eventbridge' | 'parked';

export type ParsedMessage =
  | {
      readonly ok: true;
      readonly action: RevocationAction;
      /** Valid tokens, in order, duplicates removed (at most MAX_TOKENS_PER_MESSAGE values read). */
      readonly tokens: readonly string[];
      readonly rejected: readonly RejectedToken[];
      /** Values past MAX_TOKENS_PER_MESSAGE, unread, in order; the first is at position MAX_TOKENS_PER_MESSAGE. */
      readonly excess: readonly unknown[];
      readonly priority: RevocationPriority;
      readonly reason: string | undefined;
      readonly source: string | undefined;
      readonly requestedAt: string | undefined;
      /** The envelopes unwrapped, outermost first. */
      readonly envelopes: readonly Envelope[];
      /** Problems with optional fields, which are ignored rather than blocking the tokens. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly reason: ParkReason; readonly detail: string };

type Failure = Extract<ParsedMessage, { ok: false }>;
type Unwrapped = { ok: true; object: Record<string, unknown>; envelopes: Envelope[] } | Failure;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The type of a value, and its length for strings and arrays: never the value itself. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const fail = (reason: ParkReason, detail: string): Failure => ({ ok: false, reason, detail });

/** Parses JSON; on failure says where (the position V8 reports), never what it read there. */
function parseJson(text: string, what: string): { ok: true; value: unknown } | Failure {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const position = error instanceof SyntaxError ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    const where = position === undefined ? '' : ` (syntax error at character ${Number(position) + 1})`;
    return fail(ParkReason.BodyNotJson, `${what} is not JSON${where}; it has ${text.length} characters`);
  }
}

/** Peels one envelope off, or says there is none. */
function peel(
  object: Record<string, unknown>,
  path: string,
  options: ParseOptions,
): { envelope: Envelope; inner: unknown } | Failure | undefined {
  if (object.Type === 'Notification' && 'Message' in object) {
    if (typeof object.Message !== 'string') {
      return fail(
        ParkReason.InvalidMessage,
        `${path}SNS envelope: Message is ${describe(object.Message)}, not a string`,
      );
    }
    const inner = parseJson(object.Message, `${path}SNS envelope: Message`);
    return inner.ok ? { envelope: 'sns', inner: inner.value } : inner;
  }
  // A message the function parked, sent back to the queue as it is (e.g. by a DLQ move task).
  if (isSealedParked(object, options.parkingKey)) {
    // The original request: its body when it could not be read, else its parked tokens.
    if (typeof object.body === 'string') {
      const inner = parseJson(object.body, `${path}parked message: body`);
      return inner.ok ? { envelope: 'parked', inner: inner.value } : inner;
    }
    return { envelope: 'parked', inner: { tokens: object.tokens, action: object.action } };
  }
  if (typeof object['detail-type'] === 'string' && 'detail' in object) {
    return { envelope: 'eventbridge', inner: object.detail };
  }
  return undefined;
}

function unwrap(body: string, options: ParseOptions): Unwrapped {
  const parsed = parseJson(body, 'the body');
  if (!parsed.ok) return parsed;
  let current = parsed.value;
  const envelopes: Envelope[] = [];
  for (;;) {
    const path = envelopes.map((envelope) => `${envelope} > `).join('');
    if (!isObject(current)) {
      return fail(
        ParkReason.InvalidMessage,
        `${envelopes.length === 0 ? 'the body' : `${path}the request`} is ${describe(current)}, not a JSON object`,
      );
    }
    const peeled = peel(current, path, options);
    if (peeled === undefined) return { ok: true, object: current, envelopes };
    if ('ok' in peeled) return peeled;
    if (envelopes.length === MAX_ENVELOPE_DEPTH) {
      return fail(
        ParkReason.InvalidMessage,
        `more than ${MAX_ENVELOPE_DEPTH} envelopes (${path}${peeled.envelope})`,
      );
    }
    envelopes.push(peeled.envelope);
    current = peeled.inner;
  }
}

function optionalString(
  object: Record<string, unknown>,
  field: string,
  warnings: string[],
): string | undefined {
  const value = object[field];
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= MAX_FIELD_LENGTH) return value;
  warnings.push(
    `${field}: expected a string of at most ${MAX_FIELD_LENGTH} characters, got ${describe(value)}; ignored`,
  );
  return undefined;
}

function readPriority(object: Record<string, unknown>, warnings: string[]): RevocationPriority {
  const value = object.priority;
  if (value === undefined || value === RevocationPriority.Routine) return RevocationPriority.Routine;
  if (value === RevocationPriority.Urgent) return RevocationPriority.Urgent;
  warnings.push(`priority: expected "routine" or "urgent", got ${describe(value)}; taken as routine`);
  return RevocationPriority.Routine;
}

/**
 * Reads an SQS message body. Never throws: anything unusable comes back with a stable reason and a
 * detail that says what is wrong and where (position, type, length), never quoting the body.
 */
export function parseMessageBody(body: string, options: ParseOptions = {}): ParsedMessage {
  const unwrapped = unwrap(body, options);
  if (!unwrapped.ok) return unwrapped;
  const { object, envelopes } = unwrapped;

  const action = object.action ?? RevocationAction.Invalidate;
  if (!isRevocationAction(action)) {
    return fail(
      ParkReason.UnknownAction,
      `action: expected "invalidate" or "deauthenticate", got ${describe(action)}`,
    );
  }
  const hasSingle = 'token' in object;
  const list = object.tokens;
  if (list !== undefined && !Array.isArray(list)) {
    return fail(ParkReason.InvalidMessage, `tokens: expected an array of strings, got ${describe(list)}`);
  }
  const count = (hasSingle ? 1 : 0) + (list?.length ?? 0);
  if (count === 0) {
    return fail(ParkReason.NoTokens, 'the message has no "token" or "tokens" field, or it is empty');
  }

  const tokens = new Set<string>();
  const rejected: RejectedToken[] = [];
  const read = Math.min(count, MAX_TOKENS_PER_MESSAGE);
  const valueAt = (index: number): unknown =>
    hasSingle ? (index === 0 ? object.token : list?.[index - 1]) : list?.[index];
  for (let index = 0; index < read; index++) {
    const value = valueAt(index);
    const check = checkToken(value);
    if (check.ok) {
      tokens.add(check.token);
      continue;
    }
    const where = hasSingle && index === 0 ? 'token' : `tokens[${hasSingle ? index - 1 : index}]`;
    rejected.push({ index, value, problem: check.problem, detail: `${where}: ${check.detail}` });
  }
  const excess: unknown[] = [];
  for (let index = read; index < count; index++) excess.push(valueAt(index));

  const warnings: string[] = [];
  return {
    ok: true,
    action,
    tokens: [...tokens],
    rejected,
    excess,
    priority: readPriority(object, warnings),
    reason: optionalString(object, 'reason', warnings),
    source: optionalString(object, 'source', warnings),
    requestedAt: optionalString(object, 'requestedAt', warnings),
    envelopes,
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
