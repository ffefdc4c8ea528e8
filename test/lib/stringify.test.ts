import fc from 'fast-check';
import { stringifyJson, stringifyWithoutRecursion } from '../../functions/lib/stringify';
import { fingerprint } from '../../functions/lib/tokens';
import { nestedText } from '../support/hostile-bodies';

describe('stringifyJson', () => {
  it('writes the same text as JSON.stringify for any JSON value, undefined and holes included', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.array(fc.oneof(fc.constant(undefined), fc.jsonValue())),
      fc.dictionary(fc.string(), fc.oneof(fc.constant(undefined), fc.jsonValue())),
    );
    fc.assert(
      fc.property(value, (v) => {
        expect(stringifyWithoutRecursion(v)).toBe(JSON.stringify(v));
        expect(stringifyJson(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
    expect(stringifyWithoutRecursion(undefined)).toBeUndefined();
    expect(stringifyWithoutRecursion([undefined, () => 1, Symbol('s')])).toBe('[null,null,null]');
    expect(stringifyWithoutRecursion({ at: new Date(0), skip: undefined })).toBe(
      '{"at":"1970-01-01T00:00:00.000Z"}',
    );
    expect(stringifyWithoutRecursion(JSON.parse('{"__proto__":[1],"b":-0}'))).toBe('{"__proto__":[1],"b":0}');
  });

  it.each([
    ['array', 6000],
    ['array', 100_000],
    ['object', 6000],
    ['object', 100_000],
  ] as const)('writes a %s nested %i deep, where JSON.stringify throws RangeError', (shape, depth) => {
    // Prepare
    const text = nestedText(depth, shape);
    const value: unknown = JSON.parse(text);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    // Act / Assess
    expect(stringifyJson(value)).toBe(text);
    expect(stringifyJson({ tokens: [value] })).toBe(`{"tokens":[${text}]}`);
  });

  it('rethrows what is not JSON at all (a BigInt), as JSON.stringify does', () => {
    expect(() => stringifyJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('fingerprint of any value', () => {
  it('never throws: 100,000 deep, a BigInt, a cycle', () => {
    const deep: unknown = JSON.parse(nestedText(100_000, 'array'));
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(fingerprint(deep)).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint(deep)).toBe(fingerprint(JSON.parse(nestedText(100_000, 'array'))));
    expect(fingerprint(deep)).not.toBe(fingerprint(JSON.parse(nestedText(99_999, 'array'))));
    expect(fingerprint(1n)).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint(cycle)).toMatch(/^[0-9a-f]{12}$/);
  });
});
