import type { ApiMethod } from '../../functions/lib/stackexchange/api-method';
import {
  type CallOptions,
  type CallResult,
  StackExchangeClient,
  type StackExchangeClientOptions,
} from '../../functions/lib/stackexchange/client';

/** When each token was first confirmed (returned in `items`), in epoch ms, across every client that shares it. */
export type Confirmations = Map<string, number>;

/**
 * The product's Stack Exchange client, recording when each token is confirmed: the moment the answer
 * naming it arrives. The bench reads time to revoke from it, the same way for every design.
 */
export class TimedClient extends StackExchangeClient {
  readonly #confirmations: Confirmations;

  constructor(options: StackExchangeClientOptions, confirmations: Confirmations) {
    super(options);
    this.#confirmations = confirmations;
  }

  override async call(
    method: ApiMethod,
    tokens: readonly string[],
    options?: CallOptions,
  ): Promise<CallResult> {
    const result = await super.call(method, tokens, options);
    const now = Date.now();
    for (const item of result.items) {
      if (!this.#confirmations.has(item.accessToken)) this.#confirmations.set(item.accessToken, now);
    }
    return result;
  }
}
