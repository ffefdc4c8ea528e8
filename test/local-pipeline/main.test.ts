import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '../../functions/lib/tokens';
import { FUNCTION_BUNDLE_VARIABLE } from '../../tools/local-pipeline/function-protocol';
import { runCli } from '../cli/run-cli';
import { waitFor } from './support';

const ROOT = join(__dirname, '..', '..');

/** Every process below `pid` (Linux /proc), deepest last. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while we read
    }
  }
  const below = (parent: number): number[] =>
    [...parents].filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
  return below(pid);
}

/** A process that still runs (a zombie has exited: only its entry is left). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** This process's environment without the tests' function bundle (test/support/bundles.ts). */
function withoutFunctionBundle(): NodeJS.ProcessEnv {
  const { [FUNCTION_BUNDLE_VARIABLE]: _bundle, ...env } = process.env;
  return env;
}

/** Runs a TypeScript file with tsx, with only the given environment (and PATH, HOME). */
function runScript(file: string, env: Readonly<Record<string, string>>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The README's library example, pointed at this repository's enqueue library and SDK. */
const LIBRARY_EXAMPLE = `
import { SQSClient } from '${require.resolve('@aws-sdk/client-sqs')}';
import { RevocationQueue } from '${join(ROOT, 'functions', 'enqueue')}';

const revocations = new RevocationQueue({
  queueUrl: process.env.REVOCATION_QUEUE_URL!,
  sqsClient: new SQSClient({}),
  source: 'web-app',
});

async function onLogout(accessToken: string) {
  const { sent, failed, outcomes } = await revocations.enqueue([accessToken], { reason: 'logout' });
  if (failed > 0) console.warn('revocation not queued', outcomes[0]);
  console.log(JSON.stringify({ sent, failed }));
}
void onLogout(process.argv[2] ?? 'READMEexampleToken0000');
`;

describe('npm start -- --keep-running', () => {
  let npm: ChildProcess | undefined;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'local-pipeline-'));
  });
  afterAll(() => {
    // Only if the test failed before stopping it: end what it started, by process group.
    if (npm?.pid !== undefined && npm.exitCode === null && npm.signalCode === null)
      process.kill(-npm.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the CLI and the library example, writes tokens 0600, and stops everything on SIGTERM to npm', async () => {
    // Prepare: an existing, world-readable tokens file
    const tokensFile = join(dir, 'tokens.txt');
    writeFileSync(tokensFile, 'old content\n', { mode: 0o644 });
    let output = '';
    npm = spawn(
      'npm',
      ['start', '--', '--keep-running', '--tick-seconds', '4', '--tokens', '20', '--tokens-file', tokensFile],
      // As a newcomer runs it: function processes from the sources through tsx, not the tests' bundle.
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: withoutFunctionBundle() },
    );
    npm.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const npmPid = npm.pid ?? -1;
    const exited = new Promise<number | null>((resolve) => npm?.once('exit', (code) => resolve(code)));
    await waitFor('the pipeline to serve', () => output.includes('Five fresh live tokens'), 90_000);
    const environment = Object.fromEntries(
      [...output.matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map(([, name, value]) => [name, value] as const),
    ) as Record<string, string>;
    const ports = [
      environment.AWS_ENDPOINT_URL_SQS,
      environment.STACKEXCHANGE_API_URL,
      environment.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
    ].map((url) => Number(new URL(url ?? 'http://x').port));
    const processes = descendants(npmPid);

    // Act 1: the README's library example, with nothing but the printed environment
    const script = join(dir, 'example.ts');
    writeFileSync(script, LIBRARY_EXAMPLE);
    const example = await runScript(script, environment);
    // Act 2: the dead-lettered demo logout, replayed as printed
    const redrive = await runCli(['dlq', 'redrive'], {
      env: environment,
    });
    // Act 3: the printed CLI commands revoke the five live tokens through the urgent lane
    const urgent = await runCli(['enqueue', '--urgent', '--file', tokensFile], { env: environment });
    let inspected = '';
    await waitFor(
      'the five tokens revoked',
      async () => {
        const run = await runCli(['inspect', '--file', tokensFile], { env: environment });
        inspected = run.stdout + run.stderr;
        return inspected.includes('inspect: 5 token(s): 5 not_found');
      },
      30_000,
    ).catch(() => undefined);
    // Act 4: the printed audit command answers from the functions' logs
    const audit = await runCli(['audit', '--file', tokensFile], { env: environment });
    // Act 5: stop it the way a service manager would, by npm's PID
    const tokens = readFileSync(tokensFile, 'utf8').trim().split('\n');
    const mode = statSync(tokensFile).mode & 0o777;
    process.kill(npmPid, 'SIGTERM');
    const code = await exited;
    await waitFor('every process to end', () => processes.every((pid) => !alive(pid)), 10_000).catch(
      () => undefined,
    );

    // Assess: the demo was consistent and said its tick was shortened
    expect(output).toContain('Consistent: every token is revoked');
    expect(output).toContain('SHORTENED by --tick-seconds');
    expect(output).toMatch(/# replays .*\n +npx token-revoker dlq redrive\n/);
    // the tokens file: replaced, owner-only, five live tokens never printed
    expect(mode).toBe(0o600);
    expect(tokens).toHaveLength(5);
    expect(tokens.filter((token) => output.includes(token))).toEqual([]);
    // the library example enqueued with new SQSClient({}) and no stack trace (#11 bug 4)
    expect(example.output).not.toMatch(/TypeError|Invalid URL|\n\s+at /);
    expect(example.output).toContain('{"sent":1,"failed":0}');
    expect(example.code).toBe(0);
    // the urgent enqueue and inspect, as printed
    expect(urgent.code).toBe(0);
    expect(inspected).toContain('inspect: 5 token(s): 5 not_found');
    // audit: the five tokens, revoked by the urgent lane, found in the local log groups
    expect(audit.stdout).toMatch(/^([0-9a-f]{32} {2}invalidated .* lane=urgent .*\n){5}$/);
    expect(audit.code).toBe(0);
    // the pipeline talked after its banner: one line per event, fingerprints only
    const events = output.slice(output.indexOf('Five fresh live tokens'));
    for (const token of tokens) {
      expect(events).toMatch(new RegExp(`urgent +${fingerprint(token)} invalidated, message `));
    }
    expect(events).toMatch(/ urgent +invocation on instance \d+: \d+ record\(s\), success/);
    expect(events).toMatch(/ routine +run \d+: \d+ received, \d+ deleted/);
    expect(events).toMatch(/ dlq +1 message\(s\) left \(replayed by dlq redrive, or deleted\); \d+ now/);
    // and said what stopping does
    expect(events).toMatch(/SIGTERM: stopping\. .*\n.*waiting for .*urgent invocation\(s\) in flight/);
    expect(events).toContain('Stopped: both lanes, the simulator, the SQS server and the logs server.');
    // the redrive moved the dead-lettered logout back (#11 bug 5)
    expect(redrive.stdout + redrive.stderr).toMatch(/\b1 moved\b/);
    expect(redrive.code).toBe(0);
    // everything stopped: npm exited with the demo's result, no process left, both ports closed
    expect(code).toBe(0);
    expect(processes.length).toBeGreaterThanOrEqual(4);
    expect(processes.filter(alive)).toEqual([]);
    expect(await Promise.all(ports.map(listening))).toEqual([false, false, false]);
  }, 150_000);
});
