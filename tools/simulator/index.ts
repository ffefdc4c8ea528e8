/** The project's Stack Exchange API simulator: a real HTTP server on 127.0.0.1 for tests, the sandbox and the benchmarks. */
export { isErrorFault } from './faults';
export { seededRandom } from './random';
export { API_ERRORS, type ApiErrorName } from './responses';
export { API_VERSIONS, MAX_TOKENS_PER_CALL } from './routes';
export { startSimulator } from './server';
export type { AccessTokenItem } from './state';
export {
  API_METHODS,
  type ApiMethod,
  FAULT_KINDS,
  type FaultKind,
  type FaultMix,
  type Latency,
  type RecordedRequest,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
  type TokenOptions,
  type TokenState,
} from './types';
