/**
 * The package's build: `npm run build` (npm ci runs it through `prepare`, `npm run pack` itself).
 *   1. compiles the enqueue library, the CLI and the construct (tsconfig.build.json) into
 *      dist/functions and dist/infra: CommonJS with declarations;
 *   2. bundles the enqueue library as one ES module for bundlers (./library-module.ts);
 *   3. bundles every Lambda handler into dist/handlers (./handlers.ts).
 * `tsx tools/build/main.ts handlers` runs step 3 only: cdk.json runs it before every synth, so the
 * repository's own `npx cdk synth` deploys the current sources through the same prebuilt bundles.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildHandlers } from './handlers';
import { buildLibraryModule } from './library-module';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** The output folders of tsconfig.build.json under dist/. */
const COMPILED = ['functions', 'infra'] as const;

/**
 * The package's `bin` files, relative to dist/. tsc writes them mode 0644; npm makes a bin executable
 * only when it links it, so a rebuild would leave npx's existing link pointing at a file it may not
 * run (`sh: token-revoker: Permission denied`). The build sets the mode itself.
 */
function binFiles(root: string): string[] {
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  return Object.values(bin ?? {}).map((file) => relative('dist', file));
}

/**
 * Compiles into a fresh folder, then swaps each output folder in with two renames: nothing an
 * earlier build left behind (a removed module) reaches the package, and a process reading dist/
 * meanwhile finds whole files.
 */
function compile(): void {
  const staging = join(DIST, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    // TypeScript 7 (the `typescript7` alias: `typescript` itself is 5.9 for the tools that need a
    // compiler API, Stryker's checker) exports no `bin/tsc` subpath: find the bin next to its package.json.
    [
      join(dirname(require.resolve('typescript7/package.json')), 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      staging,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  for (const file of binFiles(ROOT)) chmodSync(join(staging, file), 0o755);
  for (const folder of COMPILED) {
    const target = join(DIST, folder);
    const old = join(DIST, `.old-${process.pid}-${folder}`);
    if (existsSync(target)) renameSync(target, old);
    renameSync(join(staging, folder), target);
    rmSync(old, { recursive: true, force: true });
  }
  rmSync(staging, { recursive: true, force: true });
}

async function main(steps: readonly string[]): Promise<void> {
  if (!steps.includes('handlers')) {
    compile();
    await buildLibraryModule(ROOT);
  }
  await buildHandlers(ROOT);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
