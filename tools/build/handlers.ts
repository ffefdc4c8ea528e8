/**
 * Bundles each Lambda handler into the package, the way Construct Hub libraries ship their code:
 * `functions/<folder>/handler.ts` -> `dist/handlers/<folder>/index.mjs` + `index.mjs.map`.
 * Files are replaced atomically and only when their content changed (./replace-file.ts), so a synth
 * or a test reading a bundle while another process builds never sees half a file.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  HANDLER_BUNDLE_FILE,
  HANDLER_BUNDLES_DIR,
  HANDLER_FOLDERS,
  type HandlerFolder,
} from '../../infra/handler-bundles';
import { replaceFile } from './replace-file';

/**
 * How a handler is bundled: minified ESM for Node 24 with a source map, the AWS SDK clients included
 * (the versions of package-lock.json, the ones the tests run against, not whatever the Lambda runtime
 * ships: issue 17). About 680 KB instead of 85 KB, and no slower to load (README, Node versions).
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  external: [],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface BuiltHandler {
  readonly folder: HandlerFolder;
  /** The bundle, relative to the package root. */
  readonly bundle: string;
  readonly bytes: number;
  /** Whether the bundle differed from the one on disk (and was replaced). */
  readonly changed: boolean;
}

/** Bundles every listed handler whose source exists (a listed folder without a handler.ts is skipped). */
export async function buildHandlers(root: string): Promise<BuiltHandler[]> {
  const built: BuiltHandler[] = [];
  for (const folder of HANDLER_FOLDERS) {
    const entry = join(root, 'functions', folder, 'handler.ts');
    if (!existsSync(entry)) continue;
    const outfile = join(root, HANDLER_BUNDLES_DIR, folder, HANDLER_BUNDLE_FILE);
    const result = await build({
      ...HANDLER_BUILD_OPTIONS,
      entryPoints: [entry],
      outfile,
      absWorkingDir: root,
      write: false,
    });
    let changed = false;
    for (const file of result.outputFiles) changed = replaceFile(file.path, file.contents) || changed;
    const bundle = result.outputFiles.find((file) => file.path === outfile);
    built.push({
      folder,
      bundle: relative(root, outfile),
      bytes: bundle?.contents.byteLength ?? 0,
      changed,
    });
  }
  return built;
}
