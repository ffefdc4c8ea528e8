/**
 * Bundles each Lambda handler into the package, the way Construct Hub libraries ship their code:
 * `functions/<folder>/handler.ts` -> `dist/handlers/<folder>/index.mjs` + `index.mjs.map`.
 * Files are replaced atomically and only when their content changed (./replace-file.ts), so a synth
 * or a test reading a bundle while another process builds never sees half a file.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  HANDLER_BUNDLE_FILE,
  HANDLER_BUNDLES_DIR,
  HANDLER_FOLDERS,
  type HandlerFolder,
} from '../../infra/handler-bundles';
import { replaceFile } from './replace-file';

/** Where a handler's chunks go inside its folder: modules it imports on first use (the AWS SDK clients). */
export const HANDLER_CHUNKS_DIR = 'chunks';

/**
 * How a handler is bundled: minified ESM for Node 24 with source maps, the AWS SDK clients included
 * (the versions of package-lock.json, the ones the tests run against, not whatever the Lambda runtime
 * ships: issue 17). Split: what the handlers import with `await import()` on first use (the SQS and
 * DynamoDB commands, the credential providers) lands in `chunks/`, so a cold start parses only the
 * entry, about 90 KB of some 790 KB (BENCHMARKS.md, Cold start; decision record 0006).
 */
export const HANDLER_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  splitting: true,
  entryNames: 'index',
  chunkNames: `${HANDLER_CHUNKS_DIR}/[name]-[hash]`,
  outExtension: { '.js': '.mjs' },
  mainFields: ['module', 'main'],
  external: [],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface BuiltHandler {
  readonly folder: HandlerFolder;
  /** The entry module, relative to the package root. */
  readonly bundle: string;
  /** The entry module's size: what a cold start loads. */
  readonly bytes: number;
  /** The entry and its chunks (no source maps): what the function's code holds. */
  readonly totalBytes: number;
  /** Whether any file differed from the one on disk (and was replaced, or removed). */
  readonly changed: boolean;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/**
 * Bundles every listed handler whose source exists (a listed folder without a handler.ts is skipped).
 * The chunks are written before the entry that imports them, and files of an earlier build that this
 * one no longer has (chunks named by an old hash) are removed after it: the folder is the function's
 * code asset, and nothing stale is deployed.
 */
export async function buildHandlers(root: string): Promise<BuiltHandler[]> {
  const built: BuiltHandler[] = [];
  for (const folder of HANDLER_FOLDERS) {
    const entry = join(root, 'functions', folder, 'handler.ts');
    if (!existsSync(entry)) continue;
    const outdir = join(root, HANDLER_BUNDLES_DIR, folder);
    const outfile = join(outdir, HANDLER_BUNDLE_FILE);
    const result = await build({
      ...HANDLER_BUILD_OPTIONS,
      entryPoints: [entry],
      outdir,
      absWorkingDir: root,
      write: false,
    });
    const entryFirst = (path: string) => (path === outfile || path === `${outfile}.map` ? 1 : 0);
    const outputs = [...result.outputFiles].sort((a, b) => entryFirst(a.path) - entryFirst(b.path));
    let changed = false;
    for (const file of outputs) changed = replaceFile(file.path, file.contents) || changed;
    const written = new Set(outputs.map((file) => relative(outdir, file.path)));
    for (const stale of filesUnder(outdir).filter((file) => !written.has(file))) {
      rmSync(join(outdir, stale), { force: true });
      changed = true;
    }
    const code = outputs.filter((file) => file.path.endsWith('.mjs'));
    built.push({
      folder,
      bundle: relative(root, outfile),
      bytes: code.find((file) => file.path === outfile)?.contents.byteLength ?? 0,
      totalBytes: code.reduce((sum, file) => sum + file.contents.byteLength, 0),
      changed,
    });
  }
  return built;
}
