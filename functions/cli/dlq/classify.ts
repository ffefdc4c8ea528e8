import type { Message } from '@aws-sdk/client-sqs';
import {
  MAX_TOKENS_PER_MESSAGE,
  ParkReason,
  type ParsedMessage,
  parseMessageBody,
  type RevocationAction,
} from '../../lib/message';
import { isSealedParked, type ParkingKey, parkedLane } from '../../lib/parked-message';
import { stringifyJson } from '../../lib/stringify';
import type { Lane } from '../../lib/telemetry-names';
import { fingerprint } from '../../lib/tokens';
import { jsonErrorOffset } from './json-error-offset';

/**
 * What a dead-letter queue message is:
 * - `parked`: written by a function (park.ts) for input it will never retry (invalid tokens,
 *   unreadable bodies, tokens the API rejected), and sealed with the parking key: without the key,
 *   or with a seal that does not verify, nothing is taken for parked (parked-message.ts);
 * - `dead_lettered`: a request moved here by SQS after maxReceiveCount failed receives (the API was
 *   down, throttling, misconfigured), or an EventBridge or SNS delivery that failed: worth redriving
 *   once the cause is fixed;
 * - `unreadable`: neither (not a request the functions would read);
 * - `unsealed`: a message in the parked queue without a valid seal. Only the functions write there,
 *   so it was sent by someone else (or sealed with another key): reported, never trusted, never redriven.
 *
 * Each message also says what `dlq redrive` would send for it (`replay`): a request the functions read
 * exactly as listed here (the same action and token fingerprints: both read it with
 * `parseMessageBody` and the same key), or why nothing can be sent.
 *
 * Whatever a body holds, classifying it never throws, and nothing it returns quotes the body: a
 * body may hold tokens (anywhere, in any field) and terminal escape sequences. The reason is a known
 * code or `unknown`; the detail gives sizes, types, positions and problem codes only.
 */
export type DlqMessageKind = 'parked' | 'dead_lettered' | 'unreadable' | 'unsealed';

/** Which queue a message was read from: the dead-letter queue (SQS's redrive target) or the parked queue. */
export type DlqSource = 'dead_letter' | 'parked';

/** The reason of a message in the parked queue without a valid seal. */
export const NO_VALID_SEAL = 'no_valid_seal';

/** The reason of a dead-lettered request. */
export const MAX_RECEIVES_EXCEEDED = 'max_receives_exceeded';
/** The reason shown for a parked message whose reason is not one of the known codes. */
export const UNKNOWN_REASON = 'unknown';
/** Fingerprints listed per message at most (`tokenCount` counts them all). */
export const MAX_FINGERPRINTS = 1000;
/** Invalid values described per message at most. */
const MAX_PROBLEMS = 5;

/** What `dlq redrive` sends back (the body, as it is), or why it will not. */
export type Replay = { readonly body: string } | { readonly problem: string };

