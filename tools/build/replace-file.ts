import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `contents` to `path` through a temporary file and a rename, unless the file already holds
 * it: a process reading the file while another builds never sees half of it.
 * @returns whether the file changed
 */
export function replaceFile(path: string, contents: Uint8Array): boolean {
  if (existsSync(path) && Buffer.from(contents).equals(readFileSync(path))) return false;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
  return true;
}
