// Runs the jest suite once on each supported Node version, both from node_modules: Node 24 (what Lambda
// runs: the whole suite) and Node 22 (the oldest supported, for what runs on a user's Node: the enqueue
// library, the CLI, the construct, the code they share with the handlers; not the suites of what only
// ever runs on Node 24: NODE_24_ONLY, nor those that start Node 22 themselves: RUN_ONCE), the binaries
// tools/node-binaries pins in the lock. Each run gets its Node first on PATH, so the processes the tests
// start (`node`, tsx, npx) use it too.
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
const require = createRequire(join(ROOT, 'package.json'));
const { projectNode } = require('./tools/node-binaries');
/**
 * Test folders that only test what runs on Node 24: on Lambda's, the two handlers, the event source
 * model that invokes them, the pipeline of both, the Lambda runtime; on the project's (npm scripts:
 * `npm start`, the benchmarks, the local tools). The Node 22 run leaves them out (decision record 0002,
 * CI time); what runs on a user's Node (the enqueue library, the CLI, the construct, and functions/lib,
 * which the handlers share with them) is tested on both.
 */
export const NODE_24_ONLY = [
  'test/local-pipeline/',
  'test/runtime/',
  'test/bench/',
  'test/revoke-tokens/',
  'test/routine-consumer/',
  'test/event-source/',
  // The project's own tools, which npm runs on its Node 24 (node_modules/.bin/node): the local servers
  // and the simulator (the Node 22 run still starts them for the CLI's tests), the Lambda runtime
  // stand-in, the mutation report, the pinned binaries and the lock.
  'test/local-sqs/',
  'test/local-dynamodb/',
  'test/local-lambda/',
  'test/local-logs/',
  'test/simulator/',
  'test/lambda-runtime/',
  'test/mutation/',
  'test/node-binaries/',
  'test/supply-chain/',
];
/**
 * Suites that bring both Node versions themselves: the packed package is installed once and loaded by
 * Node 22 inside the suite (ky through require, engines), and its other checks (pack, install, a
 * consumer's synth) do not depend on the Node that runs jest. The Node 22 run leaves them out too.
 */
export const RUN_ONCE = ['test/package/packed-install.test.ts'];
const RUNTIMES = [
  { major: 24, extra: [] },
  {
    major: 22,
    extra: [
      '--testPathIgnorePatterns',
      ...[...NODE_24_ONLY, ...RUN_ONCE].map((path) => `/${path}`),
      // `npm test -- test/runtime` leaves the Node 22 run nothing to do: that is no failure.
      '--passWithNoTests',
    ],
  },
].map(({ major, extra }) => ({ name: `Node ${major}`, extra, ...projectNode(major) }));
const jest = require.resolve('jest/bin/jest');
const folder = mkdtempSync(join(tmpdir(), 'jest-on-each-node-'));

const total = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
try {
  for (const [index, runtime] of RUNTIMES.entries()) {
    if (runtime.problem !== undefined) {
      process.stdout.write(`\n${runtime.name}: ${runtime.problem}\n`);
      total.failed += 1;
      exitCode = 1;
      continue;
    }
    const summaryFile = join(folder, `run-${index}.json`);
    const run = spawnSync(runtime.path, [jest, ...runtime.extra, ...process.argv.slice(2)], {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${dirname(runtime.path)}${delimiter}${process.env.PATH ?? ''}`,
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
