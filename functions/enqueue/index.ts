export { type EnqueueOptions, type EnqueueOutcome, type EnqueueResult, enqueueTokens } from './enqueue';
export { type EnqueueProblem, EnqueueValidationError } from './enqueue-error';
