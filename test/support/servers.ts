import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../tools/simulator';

/** The real local servers of a test file: one SQS server for the file, a fresh simulator per test. */
export interface LocalServers {
  readonly sqs: LocalSqs;
  readonly sim: Simulator;
}

/** Registers the hooks that start and stop the servers; read them inside tests (they change per test). */
export function useLocalServers(simulatorOptions: SimulatorOptions = {}): LocalServers {
  const servers: { sqs?: LocalSqs; sim?: Simulator } = {};
  beforeAll(async () => {
    servers.sqs = await startLocalSqs();
  });
  afterAll(() => servers.sqs?.stop());
  beforeEach(async () => {
    servers.sim = await startSimulator(simulatorOptions);
  });
  afterEach(() => servers.sim?.close());
  return {
    get sqs() {
      if (servers.sqs === undefined) throw new Error('the local SQS server starts in beforeAll');
      return servers.sqs;
    },
    get sim() {
      if (servers.sim === undefined) throw new Error('the simulator starts in beforeEach');
      return servers.sim;
    },
  };
}
