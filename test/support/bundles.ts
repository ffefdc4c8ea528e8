/**
 * What the tests start as subprocesses, bundled once per jest run from the current sources: the CLI,
 * and the local pipeline's function process (tools/local-pipeline/function-process.ts).
 *
 * Starting either through tsx costs about 1 s of CPU (tsx transforms the sources at every start); the
 * suite starts the CLI about 160 times on each Node version and the function processes about 150 times
 * (every pipeline's instances, every killed one): on two cores that was a good part of CI's time, and
 * the load it made is what timing tests felt. An esbuild bundle of the same sources (dependencies left
 * to node_modules, as the published dist/ resolves them) starts in about 0.35 s. It is built in jest's
 * global setup, so a test never runs code older than the sources. `npx token-revoker` itself (dist/, as
 * npm installs it) is run by test/package/packed-install.test.ts; `npm start` runs the sources with tsx.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { FUNCTION_BUNDLE_VARIABLE } from '../../tools/local-pipeline/function-protocol';

const ROOT = join(__dirname, '..', '..');
/** The environment variable that hands the CLI bundle's path from the global setup to the test workers. */
export const CLI_BUNDLE_VARIABLE = 'TOKEN_REVOKER_TEST_CLI';

/** Each bundle: its entry point, and the variable that names it to the workers (and their children). */
const BUNDLES = [
  { name: 'cli', entry: join(ROOT, 'functions', 'cli', 'main.ts'), variable: CLI_BUNDLE_VARIABLE },
  {
    name: 'function-process',
    entry: join(ROOT, 'tools', 'local-pipeline', 'function-process.ts'),
    variable: FUNCTION_BUNDLE_VARIABLE,
  },
] as const;

/** Inside the repository's node_modules, so that a bundle's dependencies resolve as the sources' do. */
const BUNDLES_FOLDER = join(ROOT, 'node_modules', '.cache', 'token-revoker-tests');

/** One folder per jest process, so two runs at once never share a file. */
function bundleFolder(pid = process.pid): string {
  return join(BUNDLES_FOLDER, String(pid));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the folders of runs whose process is gone (killed, or a runner that skips the teardown). */
function removeStaleFolders(): void {
  if (!existsSync(BUNDLES_FOLDER)) return;
  for (const entry of readdirSync(BUNDLES_FOLDER)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || !alive(pid))
      rmSync(join(BUNDLES_FOLDER, entry), { recursive: true, force: true });
  }
}

/** Bundles `entry` into `outfile` (CommonJS, like dist/; packages stay external). */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
}

/** jest's globalSetup: builds the bundles and tells the workers (started after it) where they are. */
export default async function globalSetup(): Promise<void> {
  removeStaleFolders();
  const folder = bundleFolder();
  mkdirSync(folder, { recursive: true });
  await Promise.all(
    BUNDLES.map(async ({ name, entry, variable }) => {
      const outfile = join(folder, `${name}.cjs`);
      await bundle(entry, outfile);
      process.env[variable] = outfile;
    }),
  );
}

/** Removes this jest run's bundles (its global teardown). */
export function removeBundles(): void {
  rmSync(bundleFolder(), { recursive: true, force: true });
}
