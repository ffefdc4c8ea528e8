import { MAX_TOKENS_PER_MESSAGE, ParkReason } from '../../functions/lib/message';
import type { QueuedMessage } from '../../functions/lib/queued-message';
import { readMessages, tokensByAction } from '../../functions/lib/read-messages';
import { createTelemetry } from '../../functions/lib/telemetry';
import { captureOutput } from '../support/lambda';

const { logger } = createTelemetry({ serviceName: 'read-test', metricsNamespace: 'ReadTest' });
let id = 0;
const message = (body: string | object): QueuedMessage => ({
  messageId: `m${++id}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  receiveCount: 1,
  sentAt: 1_700_000_000_000,
});

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
});

describe('tokensByAction', () => {
  it('collects unique tokens per action across messages', () => {
    const { requests } = readMessages(
      [
        message({ tokens: ['a', 'b'] }),
        message({ tokens: ['b', 'c'] }),
        message({ token: 'a', action: 'deauthenticate' }),
      ],
      logger,
    );
    expect(tokensByAction(requests)).toEqual(
      new Map([
        ['invalidate', ['a', 'b', 'c']],
        ['deauthenticate', ['a']],
      ]),
    );
  });
});
