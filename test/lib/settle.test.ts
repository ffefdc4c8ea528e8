import { ErrorCategory } from '../../functions/lib/errors';
import { RevocationAction, RevocationPriority } from '../../functions/lib/message';
import type { ParkResult } from '../../functions/lib/park';
import type { MessageRequest } from '../../functions/lib/read-messages';
import type { Outcomes, TokenOutcome } from '../../functions/lib/revoke';
import { apiRejections, settleMessages } from '../../functions/lib/settle';
import { createTelemetry } from '../../functions/lib/telemetry';
import { fingerprint } from '../../functions/lib/tokens';
import { captureOutput } from '../support/lambda';

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

  it('settles a message whose bad input was parked: parked is done, not retried for ever', () => {
    // Prepare: m5's invalid token reached the DLQ, its valid one was confirmed; m6 was unreadable and parked.
    const parked: ParkResult[] = [
      {
        entry: { reason: 'invalid_token', detail: 'x', sourceMessageId: 'm5', tokens: ['a b'] },
        parked: true,
      },
      { entry: { reason: 'body_not_json', detail: 'x', sourceMessageId: 'm6' }, parked: true },
    ];
    // Act
    const { fates, counts } = settleMessages(
      ['m5', 'm6'],
      [request('m5', ['f'])],
      outcomes([['f', { kind: 'confirmed' }]]),
      parked,
      NOW,
    );
    // Assess
    expect(fates).toEqual([
      { messageId: 'm5', fate: 'done', unfinished: 0, categories: [] },
      { messageId: 'm6', fate: 'done', unfinished: 0, categories: [] },
    ]);
    expect(counts).toEqual({ tokensRetried: 0, secondsToRevoke: [30] });
  });

  it('retries only the message whose parking failed, not the others of the batch', () => {
    const parked: ParkResult[] = [
      {
        entry: { reason: 'invalid_token', detail: 'x', sourceMessageId: 'm7' },
        parked: false,
        failure: 'refused',
      },
      { entry: { reason: 'invalid_token', detail: 'x', sourceMessageId: 'm8' }, parked: true },
    ];
    const known = outcomes([
      ['g', { kind: 'confirmed' }],
      ['h', { kind: 'confirmed' }],
    ]);
    const { fates } = settleMessages(
      ['m7', 'm8'],
      [request('m7', ['g']), request('m8', ['h'])],
      known,
      parked,
      NOW,
    );
    expect(fates.map(({ messageId, fate, categories }) => [messageId, fate, categories])).toEqual([
      ['m7', 'retry', [ErrorCategory.Transient]],
      ['m8', 'done', []],
    ]);
  });

  it('counts as unfinished only the failed and unsent tokens, and adds them up over the retried messages', () => {
    // Prepare: of m9's five tokens one failed and one was never sent; m10 has one failed token.
    const requests = [request('m9', ['i', 'j', 'k', 'l', 'n']), request('m10', ['o'])];
    const known = outcomes([
      ['i', { kind: 'confirmed' }],
      ['j', failed],
      ['l', { kind: 'rejected', detail: 'bad_parameter' }],
      ['n', { kind: 'dead', cause: 'compromised' }],
      ['o', { kind: 'failed', category: ErrorCategory.Configuration, errorName: 'access_denied' }],
    ]);
    // Act
    const { fates, counts } = settleMessages(['m9', 'm10'], requests, known, [], NOW);
    // Assess
    expect(fates).toEqual([
      {
        messageId: 'm9',
        fate: 'retry',
        unfinished: 2,
        categories: [ErrorCategory.Throttled, ErrorCategory.Transient],
      },
      { messageId: 'm10', fate: 'retry', unfinished: 1, categories: [ErrorCategory.Configuration] },
    ]);
    expect(counts).toEqual({ tokensRetried: 3, secondsToRevoke: [] });
  });

  it('times a message from SentTimestamp only when a token of it was confirmed or found dead', () => {
    // Prepare: m11 dead and rejected (40 s old), m12 only rejected, m13 without SentTimestamp, m14 sent "after" now.
    const requests = [
      request('m11', ['p', 't'], NOW - 40_000),
      request('m12', ['q']),
      {
        ...request('m13', ['r']),
        message: { messageId: 'm13', body: '', receiveCount: 1, sentAt: undefined },
      },
      request('m14', ['s'], NOW + 5000),
    ];
    const known = outcomes([
      ['p', { kind: 'dead', cause: 'absent' }],
      ['t', { kind: 'rejected', detail: 'bad_parameter' }],
      ['q', { kind: 'rejected', detail: 'bad_parameter' }],
      ['r', { kind: 'confirmed' }],
      ['s', { kind: 'confirmed' }],
    ]);
    // Act
    const { fates, counts } = settleMessages(['m11', 'm12', 'm13', 'm14'], requests, known, [], NOW);
    // Assess: every one is done; the clock skew of m14 counts as 0 s, not as a negative time.
    expect(fates.every((f) => f.fate === 'done')).toBe(true);
    expect(counts).toEqual({ tokensRetried: 0, secondsToRevoke: [40, 0] });
  });
});

describe('apiRejections', () => {
  it('parks the tokens the API rejected one by one, with their message', async () => {
    // Act
    const { result: entries, output } = await captureOutput(async () =>
      apiRejections(
        [request('m1', ['a', 'b', 'x']), request('m2', ['c'])],
        outcomes([
          ['a', { kind: 'confirmed' }],
          ['b', { kind: 'rejected', detail: 'bad_parameter' }],
          ['x', { kind: 'rejected', detail: 'bad_parameter' }],
          ['c', { kind: 'confirmed' }],
        ]),
        logger,
      ),
    );
    // Assess: one entry for m1 only, its tokens and context kept; the log names them by fingerprint.
    expect(entries).toEqual([
      {
        reason: 'rejected_by_api',
        detail: 'the API answered bad_parameter for each of these tokens on its own',
        sourceMessageId: 'm1',
        tokens: ['b', 'x'],
        action: 'invalidate',
        receiveCount: 1,
      },
    ]);
    const logged = output
      .split('\n')
      .filter((line) => line.includes('Tokens rejected by the API'))
      .map((line) => JSON.parse(line));
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'WARN',
        messageId: 'm1',
        fingerprints: [fingerprint('b'), fingerprint('x')],
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
