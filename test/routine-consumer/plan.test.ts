import fc from 'fast-check';
import { RevocationAction, RevocationPriority } from '../../functions/lib/message';
import type { MessageRequest } from '../../functions/lib/read-messages';
import { type PlanOptions, planRound } from '../../functions/routine-consumer/plan';

const NOW = 1_700_000_000_000;
let id = 0;
const request = (
  ageSeconds: number,
  tokens: string[],
  priority: RevocationPriority = RevocationPriority.Routine,
): MessageRequest => ({
  message: { messageId: `m${++id}`, body: '', receiveCount: 1, sentAt: NOW - ageSeconds * 1000 },
  action: RevocationAction.Invalidate,
  priority,
  tokens,
});
const singles = (count: number, ageSeconds: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => request(ageSeconds, [`${prefix}${i}`]));
const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  now: NOW,
  nextChanceAt: NOW + 10_000,
  maxHoldMs: 60_000,
  maxDeferMs: 900_000,
  belowReserve: false,
  capacityTokens: 10_000,
  ...overrides,
});
const sentTokens = (plan: ReturnType<typeof planRound>) => new Set(plan.send.flatMap((r) => r.tokens)).size;

describe('planRound', () => {
  it('sends only full calls while no token is at its limit', () => {
    const plan = planRound(singles(45, 5, 'a'), options());
    expect(sentTokens(plan)).toBe(40);
    expect(plan.wait).toHaveLength(5);
    expect(plan.wait.every((w) => w.cause === 'hold')).toBe(true);
  });

  it('sends the oldest first', () => {
    const old = singles(5, 40, 'old');
    const plan = planRound([...singles(20, 1, 'new'), ...old], options());
    expect(plan.send.slice(0, 5)).toEqual(old);
  });

  it('sends tokens at their limit and fills their call with the oldest of the rest', () => {
    // 3 due (55 s + 10 s to the next chance > 60 s), 30 fresh: one full call plus one more of 20.
    const plan = planRound([...singles(3, 55, 'due'), ...singles(30, 1, 'fresh')], options());
    expect(sentTokens(plan)).toBe(20);
    expect(plan.send.filter((r) => r.tokens[0]?.startsWith('due'))).toHaveLength(3);
    expect(plan.wait).toHaveLength(13);
  });

  it('sends everything when the rest cannot fill a call', () => {
    const plan = planRound([...singles(2, 55, 'due'), ...singles(5, 1, 'fresh')], options());
    expect(sentTokens(plan)).toBe(7);
    expect(plan.wait).toEqual([]);
  });

  it('sends an urgent request at once', () => {
    const urgent = request(0, ['u'], RevocationPriority.Urgent);
    const plan = planRound([urgent, ...singles(3, 1, 'r')], options());
    expect(plan.send).toEqual(expect.arrayContaining([urgent]));
    expect(sentTokens(plan)).toBe(4);
  });

  it('below the quota reserve, waits up to maxDefer instead of maxHold, and says it deferred', () => {
    const plan = planRound(singles(25, 55, 'old'), options({ belowReserve: true }));
    expect(sentTokens(plan)).toBe(20);
    expect(plan.wait).toHaveLength(5);
    expect(plan.wait.every((w) => w.cause === 'defer')).toBe(true);
    const late = planRound(singles(5, 895, 'late'), options({ belowReserve: true }));
    expect(sentTokens(late)).toBe(5);
  });

  it('never plans more than there is time to send', () => {
    const plan = planRound(singles(100, 70, 'x'), options({ capacityTokens: 45 }));
    expect(sentTokens(plan)).toBe(40);
    expect(plan.wait).toHaveLength(60);
  });

  it('shares the capacity between actions: what the first takes, the next cannot', () => {
    // Prepare: 25 due invalidations (two calls) and 5 due de-authentications.
    const invalidations = singles(25, 70, 'i');
    const deauthentications = singles(5, 70, 'd').map((r) => ({
      ...r,
      action: RevocationAction.Deauthenticate,
    }));
    const requests = [...invalidations, ...deauthentications];
    // Act: time for 45 tokens is two calls; then for 60, three.
    const tight = planRound(requests, options({ capacityTokens: 45 }));
    const roomy = planRound(requests, options({ capacityTokens: 60 }));
    // Assess
    expect(tight.send).toEqual(invalidations);
    expect(tight.wait).toEqual(deauthentications.map((request) => ({ request, cause: 'hold' })));
    expect(roomy.send).toEqual(requests);
  });

  it('below the quota reserve, says a message waits for quota only once it is past maxHold', () => {
    // Prepare: 19 messages (no full call), none due below the reserve (maxDefer 900 s), so all wait:
    // 50 s old (+ 10 s to the next chance = maxHold exactly: held), 51 s old (past maxHold: deferred).
    const atHold = singles(19, 50, 'h');
    const pastHold = singles(19, 51, 'p');
    // Act
    const held = planRound(atHold, options({ belowReserve: true }));
    const later = planRound(pastHold, options({ belowReserve: true }));
    const above = planRound(pastHold, options({ belowReserve: false, maxHoldMs: 120_000 }));
    // Assess
    expect(held.wait.map((w) => w.cause)).toEqual(Array(19).fill('hold'));
    expect(later.wait.map((w) => w.cause)).toEqual(Array(19).fill('defer'));
    expect(above.wait.map((w) => w.cause)).toEqual(Array(19).fill('hold'));
  });

  it('sends a due message whole even past the capacity while a call has room, and holds the next', () => {
    // Prepare: eight due messages of three tokens; time for one call (20 tokens).
    const due = Array.from({ length: 8 }, (_, i) => request(70, [`a${i}`, `b${i}`, `c${i}`]));
    // Act
    const plan = planRound(due, options({ capacityTokens: 20 }));
    // Assess: six fill 18 tokens, the seventh goes whole (21), the eighth waits.
    expect(plan.send).toEqual(due.slice(0, 7));
    expect(plan.wait.map((w) => w.request)).toEqual(due.slice(7));
  });

  it('counts a token two messages carry once', () => {
    // Prepare: 20 tokens, one of them in two messages; none at its limit.
    const twenty = singles(20, 5, 'u');
    const again = request(5, ['u0']);
    // Act
    const plan = planRound([...twenty, again], options());
    // Assess: one full call carries both messages.
    expect(plan.send).toEqual([...twenty, again]);
    expect(plan.wait).toEqual([]);
  });

  it('keeps each action apart', () => {
    const deauth = { ...request(70, ['d']), action: RevocationAction.Deauthenticate };
    const plan = planRound([deauth, ...singles(20, 1, 'i')], options());
    expect(plan.send).toHaveLength(21);
  });

  it('holds whole messages back rather than send a partial call when none is at its limit', () => {
    const threes = Array.from({ length: 7 }, (_, i) => request(5, [`a${i}`, `b${i}`, `c${i}`]));
    const plan = planRound(threes, options());
    expect(sentTokens(plan)).toBe(0);
    expect(plan.wait).toHaveLength(7);
  });

  it('property: every message is sent or waits; due ones are sent; non-due ones go only in full calls', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ age: fc.integer({ min: 0, max: 120 }), count: fc.integer({ min: 1, max: 3 }) }),
          { maxLength: 80 },
        ),
        fc.boolean(),
        (shapes, belowReserve) => {
          const requests = shapes.map((shape, index) =>
            request(
              shape.age,
              Array.from({ length: shape.count }, (_, k) => `t${index}-${k}`),
            ),
          );
          const o = options({ belowReserve });
          const plan = planRound(requests, o);
          const limit = belowReserve ? o.maxDeferMs : o.maxHoldMs;
          const isDue = (r: MessageRequest) => o.nextChanceAt - (r.message.sentAt ?? NOW) > limit;
          expect(plan.send.length + plan.wait.length).toBe(requests.length);
          for (const { request: waiting } of plan.wait) expect(isDue(waiting)).toBe(false);
          if (!plan.send.some(isDue)) expect(sentTokens(plan) % 20).toBe(0);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
