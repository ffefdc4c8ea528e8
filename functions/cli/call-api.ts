import { type ErrorCategory, StackExchangeApiError, TokenRevokerError } from '../lib/errors';
import type { ApiMethod } from '../lib/stackexchange/api-method';
import type { StackExchangeClient } from '../lib/stackexchange/client';
import type { AccessTokenItem } from '../lib/stackexchange/wrapper';
import { chunk, MAX_TOKENS_PER_CALL } from '../lib/tokens';
import type { InputToken } from './read-tokens';

/** What one API method said about one token. */
export type TokenAnswer =
  /** The token came back in `items`: invalidated, de-authenticated, or (read) live with these properties. */
  | { readonly kind: 'item'; readonly item: AccessTokenItem }
  /** Absent from `items` (unknown or already dead), or `invalid_access_token` when isolated. */
  | { readonly kind: 'absent' }
  /** The API answered `bad_parameter` for this token alone. */
  | { readonly kind: 'rejected'; readonly detail: string }
  /** The call failed (after the client's retries) or was not made because an earlier call failed that way. */
  | { readonly kind: 'failed'; readonly detail: string; readonly category: ErrorCategory };

export interface CallApiResult {
  readonly answers: ReadonlyMap<string, TokenAnswer>;
  /** The first error that stopped the run (configuration, unreachable, throttled), if any. */
  readonly stoppedBy: TokenRevokerError | undefined;
}

/** bad_parameter (400) and invalid_access_token (402): about some token of the call, not about the call. */
const isolatable = (error: TokenRevokerError): error is StackExchangeApiError =>
  error instanceof StackExchangeApiError && (error.errorId === 400 || error.errorId === 402);

/**
 * Calls a method for every token, 20 per call, one call after another within the client's pacing.
 * A batch the API refuses as a bad parameter is split in halves until the bad token stands alone.
 * The first error of another kind (configuration, throttling, unreachable after retries) stops the
 * run: the remaining tokens are reported `failed` without being sent, so a broken endpoint is not
 * hammered during an incident.
 */
export async function callApi(
  client: StackExchangeClient,
  method: ApiMethod,
  tokens: readonly InputToken[],
  onProgress: (done: number) => void = () => {},
): Promise<CallApiResult> {
  const answers = new Map<string, TokenAnswer>();
  let stoppedBy: TokenRevokerError | undefined;
  let done = 0;

  const run = async (batch: readonly string[]): Promise<void> => {
    if (stoppedBy !== undefined) {
      for (const token of batch)
        answers.set(token, {
          kind: 'failed',
          detail: `not sent: ${stoppedBy.message}`,
          category: stoppedBy.category,
        });
      return;
    }
    try {
      const { items } = await client.call(method, batch);
      const returned = new Map(items.map((item) => [item.accessToken, item]));
      for (const token of batch) {
        const item = returned.get(token);
        answers.set(token, item === undefined ? { kind: 'absent' } : { kind: 'item', item });
      }
    } catch (error) {
      if (!(error instanceof TokenRevokerError)) throw error;
      if (isolatable(error) && batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await run(batch.slice(0, middle));
        await run(batch.slice(middle));
        return;
      }
      if (isolatable(error)) {
        const invalid = error.errorId === 402;
        answers.set(
          batch[0] as string,
          invalid ? { kind: 'absent' } : { kind: 'rejected', detail: error.message },
        );
        return;
      }
      stoppedBy = error;
      for (const token of batch)
        answers.set(token, { kind: 'failed', detail: error.message, category: error.category });
    }
  };

  for (const batch of chunk(
    tokens.map((t) => t.token),
    MAX_TOKENS_PER_CALL,
  )) {
    await run(batch);
    done += batch.length;
    onProgress(done);
  }
  return { answers, stoppedBy };
}
