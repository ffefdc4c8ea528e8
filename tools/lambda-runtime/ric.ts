/**
 * AWS's runtime interface client for Node.js (`aws-lambda-ric`, the loader of Lambda's Node runtimes)
 * and the Node 24 binary to run it, both local. aws-lambda-ric builds a native addon (curl and
 * aws-lambda-cpp with cmake, then node-gyp: about a minute) and needs Node >= 22, so it is no
 * devDependency (`npm ci` stays quick and runs on the machine's Node): the first use installs it with
 * `npm ci` from tools/lambda-runtime/ric/package-lock.json into node_modules/.cache, where later runs
 * find it. Only the npm registry is needed (node-gyp takes the Node headers npm points it to).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { projectNode } from '../node-binaries';
import { LambdaRuntimeError } from './errors';

const ROOT = join(__dirname, '..', '..');
const MANIFEST_FOLDER = join(__dirname, 'ric');
const MANIFEST_FILES = ['package.json', 'package-lock.json'] as const;

export interface RuntimeInterfaceClient {
  /** The client's entry point: run it as `node ENTRY` with AWS_LAMBDA_RUNTIME_API, _HANDLER and LAMBDA_TASK_ROOT. */
  readonly entry: string;
  /** The Node 24 binary that runs it. */
  readonly node: string;
}

export interface InstallOptions {
  /** Folder of the installed copies. @default node_modules/.cache/aws-lambda-ric */
  readonly cacheFolder?: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Returns the installed client, installing it first if this lockfile's copy is not there yet. */
export async function installRuntimeInterfaceClient(
  options: InstallOptions = {},
): Promise<RuntimeInterfaceClient> {
  // The Node binary Lambda's nodejs24.x runtime matches: Node 24 of tools/node-binaries.
  const node24 = projectNode(24);
  if (node24.problem !== undefined || node24.path === undefined) {
    throw new LambdaRuntimeError(`Node 24 cannot run the client: ${node24.problem}`, {
      node: node24.path ?? null,
    });
  }
  const NODE_24 = node24.path;
  const cacheFolder = options.cacheFolder ?? join(ROOT, 'node_modules', '.cache', 'aws-lambda-ric');
  const hash = createHash('sha256');
  for (const file of MANIFEST_FILES) hash.update(await readFile(join(MANIFEST_FOLDER, file)));
  const target = join(cacheFolder, hash.digest('hex').slice(0, 16));
  const client = { entry: join(target, 'node_modules', 'aws-lambda-ric', 'index.mjs'), node: NODE_24 };
  const addon = join(target, 'node_modules', 'aws-lambda-ric', 'rapid-client.node');
  if (existsSync(addon)) return client;

  // Installed in a staging folder and renamed into place: a half-built copy is never found.
  await mkdir(cacheFolder, { recursive: true });
  const staging = await mkdtemp(join(cacheFolder, 'installing-'));
  try {
    for (const file of MANIFEST_FILES) await copyFile(join(MANIFEST_FOLDER, file), join(staging, file));
    // Without the npm_* variables of an enclosing `npm test` (its prefix, its lifecycle): a plain npm ci.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD'),
    );
    const installed = await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], staging, {
      ...env,
      // npm, node-gyp and the addon build run on Node 24: the addon is built for the Node that loads it.
      PATH: `${dirname(NODE_24)}${delimiter}${process.env.PATH ?? ''}`,
    });
    if (
      installed.code !== 0 ||
      !existsSync(join(staging, 'node_modules', 'aws-lambda-ric', 'rapid-client.node'))
    ) {
      throw new LambdaRuntimeError(
        `installing aws-lambda-ric failed (npm ci exit ${installed.code}; it needs cmake, make, a C++ compiler and python3):\n${installed.output}`,
        { folder: staging, exitCode: installed.code },
      );
    }
    await rename(staging, target).catch(async (error: NodeJS.ErrnoException) => {
      // Another process installed the same lockfile meanwhile: use its copy.
      if (!existsSync(addon)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return client;
}
