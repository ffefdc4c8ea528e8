/**
 * token-revoker's public entry point: what producers and tools import from 'token-revoker'.
 */

export {
  type EnqueueOptions,
  type EnqueueOutcome,
  type EnqueueProblem,
  type EnqueueResult,
  EnqueueValidationError,
  enqueueTokens,
  queueUrlFor,
  RevocationQueue,
  type RevocationQueueOptions,
  type SqsFailureKind,
} from './enqueue';
export {
  BatchFailedError,
  BatchSizeError,
  CallNotAttemptedError,
  ConfigurationError,
  ErrorCategory,
  InvalidTokenError,
  RequestTimeoutError,
  StackExchangeApiError,
  TokenRevokerError,
  TransportError,
} from './lib/errors';
export {
  formatMessageBody,
  ParkReason,
  type ParsedMessage,
  parseMessageBody,
  type RejectedToken,
  RevocationAction,
  RevocationPriority,
  type RevocationRequest,
} from './lib/message';
export {
  checkQueueUrl,
  checkSqsEndpoint,
  isLoopbackQueueHost,
  REFUSE_CLEARTEXT_STEP,
  refuseCleartext,
  type SdkHandler,
} from './lib/queue-url';
export { ApiMethod } from './lib/stackexchange/api-method';
export { checkApiUrl, DEFAULT_API_URL, isLoopbackHost } from './lib/stackexchange/api-url';
export {
  type AuthStyle,
  type CallOptions,
  type CallResult,
  type ClientEvent,
  StackExchangeClient,
  type StackExchangeClientOptions,
} from './lib/stackexchange/client';
export type { AccessTokenItem } from './lib/stackexchange/wrapper';
export {
  checkToken,
  chunk,
  FINGERPRINT_LENGTH,
  fingerprint,
  isValidToken,
  MAX_TOKEN_LENGTH,
  MAX_TOKENS_PER_CALL,
  type TokenCheck,
  TokenProblem,
} from './lib/tokens';
