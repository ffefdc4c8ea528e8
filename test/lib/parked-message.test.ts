import fc from 'fast-check';
import { ConfigurationError } from '../../functions/lib/errors';
import { laneParker, parkedBody, sqsParker } from '../../functions/lib/park';
import { isSealedParked, parkedLane, parkingKey, sealParked } from '../../functions/lib/parked-message';
import { drainQueue } from '../revoke-tokens/harness';
import { nestedText } from '../support/hostile-bodies';
import { useLocalServers } from '../support/servers';

const key = parkingKey('parking-key-for-tests-0123456789abcdef', 'test');
const other = parkingKey('other-parking-key-for-tests-0123456789', 'test');

describe('sealed parked messages', () => {
  it('a sealed wrapper verifies with its key only, whatever its fields (any JSON, any depth)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (fields) => {
        const body = sealParked(fields, key);
        const parsed = JSON.parse(body) as Record<string, unknown>;
        expect(isSealedParked(parsed, key)).toBe(true);
        expect(isSealedParked(parsed, other)).toBe(false);
        expect(isSealedParked(parsed, undefined)).toBe(false);
      }),
      { numRuns: 200 },
    );
    const deep = JSON.parse(sealParked({ tokens: [JSON.parse(nestedText(100_000, 'array'))] }, key));
    expect(isSealedParked(deep, key)).toBe(true);
  });

  it('any change to a field, a field added or removed, or a bad mac breaks the seal', () => {
    const sealed = JSON.parse(sealParked({ reason: 'no_tokens', body: '{}', tokens: ['a'] }, key));
    const variants = [
      { ...sealed, body: '{"tokens":["victim"]}' },
      { ...sealed, action: 'deauthenticate' },
      (({ tokens: _t, ...rest }) => rest)(sealed),
      { ...sealed, mac: 'f'.repeat(64) },
      { ...sealed, mac: sealed.mac.toUpperCase() },
      { ...sealed, mac: 42 },
    ];
    for (const variant of variants) expect(isSealedParked(variant, key)).toBe(false);
    expect(JSON.parse(sealParked({ reason: 'x' }, undefined))).toEqual({ reason: 'x' });
  });

  it('records the lane under the seal; messages sealed before lanes were recorded still verify', () => {
    // Prepare
    const entry = { reason: 'invalid_token', detail: 'd', sourceMessageId: 'm1', tokens: ['t'] } as const;
    const withLane = JSON.parse(parkedBody({ ...entry, lane: 'urgent' }, new Date(0), key));
    const before = JSON.parse(parkedBody(entry, new Date(0), key));
    // Assess
    expect(isSealedParked(withLane, key)).toBe(true);
    expect(parkedLane(withLane)).toBe('urgent');
    expect(isSealedParked(before, key)).toBe(true);
    expect(parkedLane(before)).toBeUndefined();
    // Changing the lane, or adding one to an old message, breaks the seal.
    expect(isSealedParked({ ...withLane, lane: 'routine' }, key)).toBe(false);
    expect(isSealedParked({ ...before, lane: 'urgent' }, key)).toBe(false);
    expect(parkedLane({ lane: 'other' })).toBeUndefined();
  });

  it('a lane parker stamps its lane on every entry, and answers what the parker answers', async () => {
    // Prepare
    const seen: unknown[] = [];
    const entry = { reason: 'invalid_token', detail: 'd', sourceMessageId: 'm1' } as const;
    const urgent = laneParker(async (entries) => {
      seen.push(...entries);
      return entries.map((e) => ({ entry: e, parked: true }));
    }, 'urgent');
    // Act
    const results = await urgent([entry, { ...entry, sourceMessageId: 'm2', lane: 'routine' }]);
    // Assess
    expect(seen).toEqual([
      { ...entry, lane: 'urgent' },
      { ...entry, sourceMessageId: 'm2', lane: 'urgent' },
    ]);
    expect(results.map((r) => r.parked)).toEqual([true, true]);
  });

  it('refuses a short key, naming where it came from', () => {
    expect(() => parkingKey('short', 'PARKED_MESSAGE_KEY')).toThrow(ConfigurationError);
    expect(() => parkingKey('short', 'PARKED_MESSAGE_KEY')).toThrow(
      /^PARKED_MESSAGE_KEY: the parking key has 5/,
    );
  });
});

describe('sqsParker with a parking key', () => {
  const servers = useLocalServers();

  it('seals every parked body; without a key it parks them unsealed rather than not at all', async () => {
    const { queueUrl } = await servers.sqs.createQueue('parked-sealed');
    const entry = { reason: 'invalid_token', detail: 'd', sourceMessageId: 'm1', tokens: [''] } as const;
    await sqsParker({ queueUrl, sqs: () => servers.sqs.client, key: async () => key })([entry]);
    await sqsParker({ queueUrl, sqs: () => servers.sqs.client })([{ ...entry, sourceMessageId: 'm2' }]);
    const parked = await drainQueue(servers.sqs, queueUrl);
    const seals = Object.fromEntries(
      parked.map(({ attributeReason: _a, ...body }) => [body.sourceMessageId, isSealedParked(body, key)]),
    );
    expect(seals).toEqual({ m1: true, m2: false });
  });
});
