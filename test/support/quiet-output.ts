/**
 * Keeps a green test run quiet: what the code under test writes to stdout and stderr (Powertools
 * JSON logs, EMF metrics, SDK warnings) is kept in memory for the test file instead of printed, the
 * way Powertools' own tests mock the console. Tests that assert on output use `captureOutput`
 * (test/support/lambda.ts). Set SHOW_TEST_OUTPUT=1 to see everything while debugging.
 */
const original = { out: process.stdout.write, err: process.stderr.write };
const kept: string[] = [];

function keep(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  kept.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') done();
  return true;
}

if (process.env.SHOW_TEST_OUTPUT !== '1') {
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  afterAll(() => {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  });
}

/** Everything the test file has written so far (while output is kept). */
export function keptOutput(): string {
  return kept.join('');
}
