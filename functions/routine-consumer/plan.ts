import { RevocationPriority } from '../lib/message';
import type { MessageRequest } from '../lib/read-messages';
import { MAX_TOKENS_PER_CALL } from '../lib/tokens';

/** How one round decides, all times in epoch ms. */
export interface PlanOptions {
  readonly now: number;
  /** When these messages could next go out: the next round of this run, or the next run. */
  readonly nextChanceAt: number;
  readonly maxHoldMs: number;
  readonly maxDeferMs: number;
  /** The daily quota is below the reserve: routine tokens go only in full calls, or after maxDeferMs. */
  readonly belowReserve: boolean;
  /** Tokens there is still time to send in this run. */
  readonly capacityTokens: number;
}

/** Why a message waits: for a fuller call (`hold`), or for quota (`defer`). */
export type WaitReason = 'hold' | 'defer';

export interface RoundPlan {
  /** Messages whose tokens go out now. */
  readonly send: readonly MessageRequest[];
  /** Messages that wait for a later round or run. */
  readonly wait: readonly { readonly request: MessageRequest; readonly reason: WaitReason }[];
}

const sentAtOf = (request: MessageRequest, now: number) => request.message.sentAt ?? now;

/**
 * Chooses which messages go out this round so that every call carries 20 tokens unless a token's
 * time limit says otherwise. A message is due when it cannot wait for the next chance without one of
 * its tokens passing its limit (urgent: none; routine: maxHold, or maxDefer below the quota reserve).
 * Due messages go, oldest first, and the last call is filled with the oldest of the rest; other
 * messages go only in full calls. Whole messages are chosen, so a message is never half sent.
 */
export function planRound(requests: readonly MessageRequest[], options: PlanOptions): RoundPlan {
  const limitOf = (request: MessageRequest) =>
    request.priority === RevocationPriority.Urgent
      ? 0
      : options.belowReserve
        ? options.maxDeferMs
        : options.maxHoldMs;
  const due = (request: MessageRequest) =>
    options.nextChanceAt - sentAtOf(request, options.now) > limitOf(request);
  const send: MessageRequest[] = [];
  const wait: { request: MessageRequest; reason: WaitReason }[] = [];
  let capacity = Math.floor(options.capacityTokens / MAX_TOKENS_PER_CALL) * MAX_TOKENS_PER_CALL;

  for (const action of new Set(requests.map((request) => request.action))) {
    const ordered = requests
      .filter((request) => request.action === action)
      .map((request) => ({ request, due: due(request) }))
      .sort(
        (a, b) =>
          Number(b.due) - Number(a.due) ||
          sentAtOf(a.request, options.now) - sentAtOf(b.request, options.now),
      );
    const unique = (list: typeof ordered) => new Set(list.flatMap(({ request }) => request.tokens)).size;
    const all = unique(ordered);
    const dueCount = unique(ordered.filter((entry) => entry.due));
    const full = Math.floor(all / MAX_TOKENS_PER_CALL) * MAX_TOKENS_PER_CALL;
    const filled = Math.min(all, Math.ceil(dueCount / MAX_TOKENS_PER_CALL) * MAX_TOKENS_PER_CALL);
    const target = Math.min(Math.max(full, filled), Math.max(capacity, 0));

    const chosen: typeof ordered = [];
    const waiting: typeof ordered = [];
    let taken = new Set<string>();
    for (const entry of ordered) {
      const added = entry.request.tokens.filter((token) => !taken.has(token)).length;
      if (taken.size + added <= target || (entry.due && taken.size < target)) {
        for (const token of entry.request.tokens) taken.add(token);
        chosen.push(entry);
      } else waiting.push(entry);
    }
    // Whole messages may not add up to a multiple of 20: with no token at its limit, the newest
    // messages wait rather than go in a partial call.
    while (!chosen.some((entry) => entry.due) && taken.size % MAX_TOKENS_PER_CALL !== 0) {
      waiting.push(chosen.pop() as (typeof chosen)[number]);
      taken = new Set(chosen.flatMap(({ request }) => request.tokens));
    }
    send.push(...chosen.map(({ request }) => request));
    for (const { request } of waiting) {
      const heldForQuota =
        options.belowReserve && options.nextChanceAt - sentAtOf(request, options.now) > options.maxHoldMs;
      wait.push({ request, reason: heldForQuota ? 'defer' : 'hold' });
    }
    capacity -= Math.ceil(taken.size / MAX_TOKENS_PER_CALL) * MAX_TOKENS_PER_CALL;
  }
  return { send, wait };
}
