/**
 * `npm run pack`: the package's tarball, with the package.json a consumer needs and nothing else.
 * The repository's package.json carries the development scripts (`prepare`, `test`, `start`), the
 * devDependencies and npm's `allowScripts`; packed as it is, every install of the tarball would warn
 * "install scripts not yet covered by allowScripts: token-revoker (prepare: npm run build)". So this
 * builds, copies the files `npm pack` would take into a staging folder, writes the consumer manifest
 * there (./consumer-manifest.ts) and packs that folder. A plain `npm pack` in the repository is
 * refused by its `prepack` script, which points here.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { consumerManifest } from './consumer-manifest';

const run = promisify(execFile);
const NPM_FLAGS = ['--offline', '--no-audit', '--no-fund', '--loglevel=error'] as const;

export interface PackedPackage {
  readonly tarball: string;
  /** Size of the .tgz, bytes. */
  readonly bytes: number;
  readonly unpackedBytes: number;
  /** Paths inside the package, as npm lists them. */
  readonly files: readonly string[];
}

interface NpmPackReport {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

async function npmPack(cwd: string, args: readonly string[]): Promise<NpmPackReport> {
  const { stdout } = await run('npm', ['pack', '--json', ...args, ...NPM_FLAGS], {
    cwd,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [report] = JSON.parse(stdout) as NpmPackReport[];
  if (report === undefined) throw new Error(`npm pack reported nothing: ${stdout.slice(0, 200)}`);
  return report;
}

/** Builds the package at `root` and packs it, with its consumer manifest, into `destination`. */
export async function packPackage(root: string, destination: string): Promise<PackedPackage> {
  await run('npm', ['run', '--silent', 'build'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  // The files npm would pack from the repository (its `files` field, README, LICENSE), without the
  // repository's prepack (which refuses) and without a second build.
  const listed = await npmPack(root, ['--dry-run', '--ignore-scripts']);
  const staging = mkdtempSync(join(tmpdir(), 'token-revoker-pack-'));
  try {
    for (const { path } of listed.files) {
      if (path === 'package.json') continue;
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      copyFileSync(join(root, path), join(staging, path));
    }
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(staging, 'package.json'), `${JSON.stringify(consumerManifest(manifest), null, 2)}\n`);
    const report = await npmPack(root, [resolve(staging), '--pack-destination', resolve(destination)]);
    return {
      tarball: join(destination, report.filename),
      bytes: report.size,
      unpackedBytes: report.unpackedSize,
      files: report.files.map((file) => file.path),
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const root = join(__dirname, '..', '..');
  packPackage(root, process.cwd())
    .then((packed) => process.stdout.write(`${packed.tarball}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`pack failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
