import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStartOptions, StartUsageError, USAGE } from '../../tools/local-pipeline/options';
import { runNpmStart } from './support';

const usageError = (args: readonly string[]): string => {
  try {
    parseStartOptions(args);
  } catch (error) {
    if (error instanceof StartUsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${args.join(' ')}`);
};

describe('npm start options (#19 point 3)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-options-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the defaults, and every option', () => {
    expect(parseStartOptions([])).toMatchObject({ tokens: 60, tickSeconds: 60, keepRunning: false });
    expect(
      parseStartOptions([
        '--tokens',
        '20',
        '--tick-seconds',
        '4',
        '--keep-running',
        '--tokens-file',
        join(dir, 't'),
      ]),
    ).toMatchObject({ tokens: 20, tickSeconds: 4, keepRunning: true, tokensFile: join(dir, 't') });
  });

  it('names the option at fault: unknown, a positional, a bad number', () => {
    expect(usageError(['--bogus'])).toMatch(/^Unknown option '--bogus'/);
    expect(usageError(['extra'])).toMatch(/Unexpected argument 'extra'/);
    expect(usageError(['--tick-seconds', '2'])).toBe(
      '--tick-seconds: "2" is not a number between 4 and 3600',
    );
  });

  it('checks the tokens file folder of --keep-running before anything starts', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const readOnly = join(dir, 'read-only');
    rmSync(readOnly, { force: true, recursive: true });
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    expect(usageError(['--keep-running', '--tokens-file', '/nonexistent/dir/t.txt'])).toBe(
      '--tokens-file: the folder /nonexistent/dir does not exist',
    );
    expect(usageError(['--keep-running', '--tokens-file', join(file, 't.txt')])).toBe(
      `--tokens-file: ${file} is not a folder`,
    );
    // root may write anywhere: only a non-root user sees the folder refused.
    if (process.getuid?.() !== 0)
      expect(usageError(['--keep-running', '--tokens-file', join(readOnly, 't.txt')])).toMatch(
        /is not writable/,
      );
    expect(parseStartOptions(['--tokens-file', '/nonexistent/dir/t.txt']).keepRunning).toBe(false);
  });

  it.each([
    ['--bogus', ['--bogus']],
    [
      '--keep-running --tokens-file /nonexistent/dir/t.txt',
      ['--keep-running', '--tokens-file', '/nonexistent/dir/t.txt'],
    ],
  ])(
    'npm start -- %s: one line, the usage, exit 2, nothing started',
    async (_name, args) => {
      const run = await runNpmStart(args);
      expect(run.code).toBe(2);
      expect(run.output).toContain(`npm start: ${usageError(args)}\n\n${USAGE}\n`);
      expect(run.output).not.toMatch(/\n\s+at |ERR_PARSE_ARGS|Settings|Enqueued/);
    },
    30_000,
  );

  it('fits its usage in 80 columns', () => {
    expect(USAGE.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });
});
