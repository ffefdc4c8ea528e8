/**
 * `npm run size`: the numbers the README's platform-team section quotes. Packs the package, installs
 * it into a temporary app (./consumer-app.ts) and prints the tarball size, the prebuilt handlers'
 * sizes and the size of a Lambda bundle that only enqueues.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleEnqueueOnly, installConsumerApp, packPackage } from './consumer-app';

const ROOT = join(__dirname, '..', '..');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'token-revoker-size-'));
  try {
    const packed = await packPackage(ROOT, work);
    const app = join(work, 'app');
    await installConsumerApp(ROOT, app, packed.tarball, 'service');
    const enqueueOnly = await bundleEnqueueOnly(app);
    const lines = [
      `tarball: ${kb(packed.bytes)} (${kb(packed.unpackedBytes)} unpacked, ${packed.files.length} files)`,
      `enqueue-only function bundle: ${kb(enqueueOnly.bytes)} minified, ${enqueueOnly.inputs.length} modules with code in it`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
