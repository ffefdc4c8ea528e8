// Runs a local server for a parent process (tools/child-server/index.ts): starts it, prints
// {"port": N, ...} on stdout, and stops it when stdin closes or a signal arrives, so a parent that dies
// never leaves it behind. A server that cannot start exits 2 with its reason on stderr.

/**
 * @template {{ readonly port: number; stop(): Promise<void> }} S
 * @param {() => Promise<S>} start
 * @param {{ name?: string; describe?: (server: S) => Record<string, unknown> }} [options]
 */
export async function serveForParent(start, options = {}) {
  const { name = 'local server', describe = (server) => ({ port: server.port }) } = options;
  let server;
  try {
    server = await start();
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(describe(server))}\n`);
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
