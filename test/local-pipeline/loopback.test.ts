import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopbackAddress, listeningSockets } from '../support/listening-sockets';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'tools', 'local-pipeline', 'main.ts');

describe('npm start', () => {
  let child: ChildProcess | undefined;
  const folder = mkdtempSync(join(tmpdir(), 'local-pipeline-'));
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves SQS and the Stack Exchange simulator on 127.0.0.1 only', async () => {
    // Prepare: the pipeline as `npm start` runs it (node + tsx), up to the point where both servers serve.
    const started = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        '--tokens',
        '10',
        '--keep-running',
        '--tokens-file',
        join(folder, 'tokens.txt'),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      started.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('\nEnqueued')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`npm start exited early (${code}): ${stderr}`)));
    });
    const ports = [...stderr.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
    // Act
    const sockets = await listeningSockets(started.pid ?? -1);
    // Assess
    expect(new Set(ports).size).toBe(2); // the SQS server and the simulator, as printed
    for (const port of new Set(ports)) expect(sockets).toContainEqual({ address: '127.0.0.1', port });
    expect(sockets.filter((socket) => !isLoopbackAddress(socket.address))).toEqual([]);
  }, 60_000);
});
