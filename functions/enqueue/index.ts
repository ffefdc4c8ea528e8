export {
  type EnqueueOptions,
  type EnqueueOutcome,
  type EnqueueResult,
  enqueueTokens,
  queueUrlFor,
} from './enqueue';
export { type EnqueueProblem, EnqueueValidationError } from './enqueue-error';
export { RevocationQueue, type RevocationQueueOptions } from './revocation-queue';
export type { SqsFailureKind } from './sqs-failure';
