/**
 * `npm run mutate`: runs StrykerJS (stryker.config.mjs) and writes its per-file scores into TESTING.md
 * and tools/mutation/results.json. Arguments go to `stryker run`: with `--mutate <files>` only those
 * files are measured again and replace their rows; without, the whole scope is measured and replaces
 * the table. `--no-run` only rewrites TESTING.md from results.json (after editing notes.ts). Not in CI:
 * the whole scope takes about 50 minutes on 2 cores.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NOTES } from './notes';
import { type FileScore, fileScores, mergeScores, mutationMarkdown, type StrykerReport } from './report';
import { testingMarkdown } from './testing-md';

const root = join(__dirname, '..', '..');
const REPORT = join(root, 'reports/mutation/mutation.json');
/** Stryker's command (its package exports no bin path to resolve). */
const STRYKER = join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js');
const RESULTS = join(root, 'tools/mutation/results.json');
/** The score each core file should reach (issue 20). */
const TARGET_PERCENT = 90;

/** Runs Stryker; the scores of the files it measured, or undefined when it failed. */
function runStryker(args: readonly string[]): FileScore[] | undefined {
  const started = new Date().toISOString();
  const stryker = spawnSync(process.execPath, [STRYKER, 'run', ...args], { cwd: root, stdio: 'inherit' });
  if (stryker.status !== 0) {
    process.stderr.write(`stryker ended with ${stryker.signal ?? stryker.status}; TESTING.md unchanged\n`);
    return undefined;
  }
  return fileScores(JSON.parse(readFileSync(REPORT, 'utf8')) as StrykerReport, started);
}

function main(): number {
  const args = process.argv.slice(2);
  const started = Date.now();
  const earlier: FileScore[] = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : [];
  let scores = earlier;
  let measured = 0;
  if (!args.includes('--no-run')) {
    const run = runStryker(args);
    if (run === undefined) return 1;
    const complete = !args.some((arg) => arg === '-m' || arg.startsWith('--mutate'));
    scores = mergeScores(earlier, run, complete);
    measured = run.length;
    writeFileSync(RESULTS, `${JSON.stringify(scores, null, 2)}\n`);
  }
  writeFileSync(
    join(root, 'TESTING.md'),
    testingMarkdown(mutationMarkdown(scores, FILE_NOTES, TARGET_PERCENT), TARGET_PERCENT),
  );
  process.stderr.write(
    measured === 0
      ? 'Wrote TESTING.md from tools/mutation/results.json\n'
      : `Wrote TESTING.md and tools/mutation/results.json (${measured} files measured in ${((Date.now() - started) / 60_000).toFixed(1)} minutes)\n`,
  );
  return 0;
}

process.exitCode = main();
