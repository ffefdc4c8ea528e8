import { type MessageRequest, tokensByAction } from './read-messages';
import { MAX_TOKENS_PER_CALL } from './tokens';

/** Calls a set of requests needs: the unique tokens of each action in calls of 20. */
export function callsFor(requests: readonly MessageRequest[]): number {
  let calls = 0;
  for (const tokens of tokensByAction(requests).values())
    calls += Math.ceil(tokens.length / MAX_TOKENS_PER_CALL);
  return calls;
}

/**
 * The requests (whole messages, in the given order) that fit in `calls`: each is taken when the
 * calls of everything taken so far, with it, still fit. Messages are never split.
 */
export function fitCalls<T extends MessageRequest>(requests: readonly T[], calls: number): T[] {
  const fitting: T[] = [];
  const taken = new Map<MessageRequest['action'], Set<string>>();
  let used = 0;
  for (const request of requests) {
    const tokens = taken.get(request.action) ?? new Set<string>();
    const added = new Set(request.tokens.filter((token) => !tokens.has(token))).size;
    const more =
      Math.ceil((tokens.size + added) / MAX_TOKENS_PER_CALL) - Math.ceil(tokens.size / MAX_TOKENS_PER_CALL);
    if (used + more > calls) continue;
    for (const token of request.tokens) tokens.add(token);
    taken.set(request.action, tokens);
    used += more;
    fitting.push(request);
  }
  return fitting;
}
