import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const ROOT = join(__dirname, '..', '..');

export interface ProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * PATH without any node_modules/.bin: a consumer's process must not find this repository's esbuild,
 * tsx or tsc (npx adds the app's own node_modules/.bin by itself).
 */
function consumerPath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(delimiter);
}

/** Runs a command in a consumer's app with a minimal environment; never rejects, returns the exit code. */
export async function runIn(
  cwd: string,
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ProcessRun> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd,
      env: { PATH: consumerPath(), HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr || failed.message,
    };
  }
}

/** The one TypeScript block of the README that imports `token-revoker/cdk`: the platform teams' stack. */
export function readmeStack(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((block) => block.includes("from 'token-revoker/cdk'"));
  if (blocks.length !== 1)
    throw new Error(`README.md: ${blocks.length} stacks import token-revoker/cdk, want 1`);
  return blocks[0] ?? '';
}

/** The compiler options of `cdk init app --language typescript` (aws-cdk 2.1148), emitting to out/. */
export const CDK_INIT_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['es2022'],
  declaration: true,
  strict: true,
  noImplicitAny: true,
  strictNullChecks: true,
  noImplicitThis: true,
  alwaysStrict: true,
  noImplicitReturns: true,
  skipLibCheck: true,
  isolatedModules: true,
  types: [],
  rootDir: '.',
  outDir: 'out',
} as const;

/** Those of apps made by older `cdk init` (CommonJS modules, the compiler's default resolution). */
export const OLDER_CDK_INIT_COMPILER_OPTIONS = {
  target: 'ES2020',
  module: 'commonjs',
  lib: ['es2020'],
  strict: true,
  skipLibCheck: true,
  types: [],
  noEmit: true,
} as const;

/** `^X.Y.Z` holds `version` (same major, not lower). */
export function satisfiesCaret(version: string, range: string): boolean {
  const parse = (text: string) => text.split('.').map((part) => Number.parseInt(part, 10));
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) throw new Error(`not a caret range: ${range}`);
  const [major = 0, minor = 0, patch = 0] = parse(version);
  const [wantMajor = 0, wantMinor = 0, wantPatch = 0] = parse(match[1] ?? '');
  if (major !== wantMajor) return false;
  return minor > wantMinor || (minor === wantMinor && patch >= wantPatch);
}

/**
 * Module specifiers a built file loads: require("x"), import/export ... from "x", import "x",
 * import("x"). Double quotes only: tsc and esbuild emit those, while the sources' comments (and so
 * tsc's copies of them) quote with single quotes and would otherwise read as imports.
 */
export function loadedSpecifiers(code: string): string[] {
  const patterns = [
    /\brequire\(\s*"([^"]+)"\s*\)/g,
    /\bfrom\s*"([^"]+)"/g,
    /\bimport\s*"([^"]+)"/g,
    /\bimport\(\s*"([^"]+)"\s*\)/g,
  ];
  return [...new Set(patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1] ?? '')))];
}

/** The package a specifier names: `@scope/name` or `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}
