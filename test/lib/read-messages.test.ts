import { MAX_TOKENS_PER_MESSAGE, ParkReason } from '../../functions/lib/message';
import type { QueuedMessage } from '../../functions/lib/queued-message';
import { readMessages, type StepLogger, tokensByAction } from '../../functions/lib/read-messages';
import { createTelemetry } from '../../functions/lib/telemetry';
import { fingerprint } from '../../functions/lib/tokens';
import { captureOutput } from '../support/lambda';

const { logger } = createTelemetry({ serviceName: 'read-test', metricsNamespace: 'ReadTest' });
let id = 0;
const message = (body: string | object): QueuedMessage => ({
  messageId: `m${++id}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  receiveCount: 1,
  sentAt: 1_700_000_000_000,
});

/** A logger that keeps what it was given (level, message, attributes); `failOn` makes `warn` throw. */
function recordingLogger(failOn?: { messageId: string; error: unknown }) {
  const lines: { level: string; message: unknown; attributes: unknown }[] = [];
  const record =
    (level: string) =>
    (message: unknown, ...extra: unknown[]) => {
      const attributes = extra[0];
      const about = (attributes as { messageId?: string } | undefined)?.messageId;
      if (level === 'warn' && failOn !== undefined && about === failOn.messageId) throw failOn.error;
      lines.push({ level, message, attributes });
    };
  const logger: StepLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return { logger, lines };
}

describe('readMessages', () => {
  it('reads each message on its own: requests to revoke, bad input to park', async () => {
    // Prepare
    const messages = [
      message({ tokens: ['a1', 'bad token', 'a2'] }),
      message('garbage'),
      message({ token: 'b1', action: 'deauthenticate' }),
    ];
    // Act
    const { result, output } = await captureOutput(async () => readMessages(messages, logger));
    // Assess
    expect(result?.requests.map((r) => [r.message.messageId, r.action, r.tokens])).toEqual([
      [messages[0]?.messageId, 'invalidate', ['a1', 'a2']],
      [messages[2]?.messageId, 'deauthenticate', ['b1']],
    ]);
    expect(result?.toPark.map((e) => [e.sourceMessageId, e.reason])).toEqual([
      [messages[0]?.messageId, ParkReason.InvalidToken],
      [messages[1]?.messageId, ParkReason.BodyNotJson],
    ]);
    expect(output).toContain('"message":"Invalid tokens rejected"');
    expect(output).not.toContain('bad token');
  });

  it('parks tokens past the per-message limit in requests of the limit, saying which values they were', () => {
    const values = Array.from({ length: MAX_TOKENS_PER_MESSAGE * 2 + 5 }, (_, i) => `t${i}`);
    const { requests, toPark } = readMessages([message({ tokens: values })], logger);
    expect(requests[0]?.tokens).toHaveLength(MAX_TOKENS_PER_MESSAGE);
    expect(toPark.map((e) => [e.reason, e.tokens?.length])).toEqual([
      [ParkReason.TooManyTokens, MAX_TOKENS_PER_MESSAGE],
      [ParkReason.TooManyTokens, 5],
    ]);
    expect(toPark[1]?.detail).toMatch(/^values 2001 to 2005 of 2005: /);
  });

  it('says which values of the message each part of the excess holds, and logs the limit and total once', () => {
    // Prepare
    const values = Array.from({ length: MAX_TOKENS_PER_MESSAGE * 2 + 5 }, (_, i) => `t${i}`);
    const source = { ...message({ tokens: values, action: 'deauthenticate' }), receiveCount: 3 };
    const { logger, lines } = recordingLogger();
    // Act
    const { requests, toPark } = readMessages([source], logger);
    // Assess
    expect(requests[0]?.tokens).toEqual(values.slice(0, MAX_TOKENS_PER_MESSAGE));
    expect(toPark[0]).toEqual({
      reason: ParkReason.TooManyTokens,
      detail: `values 1001 to 2000 of 2005: a message carries at most ${MAX_TOKENS_PER_MESSAGE} tokens; these were not read (replay them as their own request)`,
      sourceMessageId: source.messageId,
      tokens: values.slice(MAX_TOKENS_PER_MESSAGE, MAX_TOKENS_PER_MESSAGE * 2),
      action: 'deauthenticate',
      receiveCount: 3,
    });
    expect(toPark[1]?.tokens).toEqual(values.slice(MAX_TOKENS_PER_MESSAGE * 2));
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'Tokens over the per-message limit parked unread',
        attributes: { messageId: source.messageId, limit: MAX_TOKENS_PER_MESSAGE, total: 2005 },
      },
    ]);
  });

  it('parks the invalid tokens of a message with their values, positions and problems, logging fingerprints only', () => {
    // Prepare
    const source = {
      ...message({ tokens: ['ok1', 'a b', 'ok2', ''], action: 'deauthenticate' }),
      receiveCount: 2,
    };
    const { logger, lines } = recordingLogger();
    // Act
    const { requests, toPark } = readMessages([source], logger);
    // Assess
    expect(requests.map((r) => r.tokens)).toEqual([['ok1', 'ok2']]);
    const problems = [
      {
        index: 1,
        problem: 'bad_character',
        detail: 'tokens[1]: character 2 is not one of A-Z a-z 0-9 * ( ) _ -',
      },
      { index: 3, problem: 'empty', detail: 'tokens[3]: the token is empty' },
    ];
    expect(toPark).toEqual([
      {
        reason: ParkReason.InvalidToken,
        detail: problems.map((p) => p.detail).join('; '),
        sourceMessageId: source.messageId,
        tokens: ['a b', ''],
        problems,
        action: 'deauthenticate',
        receiveCount: 2,
      },
    ]);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'Invalid tokens rejected',
        attributes: {
          messageId: source.messageId,
          fingerprints: [fingerprint('a b'), fingerprint('')],
          problems: problems.map((p) => p.detail),
        },
      },
    ]);
  });

  it('parks an unreadable message whole, with its body and receive count, and logs why once', () => {
    const source = { ...message('{"tokens": 42}'), receiveCount: 4 };
    const { logger, lines } = recordingLogger();
    const { requests, toPark } = readMessages([source], logger);
    expect(requests).toEqual([]);
    const detail = 'tokens: expected an array of strings, got a number';
    expect(toPark).toEqual([
      {
        reason: ParkReason.InvalidMessage,
        detail,
        sourceMessageId: source.messageId,
        body: source.body,
        receiveCount: 4,
      },
    ]);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'Message rejected',
        attributes: { messageId: source.messageId, reason: ParkReason.InvalidMessage, detail },
      },
    ]);
  });

  it('logs each ignored field of a message, and still reads it', () => {
    const source = message({ token: 'w1', priority: 'soon', reason: 42 });
    const { logger, lines } = recordingLogger();
    const { requests, toPark } = readMessages([source], logger);
    expect(requests.map((r) => [r.tokens, r.priority])).toEqual([[['w1'], 'routine']]);
    expect(toPark).toEqual([]);
    expect(lines.map((l) => [l.level, l.message, (l.attributes as { messageId: string }).messageId])).toEqual(
      [
        ['warn', 'Message field ignored', source.messageId],
        ['warn', 'Message field ignored', source.messageId],
      ],
    );
    expect(lines.map((l) => (l.attributes as { warning: string }).warning)).toEqual([
      expect.stringMatching(/^priority: /),
      expect.stringMatching(/^reason: /),
    ]);
  });

  it.each([[new TypeError('boom')], ['a thrown string']])(
    'a logger that throws (%p) breaks no message: every one is read, none parked',
    (thrown) => {
      // Prepare: the logger throws while the second message is read (its warning about the priority).
      const messages = [
        message({ token: 'x1' }),
        message({ token: 'x2', priority: 'soon' }),
        message({ token: 'x3' }),
      ];
      const broken = { ...messages[1], receiveCount: 5 } as QueuedMessage;
      const { logger } = recordingLogger({ messageId: broken.messageId, error: thrown });
      // Act
      const { requests, toPark } = readMessages(
        [messages[0] as QueuedMessage, broken, messages[2] as QueuedMessage],
        logger,
      );
      // Assess: logging is best effort (quietLogger); the request is read as if the line had been written.
      expect(requests.map((r) => r.tokens)).toEqual([['x1'], ['x2'], ['x3']]);
      expect(toPark).toEqual([]);
    },
  );
});

describe('tokensByAction', () => {
  it('collects unique tokens per action across messages', () => {
    const { requests } = readMessages(
      [
        message({ tokens: ['a', 'b'] }),
        message({ tokens: ['b', 'c'] }),
        message({ token: 'a', action: 'deauthenticate' }),
        message({ tokens: ['c', 'd'], action: 'invalidate' }),
      ],
      logger,
    );
    expect(tokensByAction(requests)).toEqual(
      new Map([
        ['invalidate', ['a', 'b', 'c', 'd']],
        ['deauthenticate', ['a']],
      ]),
    );
  });
});
