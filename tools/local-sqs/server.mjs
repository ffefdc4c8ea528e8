// Starts fauxqs, an SQS-compatible server, on 127.0.0.1 and prints {"port": N} on stdout.
// Runs until stdin closes or a signal arrives, so a parent that dies never leaves it behind.
import { startLoopbackSqs } from './loopback.mjs';

const port = Number(process.env.LOCAL_SQS_PORT ?? 0);
const server = await startLoopbackSqs({ port });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

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
