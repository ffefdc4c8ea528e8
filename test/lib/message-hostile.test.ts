import fc from 'fast-check';
import {
  MAX_ENVELOPE_DEPTH,
  MAX_TOKENS_PER_MESSAGE,
  ParkReason,
  parseMessageBody,
} from '../../functions/lib/message';
import { type ParkResult, parkedBody } from '../../functions/lib/park';
import { parkingKey } from '../../functions/lib/parked-message';
import { readMessages } from '../../functions/lib/read-messages';
import { stringifyJson } from '../../functions/lib/stringify';
import { countParking, createTelemetry } from '../../functions/lib/telemetry';
import { fingerprint } from '../../functions/lib/tokens';
import { hostileBody, hostileShape, nestedText, poisonBody } from '../support/hostile-bodies';
import { captureOutput } from '../support/lambda';

const { logger } = createTelemetry({ serviceName: 'hostile-test', metricsNamespace: 'HostileTest' });

const sns = (inner: unknown) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'm',
    TopicArn: 'arn:aws:sns:x',
    Message: JSON.stringify(inner),
  });
const eventBridge = (detail: unknown) =>
  JSON.stringify({ version: '0', 'detail-type': 'TokenRevocationRequested', source: 'app', detail });

describe('parseMessageBody against hostile input (security review)', () => {
  describe('quotes nothing it read', () => {
    it.each([
      ['an unquoted token after a colon', '{"token":"a","x":PARTIALLEAK_AAAA1111}'],
      ['an unterminated string', '{"tokens":["PARTIALLEAK_AAAA1111'],
      ['a token as a bare word', 'PARTIALLEAK_AAAA1111'],
      [
        'a token inside an SNS Message that is not JSON',
        JSON.stringify({ Type: 'Notification', Message: 'x PARTIALLEAK_AAAA1111' }),
      ],
    ])('%s: the detail names the position and length only', (_, body) => {
      // Act
      const parsed = parseMessageBody(body);
      // Assess
      expect(parsed).toMatchObject({ ok: false, reason: ParkReason.BodyNotJson });
      const detail = parsed.ok ? '' : parsed.detail;
      expect(detail).toMatch(/characters/);
      for (let length = 4; length <= 'PARTIALLEAK_AAAA1111'.length; length++) {
        for (let start = 0; start + length <= 20; start++) {
          expect(detail).not.toContain('PARTIALLEAK_AAAA1111'.slice(start, start + length));
        }
      }
    });

    it('reports the length, and the position where the JSON parser gives one', () => {
      expect(parseMessageBody('{"token":"a","x":SECRETTOKEN1}')).toMatchObject({
        detail: expect.stringMatching(
          /^the body is not JSON( \(syntax error at character \d+\))?; it has 30 characters$/,
        ),
      });
      expect(parseMessageBody('{"tokens":["a"]} x')).toMatchObject({
        detail: expect.stringMatching(
          /^the body is not JSON( \(syntax error at character 18\))?; it has 18 characters$/,
        ),
      });
    });

    it('never echoes an unknown action (a token put in the wrong field)', () => {
      const parsed = parseMessageBody('{"token":"abc","action":"5bcPtLjiyuySD7WeKSo3Mw))"}');
      expect(parsed).toEqual({
        ok: false,
        reason: ParkReason.UnknownAction,
        detail: 'action: expected "invalidate" or "deauthenticate", got a string of 24 characters',
      });
    });

    it('never echoes an ignored field', () => {
      const parsed = parseMessageBody(JSON.stringify({ token: 'abc', priority: 'SECRETTOKEN1' }));
      expect(JSON.stringify(parsed.ok && parsed.warnings)).not.toContain('SECRETTOKEN1');
    });
  });

  describe('a poison pill', () => {
    it(`reads at most ${MAX_TOKENS_PER_MESSAGE} tokens of a 246 KB message and hands back the rest unread`, () => {
      // Prepare: ~123,000 tokens, the size that broke `push(...tokens)`.
      const tokens = Array.from({ length: 123_000 }, (_, i) => `t${i}`);
      // Act
      const parsed = parseMessageBody(JSON.stringify({ tokens }));
      // Assess
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.tokens).toHaveLength(MAX_TOKENS_PER_MESSAGE);
      expect(parsed.excess).toHaveLength(123_000 - MAX_TOKENS_PER_MESSAGE);
      expect(parsed.excess[0]).toBe(`t${MAX_TOKENS_PER_MESSAGE}`);
    });
  });

  describe('envelopes', () => {
    const request = { tokens: ['abc'], reason: 'logout' };
    it.each([
      ['SNS to SQS', sns(request), ['sns']],
      ['EventBridge to SQS', eventBridge(request), ['eventbridge']],
      ['EventBridge to SNS to SQS', sns(JSON.parse(eventBridge(request))), ['sns', 'eventbridge']],
      ['SNS in SNS', sns(JSON.parse(sns(request))), ['sns', 'sns']],
      ['SNS in SNS in SNS', sns(JSON.parse(sns(JSON.parse(sns(request))))), ['sns', 'sns', 'sns']],
    ])('unwraps %s', (_, body, envelopes) => {
      expect(parseMessageBody(body)).toMatchObject({ ok: true, tokens: ['abc'], envelopes });
    });

    it(`parks more than ${MAX_ENVELOPE_DEPTH} envelopes as invalid, saying how deep`, () => {
      const body = sns(JSON.parse(sns(JSON.parse(sns(JSON.parse(sns(request)))))));
      expect(parseMessageBody(body)).toEqual({
        ok: false,
        reason: ParkReason.InvalidMessage,
        detail: 'more than 3 envelopes (sns > sns > sns > sns)',
      });
    });

    const key = parkingKey('parking-key-for-tests-0123456789abcdef', 'test');
    const sealed = (entry: Parameters<typeof parkedBody>[0]) => parkedBody(entry, new Date(), key);

    it('takes a sealed parked message sent back as it is for its original request, not an EventBridge event', () => {
      // Prepare: what a DLQ move task sends back: the parked wrapper, whose `detail` is a string.
      const unreadable = sealed({
        reason: ParkReason.BodyNotJson,
        detail: 'the body is not JSON',
        sourceMessageId: 'm1',
        body: '{"token":"abc"}',
      });
      const rejected = sealed({
        reason: ParkReason.RejectedByApi,
        detail: 'the API answered bad_parameter',
        sourceMessageId: 'm2',
        tokens: ['def', 'ghi'],
        action: 'deauthenticate',
      });
      // Act / Assess
      expect(parseMessageBody(unreadable, { parkingKey: key })).toMatchObject({
        ok: true,
        tokens: ['abc'],
        envelopes: ['parked'],
      });
      expect(parseMessageBody(rejected, { parkingKey: key })).toMatchObject({
        ok: true,
        tokens: ['def', 'ghi'],
        action: 'deauthenticate',
        envelopes: ['parked'],
      });
    });

    it('keeps the original reason of a sealed parked message whose body is still unreadable', () => {
      const parked = sealed({
        reason: ParkReason.BodyNotJson,
        detail: 'x',
        sourceMessageId: 'm',
        body: 'garbage',
      });
      expect(parseMessageBody(parked, { parkingKey: key })).toMatchObject({
        ok: false,
        reason: ParkReason.BodyNotJson,
      });
    });

    it('never unwraps a parked-looking body without a valid seal (security review 2, point 2)', () => {
      // Prepare: a producer's forged wrapper holding a deauthenticate request, unsealed, sealed with
      // another key, and a genuine seal over different content.
      const forged = {
        parkedAt: '2026-01-01T00:00:00.000Z',
        reason: ParkReason.InvalidMessage,
        sourceMessageId: 'm',
        body: JSON.stringify({ tokens: ['victim1'], action: 'deauthenticate' }),
      };
      const otherKey = parkingKey('another-parking-key-0123456789abcdef', 'test');
      const tampered = JSON.parse(
        sealed({ reason: ParkReason.NoTokens, detail: 'd', sourceMessageId: 'm', body: '{}' }),
      );
      tampered.body = forged.body;
      // Act / Assess: read as a plain object, which holds no tokens.
      for (const body of [
        JSON.stringify(forged),
        parkedBody({ ...forged, detail: 'd' }, new Date(), otherKey),
        JSON.stringify(tampered),
      ]) {
        expect(parseMessageBody(body, { parkingKey: key })).toMatchObject({
          ok: false,
          reason: ParkReason.NoTokens,
        });
      }
      expect(parseMessageBody(sealed({ ...forged, detail: 'd' }))).toMatchObject({
        ok: false,
        reason: ParkReason.NoTokens,
      });
    });
  });

  describe('depth, width and size (security review 2, point 1)', () => {
    /** Reads, logs, parks (writes each parked body) and counts a message, as both lanes do. */
    const readAndPark = (body: string) => {
      const read = readMessages([{ messageId: 'hostile', body, receiveCount: 1, sentAt: 0 }], logger);
      const bodies = read.toPark.map((entry) => parkedBody(entry));
      const results: ParkResult[] = read.toPark.map((entry) => ({ entry, parked: true }));
      return { read, bodies, counts: countParking(results) };
    };

    it.each([
      ['a 6,000-deep array', 'array', 6000],
      ['a 6,000-deep object', 'object', 6000],
      ['a 100,000-deep array', 'array', 100_000],
    ] as const)(
      'the 19 KB message (1,000 tokens, then %s) reads its tokens and parks the rest',
      async (_, shape, depth) => {
        // Prepare
        const body = poisonBody({ shape, depth });
        // Act
        const { result, error } = await captureOutput(async () => readAndPark(body));
        // Assess
        expect(error).toBeUndefined();
        expect(result?.read.requests[0]?.tokens).toHaveLength(1000);
        expect(result?.read.toPark.map((entry) => entry.reason)).toEqual([ParkReason.TooManyTokens]);
        const parked = JSON.parse(result?.bodies[0] ?? '{}') as { tokens: unknown[] };
        expect(stringifyJson(parked.tokens)).toBe(`[${nestedText(depth, shape)}]`);
        expect(result?.counts).toMatchObject({ messagesParked: 1, tokensParked: 1 });
      },
    );

    it('a deep value among the first 1,000 is rejected, fingerprinted and parked, the valid tokens kept', async () => {
      const body = `{"tokens":["keep1",${nestedText(100_000, 'object')},"keep2"]}`;
      const { result, error, output } = await captureOutput(async () => readAndPark(body));
      expect(error).toBeUndefined();
      expect(result?.read.requests[0]?.tokens).toEqual(['keep1', 'keep2']);
      expect(result?.read.toPark[0]).toMatchObject({ reason: ParkReason.InvalidToken });
      expect(output).toContain(fingerprint(JSON.parse(nestedText(100_000, 'object'))));
    });

    it('any depth (to 100,000), width or size, anywhere in a message: nothing throws, every value is kept', async () => {
      await fc.assert(
        fc.asyncProperty(hostileShape, async (hostile) => {
          // Prepare
          const body = hostileBody(hostile, ['valid1', 'valid2']);
          // Act
          const { result, error } = await captureOutput(async () => {
            parseMessageBody(body);
            return readAndPark(body);
          });
          // Assess: no throw; each parked body is JSON again; the valid tokens are read unless the
          // message as a whole is unreadable (then its body is parked whole).
          expect(error).toBeUndefined();
          for (const parked of result?.bodies ?? []) expect(() => JSON.parse(parked)).not.toThrow();
          const request = result?.read.requests[0];
          if (request === undefined) {
            expect(result?.read.toPark.map((entry) => entry.body)).toEqual([body]);
          } else if (hostile.placement !== 'body') {
            expect(request.tokens).toEqual(expect.arrayContaining(['valid1', 'valid2']));
          }
        }),
        { numRuns: 60, seed: 20261203 },
      );
    }, 120_000);
  });
});
