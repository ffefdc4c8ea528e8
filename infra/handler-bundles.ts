/**
 * The Lambda handlers the package ships prebuilt. `npm run build` (tools/build) bundles
 * `functions/<folder>/handler.ts` of every folder listed here into `dist/handlers/<folder>/index.mjs`
 * (with its source map); the construct deploys that folder as the function's code. Adding a handler
 * is one line in HANDLER_FOLDERS.
 * Plain values and node:fs only: the build script loads this file, and it must not load aws-cdk-lib.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Handler folders under functions/, each with a `handler.ts` exporting `handler`. */
export const HANDLER_FOLDERS = ['revoke-tokens', 'routine-consumer'] as const;
export type HandlerFolder = (typeof HANDLER_FOLDERS)[number];

/** The bundle's file name inside its folder; the Lambda handler setting is `index.handler`. */
export const HANDLER_BUNDLE_FILE = 'index.mjs';
export const HANDLER_FUNCTION = 'index.handler';

/** Where the bundles live, relative to the package root. */
export const HANDLER_BUNDLES_DIR = join('dist', 'handlers');

/** A handler's bundle is not where the construct expects it. */
export class HandlerBundleMissingError extends Error {
  override readonly name = 'HandlerBundleMissingError';
  readonly folder: string;
  readonly path: string;

  constructor(folder: string, path: string, options?: ErrorOptions) {
    super(
      `TokenRevocation: no prebuilt handler '${folder}' at ${path}. In the token-revoker repository run ` +
        '`npm run build` (npm ci runs it); an installed package always contains it.',
      options,
    );
    this.folder = folder;
    this.path = path;
  }
}

/**
 * The package root: the nearest folder above this file holding a package.json. That is the
 * repository when this file runs from its source (infra/), and the installed package when it runs
 * compiled (dist/infra/).
 */
export function packageRoot(from: string = __dirname): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`token-revoker: no package.json above ${from}`);
  }
}

/** The folder holding one handler's bundle and source map: the function's code asset. */
export function handlerBundleDir(folder: string, root: string = packageRoot()): string {
  if (!(HANDLER_FOLDERS as readonly string[]).includes(folder)) {
    throw new Error(
      `TokenRevocation: handler folder must be one of ${HANDLER_FOLDERS.join(', ')}, got '${folder}'`,
    );
  }
  const dir = join(root, HANDLER_BUNDLES_DIR, folder);
  if (!existsSync(join(dir, HANDLER_BUNDLE_FILE))) throw new HandlerBundleMissingError(folder, dir);
  return dir;
}
