// Starts fauxqs, an SQS-compatible server, on 127.0.0.1 and prints one JSON line on stdout:
// {"port": N, "latencyMs": N, "maxInFlightMessages": N}. Options come from LOCAL_SQS_PORT,
// LOCAL_SQS_LATENCY_MS and LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES (options.mjs); a bad one exits 2 with a message.
// Runs until stdin closes or a signal arrives, so a parent that dies never leaves it behind.
import { startLoopbackSqs } from './loopback.mjs';

let server;
try {
  server = await startLoopbackSqs();
} catch (error) {
  process.stderr.write(`local SQS server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const { port, latencyMs, maxInFlightMessages } = server;
process.stdout.write(`${JSON.stringify({ port, latencyMs, maxInFlightMessages })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
