import { pick, type Random } from './random';
import type { TokenOptions, TokenState } from './types';

interface TokenRecord {
  state: Exclude<TokenState, 'unknown'>;
  readonly accountId: number;
  readonly expiresOnDate: number | undefined;
  readonly scope: readonly string[];
}

/** An `access_token` item as the API returns it. */
export interface AccessTokenItem {
  readonly access_token: string;
  readonly account_id: number;
  /** Unix seconds; absent for no-expiry tokens. */
  readonly expires_on_date?: number;
  /** Present in read and de-authenticate items. */
  readonly scope?: readonly string[];
}

/** Characters of issued tokens (the observed shape: 22 of these, then '))'). */
const ISSUE_ALPHABET = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*('];
const ISSUED_BODY_LENGTH = 22;
const FIRST_ACCOUNT_ID = 1000;
const DAY_SECONDS = 86_400;

/** The tokens the simulated API knows, and what became of them. */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #random: Random;
  #nextAccount = FIRST_ACCOUNT_ID;
  #invalidated = 0;
  #deauthenticated = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  /** Tokens moved live -> invalidated. */
  get invalidated(): number {
    return this.#invalidated;
  }

  /** Tokens moved live -> deauthenticated. */
  get deauthenticated(): number {
    return this.#deauthenticated;
  }

  /** Creates `count` new live tokens of the real shape, never one the store already knows. */
  issue(count: number, options: TokenOptions = {}): string[] {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be a whole number, got ${count}`);
    const issued: string[] = [];
    while (issued.length < count) {
      let token = '';
      for (let i = 0; i < ISSUED_BODY_LENGTH; i++) token += pick(this.#random, ISSUE_ALPHABET);
      token += '))';
      if (this.#tokens.has(token)) continue;
      this.add([token], options);
      issued.push(token);
    }
    return issued;
  }

  /** Makes tokens live (again), each on `options.accountId` or on a new account of its own. */
  add(tokens: readonly string[], options: TokenOptions = {}): void {
    for (const token of tokens) {
      this.#tokens.set(token, {
        state: 'live',
        accountId: options.accountId ?? this.#nextAccount++,
        expiresOnDate: options.noExpiry ? undefined : Math.floor(Date.now() / 1000) + DAY_SECONDS,
        scope: [...(options.scope ?? [])],
      });
    }
  }

  state(token: string): TokenState {
    return this.#tokens.get(token)?.state ?? 'unknown';
  }

  /** Live tokens come back as items (without scope) and die; unknown and dead ones are left out. */
  invalidate(tokens: readonly string[]): AccessTokenItem[] {
    return this.#live(tokens).map(([token, record]) => {
      record.state = 'invalidated';
      this.#invalidated += 1;
      return item(token, record, false);
    });
  }

  /** Live tokens come back as items with their scope; unknown and dead ones are left out. */
  read(tokens: readonly string[]): AccessTokenItem[] {
    return this.#live(tokens).map(([token, record]) => item(token, record, true));
  }

  /** Removes the app from each live token's account: every live token of those accounts dies. */
  deauthenticate(tokens: readonly string[]): AccessTokenItem[] {
    const items = this.read(tokens);
    const accounts = new Set(items.map((entry) => entry.account_id));
    for (const record of this.#tokens.values()) {
      if (record.state === 'live' && accounts.has(record.accountId)) {
        record.state = 'deauthenticated';
        this.#deauthenticated += 1;
      }
    }
    return items;
  }

  /** The live tokens of a call, each once, in call order. */
  #live(tokens: readonly string[]): [string, TokenRecord][] {
    const live: [string, TokenRecord][] = [];
    for (const token of new Set(tokens)) {
      const record = this.#tokens.get(token);
      if (record?.state === 'live') live.push([token, record]);
    }
    return live;
  }
}

function item(token: string, record: TokenRecord, withScope: boolean): AccessTokenItem {
  return {
    access_token: token,
    account_id: record.accountId,
    ...(record.expiresOnDate === undefined ? {} : { expires_on_date: record.expiresOnDate }),
    ...(withScope ? { scope: record.scope } : {}),
  };
}
