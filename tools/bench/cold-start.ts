import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { HANDLER_BUILD_OPTIONS } from '../build/handlers';

/** The deployed bundle's settings (tools/build: minified ESM for Node 24, the AWS SDK included). */
export const DEPLOYED_BUNDLE_OPTIONS: BuildOptions = {
  ...HANDLER_BUILD_OPTIONS,
  sourcemap: false,
  logLevel: 'silent',
};

/** The same bundle without the AWS SDK: the size of the project's own code and its other dependencies. */
export const OWN_CODE_BUNDLE_OPTIONS: BuildOptions = { ...DEPLOYED_BUNDLE_OPTIONS, external: ['@aws-sdk/*'] };

export interface ColdStartFigures {
  /** The handler's own code (AWS SDK left out): what the 80 KB target is about. */
  readonly handlerBundleBytes: number;
  /** The deployed handler's entry module: what a cold start loads (the AWS SDK chunks load on first use). */
  readonly deployedBundleBytes: number;
  /** The deployed handler's entry and chunks. */
  readonly deployedCodeBytes: number;
  readonly floorBundleBytes: number;
  /** Median module initialisation time of the deployed handler in fresh processes, ms. */
  readonly handlerInitMs: number;
  /** Median module initialisation time of a bundle holding only ky, ms. */
  readonly floorInitMs: number;
  readonly runs: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** Loads a module in a fresh Node process and prints how long the import took. */
function initTimeMs(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});console.log(performance.now()-t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  });
  return Number(out.trim().split('\n').pop());
}

/** Bundles `entry` into `outdir` with `options`: the entry's path and bytes, and all code's bytes. */
async function bundle(root: string, entry: string, outdir: string, options: BuildOptions) {
  const result = await build({
    ...options,
    entryPoints: [entry],
    outdir,
    metafile: true,
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
  });
  // Paths relative to `root`; the entry is `index.mjs` (entryNames), its chunks sit in `chunks/`.
  const outputs = Object.entries(result.metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const main = outputs.find(([path]) => path.endsWith('/index.mjs'));
  return {
    file: join(root, main?.[0] ?? ''),
    bytes: main?.[1].bytes ?? 0,
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
  };
}

/**
 * Bundles the handler the way `npm run build` does for the deployed function (and once more without the
 * AWS SDK, for the size of the project's own code) and a ky-only floor, then measures the deployed bundle
 * and the floor: size on disk and module initialisation time (median of `runs` fresh processes, interleaved).
 */
export async function measureColdStart(root: string, workDir: string, runs = 31): Promise<ColdStartFigures> {
  for (const built of ['deployed', 'own-code', 'floor'])
    rmSync(join(workDir, built), { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const floorEntry = join(workDir, 'ky-floor.mjs');
  writeFileSync(
    floorEntry,
    "import ky from 'ky';\nexport const client = ky.create({ prefixUrl: 'https://api.stackexchange.com/2.3/' });\n",
  );
  const handlerEntry = join(root, 'functions/revoke-tokens/handler.ts');
  const deployed = await bundle(root, handlerEntry, join(workDir, 'deployed'), DEPLOYED_BUNDLE_OPTIONS);
  const ownCode = await bundle(root, handlerEntry, join(workDir, 'own-code'), OWN_CODE_BUNDLE_OPTIONS);
  const floor = await bundle(root, floorEntry, join(workDir, 'floor'), DEPLOYED_BUNDLE_OPTIONS);

  // The handler reads its configuration at init, as in Lambda; the deployed bundle needs no node_modules.
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    PARKED_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
  };
  const handlerTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    handlerTimes.push(initTimeMs(deployed.file, env));
    floorTimes.push(initTimeMs(floor.file, env));
  }
  return {
    handlerBundleBytes: ownCode.totalBytes,
    deployedBundleBytes: deployed.bytes,
    deployedCodeBytes: deployed.totalBytes,
    floorBundleBytes: floor.totalBytes,
    handlerInitMs: median(handlerTimes),
    floorInitMs: median(floorTimes),
    runs,
  };
}
