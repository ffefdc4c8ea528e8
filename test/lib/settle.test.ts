import { ErrorCategory } from '../../functions/lib/errors';
import { RevocationAction, RevocationPriority } from '../../functions/lib/message';
import type { ParkResult } from '../../functions/lib/park';
import type { MessageRequest } from '../../functions/lib/read-messages';
import type { Outcomes, TokenOutcome } from '../../functions/lib/revoke';
import { apiRejections, settleMessages } from '../../functions/lib/settle';
import { createTelemetry } from '../../functions/lib/telemetry';

const { logger } = createTelemetry({ serviceName: 'settle-test', metricsNamespace: 'SettleTest' });
const NOW = 1_700_000_100_000;
const request = (messageId: string, tokens: string[], sentAt = NOW - 30_000): MessageRequest => ({
  message: { messageId, body: '', receiveCount: 1, sentAt },
  action: RevocationAction.Invalidate,
  priority: RevocationPriority.Routine,
  tokens,
});
const outcomes = (entries: [string, TokenOutcome][]): Outcomes =>
  new Map([[RevocationAction.Invalidate, new Map(entries)]]);
const failed: TokenOutcome = {
  kind: 'failed',
  category: ErrorCategory.Throttled,
  errorName: 'throttle_violation',
};

describe('settleMessages', () => {
  it('settles a message whose tokens are confirmed, dead or parked; retries one with a failed token', () => {
    // Prepare
    const requests = [request('m1', ['a', 'b']), request('m2', ['c', 'd'])];
    const known = outcomes([
      ['a', { kind: 'confirmed' }],
      ['b', { kind: 'dead', cause: 'absent' }],
      ['c', { kind: 'confirmed' }],
      ['d', failed],
    ]);
    // Act
    const { fates, counts } = settleMessages(['m1', 'm2'], requests, known, [], NOW);
    // Assess
    expect(fates).toEqual([
      { messageId: 'm1', fate: 'done', unfinished: 0, categories: [] },
      { messageId: 'm2', fate: 'retry', unfinished: 1, categories: [ErrorCategory.Throttled] },
    ]);
    expect(counts).toEqual({ tokensRetried: 1, secondsToRevoke: [30] });
  });

  it('retries a message whose bad input could not be parked, even with no token to send', () => {
    const parked: ParkResult[] = [
      {
        entry: { reason: 'body_not_json', detail: 'x', sourceMessageId: 'm3' },
        parked: false,
        failure: 'refused',
      },
    ];
    const { fates } = settleMessages(['m3'], [], outcomes([]), parked, NOW);
    expect(fates).toEqual([
      { messageId: 'm3', fate: 'retry', unfinished: 0, categories: [ErrorCategory.Transient] },
    ]);
  });

  it('retries a token that was never sent (no outcome)', () => {
    const { fates } = settleMessages(['m4'], [request('m4', ['e'])], outcomes([]), [], NOW);
    expect(fates[0]).toMatchObject({ fate: 'retry', unfinished: 1 });
  });
});

describe('apiRejections', () => {
  it('parks the tokens the API rejected one by one, with their message', () => {
    const entries = apiRejections(
      [request('m1', ['a', 'b']), request('m2', ['c'])],
      outcomes([
        ['a', { kind: 'confirmed' }],
        ['b', { kind: 'rejected', detail: 'bad_parameter' }],
        ['c', { kind: 'confirmed' }],
      ]),
      logger,
    );
    expect(entries).toEqual([
      expect.objectContaining({
        reason: 'rejected_by_api',
        sourceMessageId: 'm1',
        tokens: ['b'],
        action: 'invalidate',
      }),
    ]);
  });
});

describe('one message breaking a step fails that message alone (security review 2, point 1)', () => {
  /** A request whose tokens cannot be read: every step that looks at them throws for it. */
  const broken = (messageId: string): MessageRequest => ({
    ...request(messageId, []),
    get tokens(): string[] {
      throw new TypeError('tokens unreadable');
    },
  });

  it('settleMessages retries the message it cannot settle and settles the others', () => {
    const known = outcomes([['a', { kind: 'confirmed' }]]);
    const { fates } = settleMessages(['m1', 'm2'], [broken('m1'), request('m2', ['a'])], known, [], NOW);
    expect(fates).toEqual([
      { messageId: 'm1', fate: 'retry', unfinished: 0, categories: [ErrorCategory.Transient] },
      { messageId: 'm2', fate: 'done', unfinished: 0, categories: [] },
    ]);
  });

  it('apiRejections reports the message it cannot prepare and still parks the others', () => {
    const known = outcomes([['r', { kind: 'rejected', detail: 'bad_parameter' }]]);
    const failures: string[] = [];
    const entries = apiRejections([broken('m1'), request('m2', ['r'])], known, logger, (id) =>
      failures.push(id),
    );
    expect(failures).toEqual(['m1']);
    expect(entries.map((entry) => [entry.sourceMessageId, entry.tokens])).toEqual([['m2', ['r']]]);
    expect(() => apiRejections([broken('m1')], known, logger)).toThrow(TypeError);
  });
});
