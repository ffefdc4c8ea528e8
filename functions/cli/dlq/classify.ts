import { parseMessageBody } from '../../lib/message';
import { fingerprint } from '../../lib/tokens';

/**
 * What a dead-letter queue message is:
 * - `parked`: written by the handler (park.ts) for input it will never retry (invalid tokens,
 *   unreadable bodies, tokens the API rejected); redriving it would only park it again;
 * - `dead_lettered`: an original request moved here by SQS after maxReceiveCount failed receives
 *   (the API was down, throttling, misconfigured): worth redriving once the cause is fixed;
 * - `unreadable`: neither (not the contract's format).
 */
export type DlqMessageKind = 'parked' | 'dead_lettered' | 'unreadable';

export interface ClassifiedMessage {
  readonly kind: DlqMessageKind;
  /** The parked reason code, `max_receives_exceeded`, or why the body is unreadable. */
  readonly reason: string;
  readonly detail: string | undefined;
  /** Fingerprints of the message's tokens (all of them for a request; the rejected ones for a parked message). */
  readonly fingerprints: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parkedOf(body: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(body);
    return isObject(json) && typeof json.parkedAt === 'string' && typeof json.reason === 'string'
      ? json
      : undefined;
  } catch {
    return undefined;
  }
}

export function classifyMessage(body: string): ClassifiedMessage {
  const parked = parkedOf(body);
  if (parked !== undefined) {
    const tokens = Array.isArray(parked.tokens) ? parked.tokens : [];
    return {
      kind: 'parked',
      reason: String(parked.reason),
      detail: typeof parked.detail === 'string' ? parked.detail : undefined,
      fingerprints: tokens.map((token) => fingerprint(token)),
    };
  }
  const parsed = parseMessageBody(body);
  if (!parsed.ok)
    return { kind: 'unreadable', reason: parsed.reason, detail: parsed.detail, fingerprints: [] };
  return {
    kind: 'dead_lettered',
    reason: 'max_receives_exceeded',
    detail: undefined,
    fingerprints: [
      ...parsed.tokens.map((token) => fingerprint(token)),
      ...parsed.rejected.map((r) => fingerprint(r.value)),
    ],
  };
}
