import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { summaryText } from '../../tools/local-pipeline/report';
import type { Summary } from '../../tools/local-pipeline/summary';
import { runNpmStart } from './support';

const ROOT = join(__dirname, '..', '..');

/** A finished demo's summary, as `summarize` reads it. */
const summary = (overrides: Partial<Summary> = {}): Summary => ({
  routineTokens: 60,
  routineCalls: [20, 20, 20],
  urgentSecondsToRevoke: 1.5,
  compromised: { tokens: 2, seconds: 1.2 },
  rejectedParked: true,
  invalidated: 61,
  deauthenticated: 2,
  apiCalls: 6,
  consumerRuns: 1,
  urgentInvocations: 2,
  backoffViolations: 0,
  throttleViolations: 0,
  deadLetters: [
    { kind: 'parked', reason: 'rejected_by_api', lane: 'urgent', fingerprints: ['0123456789ab'] },
  ],
  stillQueued: 0,
  problems: [],
  ...overrides,
});

describe('what npm start prints (#19 points 5 and 6)', () => {
  it('words the summary plainly: every urgent message, the calls, what de-authenticated means', () => {
    // Act
    const text = summaryText(summary(), 75.2, 80);
    const partial = summaryText(summary({ routineCalls: [20, 12, 8], consumerRuns: 2 }), 75.2, 80);
    // Assess (words, whatever the wrapping)
    const flat = (wrapped: string) => wrapped.replace(/\s+/g, ' ');
    expect(flat(text)).toContain('60 logouts revoked in 3 calls, all full (20 tokens), over 1 consumer run ');
    expect(flat(partial)).toContain(
      '60 logouts revoked in 3 calls: 1 full (20 tokens), the others [12 8], over 2 consumer runs ',
    );
    expect(flat(text)).toContain('3 messages, 2 invocations of the urgent function:');
    expect(flat(text)).toContain('- the leaked token: revoked 1.5 s after it was sent');
    expect(flat(text)).toContain(
      '- the compromised account: its 2 tokens de-authenticated 1.2 s after they were sent',
    );
    expect(flat(text)).toContain('- the token the API rejects: parked in the parked queue (rejected_by_api)');
    expect(flat(text)).toContain(
      "2 de-authenticated (the app removed from the compromised user's account, which kills all of that user's tokens for the app)",
    );
    expect(text + partial).not.toMatch(/\(s\)/);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  it('fits 80 columns from settings to summary, and ends with what to try next', async () => {
    // Act: a short plain run, its output not a terminal and COLUMNS unset (80 columns).
    const { COLUMNS: _unset, ...env } = process.env;
    const run = await runNpmStart(['--tick-seconds', '4', '--tokens', '20'], env);
    // Assess
    expect(run.code).toBe(0);
    const lines = run.output.split('\n').filter((line) => !line.startsWith('> ')); // npm's own lines
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(run.output).toMatch(/routine 20\/20 sent, 20 revoked/);
    expect(run.output).toContain('Consistent: every token is revoked');
    expect(run.output).toMatch(
      /Next: `npm start -- --keep-running` keeps both lanes up[\s\S]*npx token-revoker/,
    );
  }, 120_000);

  it('in a 60-column terminal, rewrites its status line in place within 59 columns, clearing the rest', async () => {
    // Act: a real pseudo-terminal (util-linux script) of 60 columns.
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        'script',
        ['-qec', 'stty cols 60; npm start --silent -- --tick-seconds 4 --tokens 20', '/dev/null'],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on('close', (code) => resolve({ code, output }));
    });
    // Assess
    expect(run.code).toBe(0);
    const segments = run.output.split(/\r\n|\n|\r/);
    const status = segments.filter((segment) => /^ +\d+\.\d s {2}routine \d+\/20 sent/.test(segment));
    expect(status.length).toBeGreaterThan(4);
    const CLEAR_TO_END = '\u001b[K';
    for (const line of status) {
      expect(line.endsWith(CLEAR_TO_END)).toBe(true);
      expect(line.length - CLEAR_TO_END.length).toBeLessThanOrEqual(59);
    }
    expect(
      Math.max(...segments.map((segment) => segment.replace(CLEAR_TO_END, '').length)),
    ).toBeLessThanOrEqual(60);
  }, 120_000);
});
