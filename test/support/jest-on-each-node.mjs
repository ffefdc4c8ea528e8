// Runs the whole jest suite once on each supported Node version, both from node_modules: Node 24 (what
// Lambda runs; the `node` devDependency) and Node 22 (the oldest supported; the `node22` alias). Each run
// gets its Node first on PATH, so the processes the tests start (`node`, tsx, npx) use it too.
// Ends with the one plain line CI reads: "jest: N passed, N failed, N skipped" (all runs together).
// Arguments are passed to jest (`npm test -- test/lib`). Exit code 0 only if every run passed.
// See docs/decisions/0002-supported-node-versions.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIMES = [
  { name: 'Node 24', node: join(ROOT, 'node_modules', 'node', 'bin', 'node') },
  { name: 'Node 22', node: join(ROOT, 'node_modules', 'node22', 'bin', 'node') },
];
const jest = createRequire(join(ROOT, 'package.json')).resolve('jest/bin/jest');
const folder = mkdtempSync(join(tmpdir(), 'jest-on-each-node-'));

const total = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
try {
  for (const [index, runtime] of RUNTIMES.entries()) {
    if (!existsSync(runtime.node)) {
      process.stdout.write(`\n${runtime.name}: ${runtime.node} is missing; run npm ci\n`);
      total.failed += 1;
      exitCode = 1;
      continue;
    }
    const summaryFile = join(folder, `run-${index}.json`);
    const run = spawnSync(runtime.node, [jest, ...process.argv.slice(2)], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${dirname(runtime.node)}${delimiter}${process.env.PATH ?? ''}`,
        JEST_SUMMARY_FILE: summaryFile,
      },
    });
    if (run.status !== 0) exitCode = 1;
    if (existsSync(summaryFile)) {
      const counts = JSON.parse(readFileSync(summaryFile, 'utf8'));
      total.passed += counts.passed;
      total.failed += counts.failed;
      total.skipped += counts.skipped;
    } else {
      // jest ended without results (a crash or a configuration error): that run counts as one failure.
      process.stdout.write(`\njest on ${runtime.name} ended without results (${run.signal ?? run.status})\n`);
      total.failed += 1;
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
process.stdout.write(`\njest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(exitCode);
