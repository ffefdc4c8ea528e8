// Runs a local server for a parent process (tools/child-server/index.ts): starts it, prints
// {"port": N} on stdout, and stops it when stdin closes or a signal arrives, so a parent that dies
// never leaves it behind.

/**
 * @param {() => Promise<{ readonly port: number; stop(): Promise<void> }>} start
 */
export async function serveForParent(start) {
  const server = await start();
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
}
