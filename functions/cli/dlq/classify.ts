import type { Message } from '@aws-sdk/client-sqs';
import {
  formatMessageBody,
  isRevocationAction,
  ParkReason,
  parseMessageBody,
  RevocationAction,
} from '../../lib/message';
import { checkToken, fingerprint } from '../../lib/tokens';
import { jsonErrorOffset } from './json-error-offset';

/**
 * What a dead-letter queue message is:
 * - `parked`: written by the handler (park.ts) for input it will never retry (invalid tokens,
 *   unreadable bodies, tokens the API rejected); redriving it would most likely park it again;
 * - `dead_lettered`: an original request moved here by SQS after maxReceiveCount failed receives
 *   (the API was down, throttling, misconfigured): worth redriving once the cause is fixed;
 * - `unreadable`: neither (not the contract's format).
 *
 * Whatever a body holds, classifying it never throws, and nothing it returns quotes the body: a
 * body may hold tokens (anywhere, in any field) and terminal escape sequences. The reason is a known
 * code or `unknown`; the detail gives sizes, types, positions and problem codes only.
 */
export type DlqMessageKind = 'parked' | 'dead_lettered' | 'unreadable';

/** The reason of a dead-lettered request. */
export const MAX_RECEIVES_EXCEEDED = 'max_receives_exceeded';
/** The reason shown for a parked message whose reason is not one of the known codes. */
export const UNKNOWN_REASON = 'unknown';
/** Fingerprints listed per message at most (`tokenCount` counts them all). */
export const MAX_FINGERPRINTS = 1000;
/** Invalid values described per message at most. */
const MAX_PROBLEMS = 5;
/** Parked wrappers of parked wrappers (a parked message redriven and parked again) unwrapped at most. */
const MAX_WRAPPER_DEPTH = 3;

/** What `dlq redrive` sends back, and whether the message attributes go with it; or why it cannot. */
export type Replay =
  | { readonly body: string; readonly copyAttributes: boolean }
  | { readonly problem: string };

export interface ClassifiedMessage {
  readonly kind: DlqMessageKind;
  /** A ParkReason code, `max_receives_exceeded`, or `unknown`. */
  readonly reason: string;
  /** What the content is: sizes, types, positions and problem codes, never a value or a parser message. */
  readonly detail: string;
  /** Token values in the message (all of a request's, the parked ones of a parked message). */
  readonly tokenCount: number;
  /** Fingerprints of the first MAX_FINGERPRINTS of them. */
  readonly fingerprints: readonly string[];
  readonly replay: Replay;
}

const KNOWN_REASONS: ReadonlySet<unknown> = new Set(Object.values(ParkReason));
const isKnownReason = (value: unknown): value is ParkReason => KNOWN_REASONS.has(value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Json =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly position?: number };

