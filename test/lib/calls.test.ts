import { callsFor, fitCalls } from '../../functions/lib/calls';
import { RevocationAction, RevocationPriority } from '../../functions/lib/message';
import type { MessageRequest } from '../../functions/lib/read-messages';

const request = (
  id: string,
  tokens: readonly string[],
  action: RevocationAction = RevocationAction.Invalidate,
): MessageRequest => ({
  message: { messageId: id, body: '', receiveCount: 1, sentAt: 0 },
  action,
  priority: RevocationPriority.Routine,
  tokens,
});
const tokens = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('callsFor and fitCalls', () => {
  it('counts the unique tokens of each action in calls of 20', () => {
    expect(callsFor([])).toBe(0);
    expect(callsFor([request('a', tokens('t', 20))])).toBe(1);
    expect(callsFor([request('a', tokens('t', 21))])).toBe(2);
    // Duplicates across messages cost nothing; another action needs calls of its own.
    expect(callsFor([request('a', tokens('t', 20)), request('b', tokens('t', 20))])).toBe(1);
    expect(
      callsFor([request('a', tokens('t', 1)), request('b', tokens('t', 1), RevocationAction.Deauthenticate)]),
    ).toBe(2);
  });

  it('takes whole messages in order while their calls fit, skipping one that does not', () => {
    const big = request('big', tokens('b', 45));
    const small = request('small', tokens('s', 10));
    expect(fitCalls([request('a', tokens('a', 15)), big, small], 2).map((r) => r.message.messageId)).toEqual([
      'a',
      'small',
    ]);
    expect(fitCalls([big], 2)).toEqual([]);
    expect(fitCalls([big], 3)).toEqual([big]);
    expect(fitCalls([small, big], 0)).toEqual([]);
  });

  it('agrees with callsFor on what it takes', () => {
    const requests = Array.from({ length: 50 }, (_, i) =>
      request(`m${i}`, tokens(`x${i % 7}-`, 1 + (i % 23))),
    );
    for (const limit of [0, 1, 5, 13, 40]) {
      const fitting = fitCalls(requests, limit);
      expect(callsFor(fitting)).toBeLessThanOrEqual(limit);
    }
  });
});
