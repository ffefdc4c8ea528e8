import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BUNDLE_VARIABLE } from '../support/bundles';

const ROOT = join(__dirname, '..', '..');

/** The bundle jest's global setup built from the current sources (test/support/bundles.ts). */
function cliBundle(): string {
  const bundle = process.env[CLI_BUNDLE_VARIABLE];
  if (bundle === undefined || !existsSync(bundle)) {
    throw new Error(
      `no CLI bundle at ${bundle ?? `$${CLI_BUNDLE_VARIABLE}`}: run the tests with jest.config.js`,
    );
  }
  return bundle;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI as a real subprocess (the Node under test on the CLI bundled from the current sources),
 * asynchronously so that servers in the test process keep answering. The environment is minimal: only
 * what is given.
 */
export function runCli(
  args: readonly string[],
  options: { readonly stdin?: string; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', cliBundle(), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Fails if any of the tokens appears anywhere in the run's output. */
export function expectNoTokens(run: CliRun, tokens: readonly string[]): void {
  const output = run.stdout + run.stderr;
  const leaked = tokens.filter((token) => output.includes(token));
  expect(leaked).toEqual([]);
}
