/**
 * The enqueue library as one ES module for bundlers (`dist/esm/index.mjs`, the `module` condition of
 * the `token-revoker` entry). Node itself, through `import` or `require`, loads the CommonJS build
 * (one copy of every class at run time); esbuild, webpack and Rollup pick this file and drop what a
 * function does not use: a Lambda function that only enqueues leaves out the Stack Exchange client
 * and ky. Dependencies stay imports, resolved by the consumer's bundler.
 */
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { replaceFile } from './replace-file';

export const LIBRARY_MODULE = join('dist', 'esm', 'index.mjs');

export const LIBRARY_MODULE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The package's engines: Node 22.12 or newer.
  target: 'node22.12',
  packages: 'external',
  logLevel: 'warning',
} as const satisfies BuildOptions;

export async function buildLibraryModule(root: string): Promise<void> {
  const result = await build({
    ...LIBRARY_MODULE_OPTIONS,
    entryPoints: [join(root, 'functions', 'index.ts')],
    outfile: join(root, LIBRARY_MODULE),
    absWorkingDir: root,
    write: false,
  });
  for (const file of result.outputFiles) replaceFile(file.path, file.contents);
}
