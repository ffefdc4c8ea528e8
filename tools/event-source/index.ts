/** A model of Lambda's SQS event source mapping on a real SQS-compatible server (local pipeline, benchmarks). */
export { EventSourceMappingError, RuntimeExitedError } from './errors';
export {
  type EventSourceState,
  type EventSourceStats,
  type SqsEventSource,
  startSqsEventSource,
} from './event-source';
export {
  DEFAULT_RECEIVE_JITTER_MS,
  type HandlerFactory,
  type HandlerInstance,
  type InvocationReport,
  MAX_PAYLOAD_BYTES,
  type SqsEventSourceOptions,
  type SqsHandler,
} from './options';