export interface ClassifiedMessage {
  readonly kind: DlqMessageKind;
  /** A ParkReason code, `max_receives_exceeded`, or `unknown`. */
  readonly reason: string;
  /** What the content is: sizes, types, positions and problem codes, never a value or a parser message. */
  readonly detail: string;
  /** Token values of the request redrive would send (valid ones first, then those it would park again). */
  readonly tokenCount: number;
  /** Fingerprints of the first MAX_FINGERPRINTS of them. */
  readonly fingerprints: readonly string[];
  /** The action of that request, when there is one. */
  readonly action?: RevocationAction;
  readonly replay: Replay;
  /** The lane a sealed parked message records (messages sealed before lanes were recorded have none). */
  readonly parkedLane?: Lane;
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

/** What a request body would do if sent: its summary, or why it cannot be sent. */
function requestOf(
  body: string,
  key: ParkingKey | undefined,
): { parsed: Extract<ParsedMessage, { ok: true }>; summary: TokenSummary } | { reason: ParkReason } {
  let parsed: ParsedMessage;
  try {
    parsed = parseMessageBody(body, { parkingKey: key });
  } catch {
    return { reason: ParkReason.InvalidMessage };
  }
  if (!parsed.ok) return { reason: isKnownReason(parsed.reason) ? parsed.reason : ParkReason.InvalidMessage };
  const summary = new TokenSummary();
  for (const token of parsed.tokens) summary.add(token, -1);
  for (const rejected of parsed.rejected) summary.add(rejected.value, rejected.index, rejected.problem);
  for (let offset = 0; offset < parsed.excess.length; offset++) {
    summary.add(parsed.excess[offset], MAX_TOKENS_PER_MESSAGE + offset, 'past the per-message limit');
  }
  return { parsed, summary };
}

/** The request a parked message stands for: its original body, or its parked values (with their action) as a request. */
function originalRequest(wrapper: Record<string, unknown>): string | undefined {
  if (typeof wrapper.body === 'string') return wrapper.body;
  if (!Array.isArray(wrapper.tokens) || wrapper.tokens.length === 0) return undefined;
  return stringifyJson({
    tokens: wrapper.tokens,
    ...(wrapper.action === undefined ? {} : { action: wrapper.action }),
  });
}

/** A sealed parked message: its reason, its parked values, and the request it stands for. */
function parked(wrapper: Record<string, unknown>, key: ParkingKey): ClassifiedMessage {
  const reason = isKnownReason(wrapper.reason) ? wrapper.reason : UNKNOWN_REASON;
  const parts: string[] = [];
  if (Array.isArray(wrapper.tokens)) parts.push(`${wrapper.tokens.length} parked value(s)`);
  if (typeof wrapper.body === 'string') parts.push(describeBody('original body', wrapper.body));
  const original = originalRequest(wrapper);
  const lane = parkedLane(wrapper);
  const withLane = (classified: ClassifiedMessage): ClassifiedMessage =>
    lane === undefined ? classified : { ...classified, parkedLane: lane };
  if (original === undefined) {
    return withLane({
      kind: 'parked',
      reason,
      detail: parts.join('; ') || 'holds neither an original body nor parked values',
      tokenCount: 0,
      fingerprints: [],
      replay: { problem: 'it holds neither the original body nor parked values' },
    });
  }
  return withLane(withRequest('parked', reason, parts, original, key));
}

/** The listing of a message whose request is `candidate`: what redrive would send, and the functions would read. */
function withRequest(
  kind: 'parked' | 'dead_lettered',
  reason: string,
  parts: string[],
  candidate: string,
  key: ParkingKey | undefined,
): ClassifiedMessage {
  const request = requestOf(candidate, key);
  if ('reason' in request) {
    return {
      kind: kind === 'parked' ? 'parked' : 'unreadable',
      reason: kind === 'parked' ? reason : request.reason,
      detail: (kind === 'parked' && parts.length > 0
        ? parts
        : [...parts, describeBody('body', candidate)]
      ).join('; '),
      tokenCount: 0,
      fingerprints: [],
      replay: { problem: `its request would be parked again (${request.reason})` },
    };
  }
  const { parsed, summary } = request;
  const detail = [...parts, `${parsed.action}: ${summary.describe('token value(s)')}`].join('; ');
  const base = { kind, reason, detail, tokenCount: summary.count, fingerprints: summary.fingerprints };
  if (parsed.tokens.length === 0) {
    return {
      ...base,
      action: parsed.action,
      replay: { problem: 'its request holds no valid token: it would be parked again' },
    };
  }
  return { ...base, action: parsed.action, replay: { body: candidate } };
}

/** A body that looks like a parked message (a `parkedAt` string) but carries no valid seal. */
function looksParked(json: Json): boolean {
  return json.ok && isObject(json.value) && typeof json.value.parkedAt === 'string';
}

/** A message of the parked queue without a valid seal: reported, never trusted. */
function unsealed(body: string, json: Json, key: ParkingKey | undefined): ClassifiedMessage {
  return {
    kind: 'unsealed',
    reason: NO_VALID_SEAL,
    detail: `${key === undefined ? 'no parking key was given to check its seal' : 'carries no valid seal'}; ${describeBody('body', body, json)}`,
    tokenCount: 0,
    fingerprints: [],
    replay: { problem: 'it is in the parked queue without a valid seal: not trusted' },
  };
}

/**
 * Classifies a message by its queue and its body (message attributes are the producer's to set, and
 * SQS keeps them when it moves a message): parked if it is a wrapper sealed with `key`. In the parked
 * queue anything else is `unsealed`; in the dead-letter queue (which also holds messages parked by
 * older deployments) it is a request (dead-lettered) if the functions would read one from it, else
 * unreadable.
 */
export function classifyMessage(
  message: Pick<Message, 'Body'>,
  key: ParkingKey | undefined,
  source: DlqSource = 'dead_letter',
): ClassifiedMessage {
  const body = message.Body ?? '';
  const json = readJson(body);
  if (json.ok && isObject(json.value) && isSealedParked(json.value, key) && key !== undefined) {
    return parked(json.value, key);
  }
  if (source === 'parked') return unsealed(body, json, key);
  const parts = looksParked(json)
    ? [
        key === undefined
          ? 'looks parked, but no parking key was given to check its seal'
          : 'looks parked, but carries no valid seal',
      ]
    : [];
  if (!json.ok) {
    return {
      kind: 'unreadable',
      reason: ParkReason.BodyNotJson,
      detail: describeBody('body', body, json),
      tokenCount: 0,
      fingerprints: [],
      replay: { problem: `its request would be parked again (${ParkReason.BodyNotJson})` },
    };
  }
  return withRequest('dead_lettered', MAX_RECEIVES_EXCEEDED, parts, body, key);
}
