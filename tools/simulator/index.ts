/** The project's Stack Exchange API simulator: a real HTTP server on 127.0.0.1 for tests, the sandbox and the benchmarks. */
export { API_ERRORS } from './errors';
export { startSimulator } from './server';
export type {
  ApiMethod,
  FaultKind,
  Latency,
  RecordedRequest,
  Simulator,
  SimulatorOptions,
  SimulatorStats,
  TokenOptions,
  TokenState,
} from './types';
