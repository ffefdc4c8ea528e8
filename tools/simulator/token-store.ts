import type { TokenOptions, TokenState } from './types';

interface TokenRecord {
  state: Exclude<TokenState, 'unknown'>;
  readonly accountId: number;
  readonly expiresOnDate: number | undefined;
  readonly scope: readonly string[];
}

/** The item the API returns for an access token. */
export interface AccessTokenItem {
  readonly access_token: string;
  readonly account_id: number;
  readonly expires_on_date?: number;
  readonly scope: readonly string[];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*(';

/** Tokens the simulated API knows, and what became of them. */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #random: () => number;
  #nextAccount = 1000;
  invalidated = 0;
  deauthenticated = 0;

  constructor(random: () => number) {
    this.#random = random;
  }

  issue(count: number, options: TokenOptions = {}): string[] {
    const issued: string[] = [];
    while (issued.length < count) {
      let token = '';
      for (let i = 0; i < 22; i++) token += ALPHABET[Math.floor(this.#random() * ALPHABET.length)];
      token += '))';
      if (this.#tokens.has(token)) continue;
      this.add([token], options);
      issued.push(token);
    }
    return issued;
  }

  add(tokens: readonly string[], options: TokenOptions = {}): void {
    for (const token of tokens) {
      this.#tokens.set(token, {
        state: 'live',
        accountId: options.accountId ?? this.#nextAccount++,
        expiresOnDate: options.noExpiry ? undefined : Math.floor(Date.now() / 1000) + 86_400,
        scope: options.scope ?? [],
      });
    }
  }

  state(token: string): TokenState {
    return this.#tokens.get(token)?.state ?? 'unknown';
  }

  #item(token: string, record: TokenRecord): AccessTokenItem {
    return {
      access_token: token,
      account_id: record.accountId,
      ...(record.expiresOnDate === undefined ? {} : { expires_on_date: record.expiresOnDate }),
      scope: record.scope,
    };
  }

  /** Live tokens come back as items and die; unknown and dead ones are left out. */
  invalidate(tokens: readonly string[]): AccessTokenItem[] {
    const items: AccessTokenItem[] = [];
    for (const token of tokens) {
      const record = this.#tokens.get(token);
      if (record?.state !== 'live') continue;
      record.state = 'invalidated';
      this.invalidated += 1;
      items.push(this.#item(token, record));
    }
    return items;
  }

  read(tokens: readonly string[]): AccessTokenItem[] {
    return tokens.flatMap((token) => {
      const record = this.#tokens.get(token);
      return record?.state === 'live' ? [this.#item(token, record)] : [];
    });
  }

  /** Removes the app from each token's account: every live token of those accounts dies. */
  deauthenticate(tokens: readonly string[]): AccessTokenItem[] {
    const items = this.read(tokens);
    const accounts = new Set(items.map((item) => item.account_id));
    for (const record of this.#tokens.values()) {
      if (record.state === 'live' && accounts.has(record.accountId)) {
        record.state = 'deauthenticated';
        this.deauthenticated += 1;
      }
    }
    return items;
  }

  clear(): void {
    this.#tokens.clear();
    this.invalidated = 0;
    this.deauthenticated = 0;
  }
}
