import fc from 'fast-check';
import { jsonErrorOffset } from '../../../functions/cli/dlq/json-error-offset';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonErrorOffset', () => {
  it.each([
    ['{"token":"a","x":PARTIALLEAK_AAAA1111}', 17],
    ['{"token":BODYLEAK555}', 9],
    ['{not json', 1],
    ['{"a":1', 6],
    ['[1,2', 4],
    ['"unterminated', 13],
    ['"bad \\q escape"', 5],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['01', 1],
    ['true false', 5],
    ['', 0],
  ])('finds where %s stops being JSON', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('accepts any JSON, at any depth', () => {
    fc.assert(fc.property(fc.json(), (text) => jsonErrorOffset(text) === undefined));
    expect(jsonErrorOffset(`{"tokens":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toBeUndefined();
  });

  it('agrees with JSON.parse on damaged JSON', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', 'x', '"', '}', ']', ',', ':', '\\', '\u0001'),
        (json, at, insert) => {
          const cut = at % (json.length + 1);
          const text = json.slice(0, cut) + insert + json.slice(cut + (insert === '' ? 1 : 0));
          return (jsonErrorOffset(text) === undefined) === parses(text);
        },
      ),
    );
  });
});