function readJson(text: string): Json {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // Never the parser's message: it quotes the body around the error.
    const position = jsonErrorOffset(text);
    return position === undefined ? { ok: false } : { ok: false, position };
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `body: 120 characters, JSON: an object` / `..., not JSON (error at position 20)`. */
function describeBody(label: string, text: string, json: Json = readJson(text)): string {
  const shape = json.ok
    ? `JSON: ${typeOf(json.value)}`
    : `not JSON${json.position === undefined ? '' : ` (error at position ${json.position})`}`;
  return `${label}: ${text.length} characters, ${shape}`;
}

/** A value's fingerprint; non-strings through their JSON form, as the handler logs them (none if too deep to serialise). */
function safeFingerprint(value: unknown): string | undefined {
  try {
    return fingerprint(value);
  } catch {
    return undefined;
  }
}

/** Counts, fingerprints and problem codes of token values, in order, without spreading them (any count). */
class TokenSummary {
  count = 0;
  readonly fingerprints: string[] = [];
  readonly problems: string[] = [];
  invalid = 0;

  add(value: unknown, position: number, problem?: string): void {
    this.count += 1;
    if (this.fingerprints.length < MAX_FINGERPRINTS) {
      const print = safeFingerprint(value);
      if (print !== undefined) this.fingerprints.push(print);
    }
    if (problem === undefined) return;
    this.invalid += 1;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(`[${position}] ${problem}`);
  }

  describe(what: string): string {
    const invalid =
      this.invalid === 0
        ? ''
        : `, ${this.invalid} invalid (${this.problems.join(', ')}${this.invalid > this.problems.length ? ', …' : ''})`;
    return `${this.count} ${what}${invalid}`;
  }
}

/** A parked wrapper: a JSON object with a `parkedAt` string (park.ts). */
function wrapperOf(json: Json): Record<string, unknown> | undefined {
  return json.ok && isObject(json.value) && typeof json.value.parkedAt === 'string' ? json.value : undefined;
}

/** The original request of a parked wrapper: its `body`, else its tokens (with `action`) in the contract's format. */
function replayOf(wrapper: Record<string, unknown>, depth = 0): Replay {
  if (typeof wrapper.body === 'string') {
    const inner = wrapperOf(readJson(wrapper.body));
    if (inner !== undefined && depth < MAX_WRAPPER_DEPTH) return replayOf(inner, depth + 1);
    return { body: wrapper.body, copyAttributes: false };
  }
  const tokens = wrapper.tokens;
  if (!Array.isArray(tokens) || tokens.length === 0) {
    return { problem: 'holds neither the original body nor parked tokens' };
  }
  if (!tokens.every((token) => typeof token === 'string')) {
    return { problem: 'some parked values are not strings: they cannot form a request' };
  }
  const action = wrapper.action ?? RevocationAction.Invalidate;
  if (!isRevocationAction(action)) return { problem: 'its action is not one of the known actions' };
  return { body: formatMessageBody({ tokens, action }), copyAttributes: false };
}

function parked(
  body: string,
  json: Json,
  wrapper: Record<string, unknown> | undefined,
  reason: string,
): ClassifiedMessage {
  if (wrapper === undefined) {
    // Marked parked by its attribute, but the body is not a JSON object: it is all there is to send back.
    return {
      kind: 'parked',
      reason,
      detail: describeBody('body', body, json),
      tokenCount: 0,
      fingerprints: [],
      replay: { body, copyAttributes: false },
    };
  }
  const summary = new TokenSummary();
  const values = Array.isArray(wrapper.tokens) ? wrapper.tokens : [];
  for (let index = 0; index < values.length; index++) {
    const check = checkToken(values[index]);
    summary.add(values[index], index, check.ok ? undefined : check.problem);
  }
  const parts = [summary.describe('parked value(s)')];
  if (typeof wrapper.body === 'string') parts.push(describeBody('original body', wrapper.body));
  return {
    kind: 'parked',
    reason,
    detail: parts.join('; '),
    tokenCount: summary.count,
    fingerprints: summary.fingerprints,
    replay: replayOf(wrapper),
  };
}

function request(body: string, json: Json): ClassifiedMessage {
  const unreadable = (reason: ParkReason): ClassifiedMessage => ({
    kind: 'unreadable',
    reason,
    detail: describeBody('body', body, json),
    tokenCount: 0,
    fingerprints: [],
    replay: { body, copyAttributes: true },
  });
  if (!json.ok) return unreadable(ParkReason.BodyNotJson);
  let parsed: ReturnType<typeof parseMessageBody>;
  try {
    parsed = parseMessageBody(body);
  } catch {
    return unreadable(ParkReason.InvalidMessage);
  }
  if (!parsed.ok) return unreadable(isKnownReason(parsed.reason) ? parsed.reason : ParkReason.InvalidMessage);
  const summary = new TokenSummary();
  for (const token of parsed.tokens) summary.add(token, -1);
  for (const rejected of parsed.rejected) summary.add(rejected.value, rejected.index, rejected.problem);
  return {
    kind: 'dead_lettered',
    reason: MAX_RECEIVES_EXCEEDED,
    detail: summary.describe('token value(s)'),
    tokenCount: summary.count,
    fingerprints: summary.fingerprints,
    replay: { body, copyAttributes: true },
  };
}

/**
 * Classifies a DLQ message: parked if its `reason` message attribute is a known reject code (the
 * handler sets it), else if its body is a parked wrapper (`parkedAt`); otherwise a dead-lettered
 * request or unreadable.
 */
export function classifyMessage(message: Pick<Message, 'Body' | 'MessageAttributes'>): ClassifiedMessage {
  const body = message.Body ?? '';
  const json = readJson(body);
  const attribute = message.MessageAttributes?.reason?.StringValue;
  if (isKnownReason(attribute)) {
    // The attribute decides; any JSON object body is read as the wrapper, parkedAt or not.
    return parked(body, json, json.ok && isObject(json.value) ? json.value : undefined, attribute);
  }
  const wrapper = wrapperOf(json);
  if (wrapper !== undefined) {
    return parked(body, json, wrapper, isKnownReason(wrapper.reason) ? wrapper.reason : UNKNOWN_REASON);
  }
  return request(body, json);
}
