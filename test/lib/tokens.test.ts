import {
  checkToken,
  chunk,
  fingerprint,
  isValidToken,
  MAX_TOKEN_LENGTH,
  TokenProblem,
} from '../../functions/lib/tokens';

describe('checkToken', () => {
  it.each(['5bcPtLjiyuySD7WeKSo3Mw))', 'abc', 'A*b(c)_-9'])('accepts %s', (token) => {
    expect(checkToken(token)).toEqual({ ok: true, token });
  });

  it.each([
    ['a;b', TokenProblem.BadCharacter],
    ['../x', TokenProblem.BadCharacter],
    ['..', TokenProblem.BadCharacter],
    ['x/y', TokenProblem.BadCharacter],
    ['%2F', TokenProblem.BadCharacter],
    ['a b', TokenProblem.BadCharacter],
    ['tab\there', TokenProblem.BadCharacter],
    ['new\nline', TokenProblem.BadCharacter],
    ['q?x', TokenProblem.BadCharacter],
    ['h#x', TokenProblem.BadCharacter],
    ['\u0000', TokenProblem.BadCharacter],
    ['é', TokenProblem.BadCharacter],
    ['', TokenProblem.Empty],
    ['a'.repeat(MAX_TOKEN_LENGTH + 1), TokenProblem.TooLong],
  ])('rejects %j as %s without quoting it', (value, problem) => {
    const check = checkToken(value);
    expect(check).toMatchObject({ ok: false, problem });
    if (!check.ok && value.length > 2) expect(check.detail).not.toContain(value);
  });

  it.each([
    [42, 'number'],
    [null, 'null'],
    [['a'], 'an array'],
    [{ token: 'a' }, 'object'],
    [undefined, 'undefined'],
  ])('rejects the non-string %j', (value, described) => {
    const check = checkToken(value);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problem).toBe(TokenProblem.NotAString);
      expect(check.detail).toContain(described);
    }
  });

  it('accepts a token of exactly MAX_TOKEN_LENGTH characters, and says the length of a longer one', () => {
    expect(checkToken('a'.repeat(MAX_TOKEN_LENGTH))).toEqual({
      ok: true,
      token: 'a'.repeat(MAX_TOKEN_LENGTH),
    });
    expect(checkToken('a'.repeat(MAX_TOKEN_LENGTH + 1))).toEqual({
      ok: false,
      problem: TokenProblem.TooLong,
      detail: `the token is ${MAX_TOKEN_LENGTH + 1} characters long; the limit is ${MAX_TOKEN_LENGTH}`,
    });
  });

  it('says an empty token is empty', () => {
    expect(checkToken('')).toEqual({ ok: false, problem: TokenProblem.Empty, detail: 'the token is empty' });
  });

  it('names the position of the first bad character', () => {
    const check = checkToken('abc;def');
    expect(!check.ok && check.detail).toBe('character 4 is not one of A-Z a-z 0-9 * ( ) _ -');
  });

  it('isValidToken agrees with checkToken', () => {
    expect(isValidToken('abc')).toBe(true);
    expect(isValidToken('a;b')).toBe(false);
  });
});

describe('fingerprint', () => {
  it('is the first 12 hex characters of the SHA-256', () => {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(fingerprint('abc')).toBe('ba7816bf8f01');
  });

  it('is stable and never contains the token', () => {
    const token = '5bcPtLjiyuySD7WeKSo3Mw))';
    expect(fingerprint(token)).toBe(fingerprint(token));
    expect(fingerprint(token)).not.toContain(token.slice(0, 4));
  });

  it('fingerprints rejected non-string values too', () => {
    expect(fingerprint(42)).toMatch(/^[0-9a-f]{12}$/);
    expect(fingerprint(undefined)).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('chunk', () => {
  it('splits into groups of at most the size, in order', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 20)).toEqual([]);
  });

  it('splits into single items with a size of 1', () => {
    expect(chunk(['a', 'b', 'c'], 1)).toEqual([['a'], ['b'], ['c']]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the size %p, saying what it got', (size) => {
    expect(() => chunk([1], size)).toThrow(
      new RangeError(`chunk size must be a positive integer, got ${size}`),
    );
  });
});
