/**
 * The package's build: `npm run build` (npm ci and npm pack run it through `prepare`).
 *   1. compiles the enqueue library, the CLI and the construct (tsconfig.build.json) into
 *      dist/functions and dist/infra: CommonJS with declarations;
 *   2. bundles the enqueue library as one ES module for bundlers (./library-module.ts);
 *   3. bundles every Lambda handler into dist/handlers (./handlers.ts).
 * `tsx tools/build/main.ts handlers` runs step 3 only: cdk.json runs it before every synth, so the
 * repository's own `npx cdk synth` deploys the current sources through the same prebuilt bundles.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildHandlers } from './handlers';
import { buildLibraryModule } from './library-module';

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
/** The output folders of tsconfig.build.json under dist/. */
const COMPILED = ['functions', 'infra'] as const;

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
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', staging],
    { cwd: ROOT, stdio: 'inherit' },
  );
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
