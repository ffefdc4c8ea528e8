import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A local server running in a child process (a script that calls serveForParent, serve.mjs). */
export interface ChildServer {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Process id of the server. */
  readonly pid: number;
  /** Closes its stdin and sends SIGTERM; resolves once it exited. */
  stop(): Promise<void>;
}

/** Spawns `script` with this Node binary and waits for the {"port": N} line it prints once it listens. */
export async function startChildServer(script: string, name: string): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited early (code ${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  child.removeAllListeners('exit');
  return {
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
