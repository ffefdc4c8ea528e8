import type { HandlerConfig } from '../../functions/lib/config';
import type { ConsumerConfig } from '../../functions/routine-consumer/config';

/** The functions the local pipeline runs, each in processes of its own as Lambda would. */
export const FunctionKind = {
  /** The urgent lane's SQS-triggered handler (functions/revoke-tokens). */
  Urgent: 'urgent',
  /** The routine lane's scheduled consumer (functions/routine-consumer). */
  Routine: 'routine',
} as const;
export type FunctionKind = (typeof FunctionKind)[keyof typeof FunctionKind];

/**
 * Names a prebuilt bundle of function-process.ts for the host to start instead of the TypeScript
 * sources through tsx (a cold start in about a third of the CPU); the tests' global setup builds one
 * from the current sources (test/support/bundles.ts). Unset: the sources, as `npm start` runs them.
 */
export const FUNCTION_BUNDLE_VARIABLE = 'TOKEN_REVOKER_FUNCTION_BUNDLE';

/** The function's name, as its Lambda context says. */
export const functionName = (kind: FunctionKind): string => `token-revoker-${kind}`;

/** The function's log group (its context's `logGroupName`), where the local pipeline keeps its output. */
export const logGroupName = (kind: FunctionKind): string => `/aws/lambda/${functionName(kind)}`;

/** Which function, and the configuration object it is built from. */
export type FunctionSpec =
  | { readonly kind: typeof FunctionKind.Urgent; readonly config: HandlerConfig }
  | { readonly kind: typeof FunctionKind.Routine; readonly config: ConsumerConfig };

/** Parent to child: build the function once (the cold start), then invoke it. */
export type ToFunction =
  | ({ readonly type: 'init' } & FunctionSpec)
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
