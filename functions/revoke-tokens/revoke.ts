import pLimit from 'p-limit';
import {
  ApiMethod,
  CallNotAttemptedError,
  type ErrorCategory,
  StackExchangeApiError,
  TokenRevokerError,
} from '../lib/errors';
import { RevocationAction } from '../lib/message';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import { ErrorId } from '../lib/stackexchange/wrapper';
import { chunk, MAX_TOKENS_PER_CALL } from '../lib/tokens';

/** What became of one token. */
export type TokenOutcome =
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'dead'; readonly cause: 'absent' | 'invalid_access_token' | 'compromised' }
  | { readonly kind: 'rejected'; readonly detail: string }
  | { readonly kind: 'failed'; readonly category: ErrorCategory; readonly errorName: string };

export interface RevokeOptions {
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Epoch ms: no call starts after it. */
  readonly deadline: number;
  /** Told about every call that failed as a whole (for logs). */
  readonly onCallError?: (error: TokenRevokerError, tokenCount: number) => void;
}

const METHOD_BY_ACTION: Readonly<Record<RevocationAction, ApiMethod>> = {
  [RevocationAction.Invalidate]: ApiMethod.Invalidate,
  [RevocationAction.Deauthenticate]: ApiMethod.Deauthenticate,
};

/** Errors that concern a token rather than the call: split the batch to find it. */
const PER_TOKEN_ERROR_IDS = new Set<number>([ErrorId.BadParameter, ErrorId.InvalidAccessToken]);

function errorNameOf(error: TokenRevokerError): string {
  if (error instanceof StackExchangeApiError) return error.errorName;
  if (error instanceof CallNotAttemptedError) return `not_attempted_${error.reason}`;
  return 'errorName' in error && typeof error.errorName === 'string' ? error.errorName : error.name;
}

/**
 * Revokes unique, valid tokens in calls of 20 (ceil(N/20) calls when the API is healthy), with bounded
 * concurrency. A call rejected for one of its tokens is split in halves until the token is isolated.
 */
export async function revokeTokens(
  client: StackExchangeClient,
  action: RevocationAction,
  tokens: readonly string[],
  options: RevokeOptions,
): Promise<Map<string, TokenOutcome>> {
  const method = METHOD_BY_ACTION[action];
  const outcomes = new Map<string, TokenOutcome>();
  const settle = (batch: readonly string[], outcome: TokenOutcome) => {
    for (const token of batch) outcomes.set(token, outcome);
  };

  const run = async (batch: readonly string[]): Promise<void> => {
    try {
      const result = await client.call(method, batch, { deadline: options.deadline });
      const returned = new Set(result.items.map((item) => item.accessToken));
      for (const token of batch) {
        outcomes.set(token, returned.has(token) ? { kind: 'confirmed' } : { kind: 'dead', cause: 'absent' });
      }
    } catch (error) {
      if (!(error instanceof TokenRevokerError)) throw error;
      if (error instanceof StackExchangeApiError && PER_TOKEN_ERROR_IDS.has(error.errorId)) {
        if (batch.length > 1) {
          const middle = Math.ceil(batch.length / 2);
          await run(batch.slice(0, middle));
          await run(batch.slice(middle));
          return;
        }
        settle(
          batch,
          error.errorId === ErrorId.BadParameter
            ? { kind: 'rejected', detail: `the API answered bad_parameter: ${error.apiMessage}` }
            : { kind: 'dead', cause: 'invalid_access_token' },
        );
        return;
      }
      options.onCallError?.(error, batch.length);
      if (error instanceof StackExchangeApiError && error.errorId === ErrorId.AccessTokenCompromised) {
        // The API killed these tokens because they travelled over plain http: they are dead.
        settle(batch, { kind: 'dead', cause: 'compromised' });
        return;
      }
      settle(batch, { kind: 'failed', category: error.category, errorName: errorNameOf(error) });
    }
  };

  const limit = pLimit(options.concurrency);
  await Promise.all(chunk(tokens, MAX_TOKENS_PER_CALL).map((batch) => limit(() => run(batch))));
  return outcomes;
}
