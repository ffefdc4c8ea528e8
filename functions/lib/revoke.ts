import pLimit from 'p-limit';
import {
  type ErrorCategory,
  errorNameOf,
  StackExchangeApiError,
  TokenRevokerError,
  UnexpectedError,
} from './errors';
import { RevocationAction } from './message';
import { ApiMethod } from './stackexchange/api-method';
import type { ClientEvent, StackExchangeClient } from './stackexchange/client';
import { chunk, MAX_TOKENS_PER_CALL } from './tokens';

/** What became of one token. */
export type TokenOutcome =
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'dead'; readonly cause: 'absent' | 'invalid_access_token' | 'compromised' }
  | { readonly kind: 'rejected'; readonly detail: string }
  | { readonly kind: 'failed'; readonly category: ErrorCategory; readonly errorName: string };

/** Outcomes by action, then by token. */
export type Outcomes = ReadonlyMap<RevocationAction, ReadonlyMap<string, TokenOutcome>>;

export interface RevokeOptions {
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Epoch ms: no call starts after it. */
  readonly deadline: number;
  /** Receives the client's telemetry for these calls. */
  readonly onEvent?: (event: ClientEvent) => void;
  /**
   * Called each time a call (with its splits) has settled its tokens, with every outcome so far, so
   * that the caller can settle the messages that are complete without waiting for the other calls.
   */
  readonly onCallSettled?: (outcomes: Outcomes) => void;
}

/** The outcomes of a revocation, and every error that failed a call as a whole (for logs and counts). */
export interface Revocation {
  readonly outcomes: Outcomes;
  readonly callErrors: readonly { readonly error: TokenRevokerError; readonly tokenCount: number }[];
}

const METHOD_BY_ACTION: Readonly<Record<RevocationAction, ApiMethod>> = {
  [RevocationAction.Invalidate]: ApiMethod.Invalidate,
  [RevocationAction.Deauthenticate]: ApiMethod.Deauthenticate,
};

/**
 * Revokes unique, valid tokens of one action in calls of 20 (ceil(N/20) calls when the API is
 * healthy), with bounded concurrency. A call the API refuses because of one of its tokens is split in
 * halves until that token is alone.
 */
async function revokeAction(
  client: StackExchangeClient,
  action: RevocationAction,
  tokens: readonly string[],
  options: RevokeOptions,
  callErrors: Revocation['callErrors'][number][],
  outcomes: Map<string, TokenOutcome>,
  settled: () => void,
): Promise<void> {
  const method = METHOD_BY_ACTION[action];
  const settle = (batch: readonly string[], outcome: TokenOutcome) => {
    for (const token of batch) outcomes.set(token, outcome);
  };

  const run = async (batch: readonly string[]): Promise<void> => {
    try {
      const result = await client.call(method, batch, {
        deadline: options.deadline,
        onEvent: options.onEvent,
      });
      const returned = new Set(result.items.map((item) => item.accessToken));
      for (const token of batch) {
        outcomes.set(token, returned.has(token) ? { kind: 'confirmed' } : { kind: 'dead', cause: 'absent' });
      }
    } catch (thrown) {
      // Anything but the client's own errors is a bug: it fails this call's tokens only (retried).
      const error =
        thrown instanceof TokenRevokerError ? thrown : new UnexpectedError('the API call', thrown);
      const verdict = error instanceof StackExchangeApiError ? error.tokenVerdict : undefined;
      if (verdict?.scope === 'one' && batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await run(batch.slice(0, middle));
        await run(batch.slice(middle));
        return;
      }
      if (verdict?.scope === 'one' && error instanceof StackExchangeApiError) {
        settle(
          batch,
          verdict.fate === 'rejected'
            ? { kind: 'rejected', detail: `the API answered ${error.errorName}: ${error.apiMessage}` }
            : { kind: 'dead', cause: 'invalid_access_token' },
        );
        return;
      }
      callErrors.push({ error, tokenCount: batch.length });
      if (verdict?.scope === 'all') {
        // The API killed these tokens because they travelled over plain http: they are dead.
        settle(batch, { kind: 'dead', cause: 'compromised' });
        return;
      }
      settle(batch, { kind: 'failed', category: error.category, errorName: errorNameOf(error) });
    }
  };

  const limit = pLimit(options.concurrency);
  await Promise.all(
    chunk(tokens, MAX_TOKENS_PER_CALL).map((batch) =>
      limit(async () => {
        await run(batch);
        settled();
      }),
    ),
  );
}

/** Revokes each action's tokens (unique, valid) and returns every token's outcome. */
export async function revokeTokens(
  client: StackExchangeClient,
  wanted: ReadonlyMap<RevocationAction, readonly string[]>,
  options: RevokeOptions,
): Promise<Revocation> {
  const callErrors: Revocation['callErrors'][number][] = [];
  const outcomes = new Map<RevocationAction, Map<string, TokenOutcome>>();
  for (const action of wanted.keys()) outcomes.set(action, new Map());
  const settled = () => options.onCallSettled?.(outcomes);
  await Promise.all(
    [...wanted].map(([action, tokens]) =>
      revokeAction(client, action, tokens, options, callErrors, outcomes.get(action) ?? new Map(), settled),
    ),
  );
  return { outcomes, callErrors };
}

/** The outcome of one token of one action, if it was revoked. */
export function outcomeOf(
  outcomes: Outcomes,
  action: RevocationAction,
  token: string,
): TokenOutcome | undefined {
  return outcomes.get(action)?.get(token);
}
