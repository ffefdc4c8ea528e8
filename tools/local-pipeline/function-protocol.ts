import type { HandlerConfig } from '../../functions/lib/config';

/** The functions the local pipeline runs, each in processes of its own as Lambda would. */
export const FunctionKind = {
  /** The urgent lane's SQS-triggered handler (functions/revoke-tokens). */
  Urgent: 'urgent',
} as const;
export type FunctionKind = (typeof FunctionKind)[keyof typeof FunctionKind];

/** Parent to child: build the function once (the cold start), then invoke it. */
export type ToFunction =
  | { readonly type: 'init'; readonly kind: FunctionKind; readonly config: HandlerConfig }
  | { readonly type: 'invoke'; readonly id: number; readonly event: unknown; readonly deadline: number };

/** Child to parent. Errors travel as name and message (the functions never put a token in either). */
export type FromFunction =
  | { readonly type: 'ready' }
  | { readonly type: 'init_error'; readonly error: { readonly name: string; readonly message: string } }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly error: { readonly name: string; readonly message: string };
    };
