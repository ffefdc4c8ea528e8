import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSecretFile } from '../../tools/local-pipeline/keep-running';

describe('writeSecretFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file with mode 0600', () => {
    // Act
    writeSecretFile(join(dir, 'tokens.txt'), ['a', 'b']);
    // Assess
    expect(statSync(join(dir, 'tokens.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'tokens.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('leaves an existing 0644 file 0600 with only the new lines', () => {
    // Prepare
    const path = join(dir, 'tokens.txt');
    writeFileSync(path, 'older and longer content\n', { mode: 0o644 });
    // Act
    writeSecretFile(path, ['fresh']);
    // Assess
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('fresh\n');
  });

  it('replaces a link instead of writing through it', () => {
    // Prepare
    const target = join(dir, 'elsewhere.txt');
    writeFileSync(target, 'not yours\n', { mode: 0o644 });
    const path = join(dir, 'tokens.txt');
    symlinkSync(target, path);
    // Act
    writeSecretFile(path, ['fresh']);
    // Assess
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('not yours\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
