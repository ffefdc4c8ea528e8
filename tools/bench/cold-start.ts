import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';

/** Bundle settings of the deployed function (infra: minified ESM, AWS SDK external, node22 target). */
export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['@aws-sdk/*'],
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  logLevel: 'silent',
};

export interface ColdStartFigures {
  readonly handlerBundleBytes: number;
  readonly floorBundleBytes: number;
  /** Median module initialisation time of the handler bundle in fresh processes, ms. */
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

/**
 * Bundles the handler the way the CDK construct does and a ky-only floor, then measures both:
 * size on disk and module initialisation time (median of `runs` fresh processes, interleaved).
 */
export async function measureColdStart(root: string, workDir: string, runs = 31): Promise<ColdStartFigures> {
  mkdirSync(workDir, { recursive: true });
  const floorEntry = join(workDir, 'ky-floor.mjs');
  writeFileSync(
    floorEntry,
    "import ky from 'ky';\nexport const client = ky.create({ prefixUrl: 'https://api.stackexchange.com/2.3/' });\n",
  );
  const handlerOut = join(workDir, 'handler.mjs');
  const floorOut = join(workDir, 'floor.mjs');
  const handlerResult = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [join(root, 'functions/revoke-tokens/handler.ts')],
    outfile: handlerOut,
    metafile: true,
    nodePaths: [join(root, 'node_modules')],
  });
  const floorResult = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [floorEntry],
    outfile: floorOut,
    metafile: true,
    nodePaths: [join(root, 'node_modules')],
  });
  const bytes = (result: { metafile?: { outputs: Record<string, { bytes: number }> } }, out: string) =>
    Object.entries(result.metafile?.outputs ?? {}).find(([path]) =>
      out.endsWith(path.replace(/^.*\//, '')),
    )?.[1].bytes ?? 0;

  // The handler reads its configuration at init, as in Lambda; @aws-sdk resolves from node_modules.
  const env = {
    ...process.env,
    NODE_PATH: join(root, 'node_modules'),
    AWS_REGION: 'us-east-1',
    PARKED_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
  };
  const handlerTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    handlerTimes.push(initTimeMs(handlerOut, env));
    floorTimes.push(initTimeMs(floorOut, env));
  }
  return {
    handlerBundleBytes: bytes(handlerResult, handlerOut),
    floorBundleBytes: bytes(floorResult, floorOut),
    handlerInitMs: median(handlerTimes),
    floorInitMs: median(floorTimes),
    runs,
  };
}
