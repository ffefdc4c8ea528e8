import { createHash } from 'node:crypto';
import { stringifyJson } from './stringify';

/** The most tokens the Stack Exchange API accepts in one access-token call. */
export const MAX_TOKENS_PER_CALL = 20;

/** The longest token accepted. Observed tokens are 24 characters; this leaves room without allowing abuse. */
export const MAX_TOKEN_LENGTH = 256;

/**
 * Characters a token may contain. `(`, `)` and `*` appear in real tokens and are legal in a URL path
 * segment; `.` is deliberately absent so that `..` can never turn into another path.
 */
const TOKEN_ALPHABET = /^[A-Za-z0-9*()_-]+$/;

/** Why a value is not an acceptable token. Stable codes: they appear in parked messages and CLI output. */
export const TokenProblem = {
  NotAString: 'not_a_string',
  Empty: 'empty',
  TooLong: 'too_long',
  BadCharacter: 'bad_character',
} as const;
export type TokenProblem = (typeof TokenProblem)[keyof typeof TokenProblem];

export type TokenCheck =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly problem: TokenProblem; readonly detail: string };

/**
 * Checks that a value can be sent to the Stack Exchange API as an access token.
 * The detail never contains the value itself: it describes the type, the length or the offending
 * character class only.
 */
export function checkToken(value: unknown): TokenCheck {
  if (typeof value !== 'string') {
    return {
      ok: false,
      problem: TokenProblem.NotAString,
      detail: `expected a string, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    };
  }
  if (value.length === 0) return { ok: false, problem: TokenProblem.Empty, detail: 'the token is empty' };
  if (value.length > MAX_TOKEN_LENGTH) {
    return {
      ok: false,
      problem: TokenProblem.TooLong,
      detail: `the token is ${value.length} characters long; the limit is ${MAX_TOKEN_LENGTH}`,
    };
  }
  if (!TOKEN_ALPHABET.test(value)) {
    const position = [...value].findIndex((character) => !TOKEN_ALPHABET.test(character));
    return {
      ok: false,
      problem: TokenProblem.BadCharacter,
      detail: `character ${position + 1} is not one of A-Z a-z 0-9 * ( ) _ -`,
    };
  }
  return { ok: true, token: value };
}

/** True when the value is a syntactically valid token. */
export function isValidToken(value: unknown): value is string {
  return checkToken(value).ok;
}

/** Length of a fingerprint in hex characters (48 bits of SHA-256). */
export const FINGERPRINT_LENGTH = 12;

/**
 * A short, stable, non-reversible name for a token: the first 12 hex characters of its SHA-256.
 * This is the only way a token may appear in logs, metrics, errors and output.
 * Non-string input (a rejected value) is fingerprinted through its JSON form, at any depth. Never throws.
 */
export function fingerprint(token: unknown): string {
  return createHash('sha256').update(fingerprintText(token)).digest('hex').slice(0, FINGERPRINT_LENGTH);
}

function fingerprintText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return stringifyJson(value) ?? String(value);
  } catch {
    // Not JSON at all (a cycle, a BigInt): no body read with JSON.parse holds one.
    return Object.prototype.toString.call(value);
  }
}

/** Splits items into consecutive groups of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}
