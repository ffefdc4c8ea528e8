import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoTokens, runCli } from './run-cli';

describe('token-revoker: help and bad input', () => {
  it('prints help with examples and exit codes, exit 0', async () => {
    // Act
    const run = await runCli(['--help']);
    // Assess
    expect(run.code).toBe(0);
    for (const command of [
      'enqueue',
      'invalidate',
      'inspect',
      'deauthenticate',
      'dlq',
      'audit',
      'pause',
      'resume',
      'status',
    ])
      expect(run.stdout).toContain(command);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toMatch(/Exit codes:[\s\S]*0 {2}everything[\s\S]*3 {2}configuration/);
  });

  it.each([
    ['enqueue', 'REVOCATION_QUEUE_URL'],
    ['enqueue', 'REVOCATION_URGENT_QUEUE_URL'],
    ['invalidate', 'STACKEXCHANGE_API_URL'],
    ['inspect', 'still live'],
    ['deauthenticate', '--confirm-remove-app'],
  ])('documents %s with its flags, environment variables and examples', async (command, expected) => {
    // Act
    const run = await runCli([command, '--help']);
    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(expected);
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toMatch(/--allow-token-args[\s\S]*show in ps[\s\S]*shell history/);
  });

  it('documents dlq list and redrive', async () => {
    const list = await runCli(['dlq', 'list', '--help']);
    const redrive = await runCli(['dlq', 'redrive', '--help']);
    expect(list.stdout).toContain('DEAD_LETTER_QUEUE_URL');
    expect(redrive.stdout).toContain('--include-parked');
    expect(redrive.stdout).toContain('StartMessageMoveTask is never used');
    expect(redrive.stdout).toContain('--to QUEUE_URL');
    expect(list.stdout).toContain('never printed');
  });

  it('documents pause, resume and status with their settings and the deploy caveat', async () => {
    const pause = await runCli(['pause', '--help']);
    const resume = await runCli(['resume', '--help']);
    const status = await runCli(['status', '--help']);
    for (const run of [pause, resume, status]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('CONTROL_TABLE_NAME');
      expect(run.stdout).toContain('URGENT_EVENT_SOURCE_MAPPING_UUID');
      expect(run.stdout).toContain('Exit codes:');
    }
    expect(pause.stdout).toContain('--reason');
    expect(pause.stdout).toMatch(/a deploy[\s\S]*held/);
    expect(resume.stdout).toContain('at most 12 hours');
    expect(status.stdout).toContain('--no-dead-letters');
  });

  it('exits 2 on an unknown command or option, naming its length but never echoing it (it may be a token)', async () => {
    const command = await runCli(['revoke-everything']);
    const option = await runCli(['invalidate', '--frobnicate']);
    // Security review 2: with --allow-token-args a token that starts with "-" reads as an option.
    const token = await runCli(['invalidate', '--allow-token-args', '-SECRETtok3n))', 'goodToken1']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command (an argument of 17 characters, not shown)');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('unknown option (an argument of 12 characters, not shown)');
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('unknown option (an argument of 14 characters, not shown)');
    expectNoTokens(token, ['-SECRETtok3n))', 'SECRETtok3n', 'goodToken1']);
    expect(command.stderr + option.stderr).not.toMatch(/revoke-everything|frobnicate/);
  });

  it('exits 2 naming the position and reason of every invalid token, without echoing any', async () => {
    // Prepare
    const tokens = ['goodToken1))', 'bad;token', 'x'.repeat(300), 'also/bad'];
    // Act
    const run = await runCli(['invalidate', '--api-url', 'http://127.0.0.1:9/2.3'], {
      stdin: `${tokens.join('\n')}\n`,
    });
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('3 invalid token(s); nothing was sent');
    expect(run.stderr).toMatch(/stdin line 2 \(fingerprint [0-9a-f]{12}\): bad_character: character 4/);
    expect(run.stderr).toMatch(/stdin line 3 .*too_long/);
    expect(run.stderr).toMatch(/stdin line 4 .*bad_character/);
    expectNoTokens(run, tokens);
  });

  it('reports argument positions and a JSON error with --json', async () => {
    const run = await runCli(['inspect', '--json', '--allow-token-args', 'fine', 'no.dots'], { env: {} });
    expect(run.code).toBe(2);
    const document = JSON.parse(run.stdout) as { exitCode: number; error: { details: string[] } };
    expect(document.exitCode).toBe(2);
    expect(document.error.details[0]).toMatch(/^argument 2 .*bad_character/);
    expectNoTokens(run, ['no.dots']);
  });

  it('exits 2 when there are no tokens or the file cannot be read, saying which input was empty', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'token-revoker-'));
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '# only a comment\n\n');
    // Act
    const none = await runCli(['invalidate'], { stdin: '# only a comment\n\n' });
    const emptyFile = await runCli(['invalidate', '--file', empty]);
    const missing = await runCli(['invalidate', '--file', '/nonexistent/tokens.txt']);
    // Assess
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no tokens in standard input: it holds only blank lines and # comments');
    expect(emptyFile.code).toBe(2);
    expect(emptyFile.stderr).toContain(`no tokens in --file ${empty}`);
    expect(emptyFile.stderr).not.toContain('pass --file');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --file /nonexistent/tokens.txt: no such file');
    await rm(dir, { recursive: true });
  });

  it('refuses deauthenticate without the confirmation flag (exit 2)', async () => {
    const run = await runCli(['deauthenticate', '--allow-token-args', 'someToken'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--confirm-remove-app');
    expectNoTokens(run, ['someToken']);
  });

  it('exits 2 for a bad option value and 3 for a bad environment variable, naming both', async () => {
    // Act
    const flags = await Promise.all([
      runCli(['inspect', '--api-url', 'http://api.example.com/2.3'], { stdin: 'someToken\n' }),
      runCli(['inspect', '--requests-per-second', 'abc'], { stdin: 'someToken\n' }),
    ]);
    const variables = await Promise.all([
      runCli(['inspect'], {
        env: { STACKEXCHANGE_API_URL: 'http://api.example.com/2.3' },
        stdin: 'someToken\n',
      }),
      runCli(['inspect'], { env: { STACKEXCHANGE_REQUESTS_PER_SECOND: 'abc' }, stdin: 'someToken\n' }),
    ]);
    // Assess
    expect(flags.map((run) => run.code)).toEqual([2, 2]);
    expect(variables.map((run) => run.code)).toEqual([3, 3]);
    for (const run of [flags[0], variables[0]]) {
      expect(run?.stderr).toContain('--api-url / STACKEXCHANGE_API_URL');
      expect(run?.stderr).toContain('use https');
    }
    for (const run of [flags[1], variables[1]])
      expect(run?.stderr).toContain(
        '--requests-per-second / STACKEXCHANGE_REQUESTS_PER_SECOND: "abc" is not',
      );
  });

  it('reads the same environment variables as the handler', async () => {
    const run = await runCli(['inspect', '--allow-token-args', 'someToken'], {
      env: { STACKEXCHANGE_MAX_ATTEMPTS: '99' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('--max-attempts / STACKEXCHANGE_MAX_ATTEMPTS');
  });
});
