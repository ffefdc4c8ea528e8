// Starts fauxqs, an SQS-compatible server, on 127.0.0.1 and prints one JSON line on stdout:
// {"port": N, "latencyMs": N, "maxInFlightMessages": N}. Options come from LOCAL_SQS_PORT,
// LOCAL_SQS_LATENCY_MS and LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES (options.mjs); a bad one exits 2 with a message.
// Runs until stdin closes or a signal arrives, so a parent that dies never leaves it behind.
import { serveForParent } from '../child-server/serve.mjs';
import { startLoopbackSqs } from './loopback.mjs';

await serveForParent(startLoopbackSqs, {
  name: 'local SQS server',
  describe: ({ port, latencyMs, maxInFlightMessages }) => ({ port, latencyMs, maxInFlightMessages }),
});
