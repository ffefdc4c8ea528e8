import { readFile } from 'node:fs/promises';
import { checkToken, fingerprint } from '../lib/tokens';
import { CliError, ExitCode } from './exit-codes';
import type { Io } from './io';

/** A token and where it came from (`argument 2`, `stdin line 7`, `tokens.txt line 3`), for messages. */
export interface InputToken {
  readonly token: string;
  readonly where: string;
  readonly fingerprint: string;
}

export interface TokenInputOptions {
  /** A file with one token per line; `-` is standard input. @default undefined */
  readonly file?: string;
  /** Accept tokens given as arguments (they show in `ps` and stay in shell history). @default false */
  readonly allowTokenArgs?: boolean;
}

/** Why tokens are not taken from arguments by default; in the error and in every --help. */
export const TOKEN_ARGS_RISK =
  'arguments show in ps to every user of this machine and stay in your shell history';

/** Plain words for the usual reasons a file cannot be read. */
const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Splits text into tokens, one per line; blank lines and lines starting with `#` are skipped, CR and surrounding spaces ignored. */
function linesOf(text: string, label: string): { value: string; where: string }[] {
  return text.split('\n').flatMap((raw, index) => {
    const value = raw.replace(/\r$/, '').trim();
    return value === '' || value.startsWith('#') ? [] : [{ value, where: `${label} line ${index + 1}` }];
  });
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Collects tokens from `--file` (or `--file -`), from standard input when no file is given and
 * stdin is not a terminal, and from the arguments only with `allowTokenArgs`. Every token is checked
 * with the handler's rules; invalid ones are reported by position and reason (never by value) and
 * nothing is returned.
 */
export async function readTokens(
  args: readonly string[],
  options: TokenInputOptions,
  io: Io,
): Promise<InputToken[]> {
  if (args.length > 0 && options.allowTokenArgs !== true) {
    throw new CliError(
      `${args.length} token(s) given as arguments, and ${TOKEN_ARGS_RISK}: nothing was sent. Pass them on standard input or with --file FILE (or add --allow-token-args to accept the risk)`,
      ExitCode.Usage,
    );
  }
  const candidates = args.map((value, index) => ({ value, where: `argument ${index + 1}` }));
  let source = 'the arguments';
  if (options.file !== undefined) {
    const fromStdin = options.file === '-';
    source = fromStdin ? 'standard input' : `--file ${options.file}`;
    let text: string;
    try {
      text = fromStdin ? await readStream(io.stdin) : await readFile(options.file, 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      throw new CliError(`cannot read --file ${options.file}: ${READ_ERRORS[code] ?? code}`, ExitCode.Usage);
    }
    candidates.push(...linesOf(text, fromStdin ? 'stdin' : options.file));
  } else if (args.length === 0 && io.stdin.isTTY !== true) {
    source = 'standard input';
    candidates.push(...linesOf(await readStream(io.stdin), 'stdin'));
  }
  if (candidates.length === 0) {
    throw new CliError(
      source === 'the arguments'
        ? 'no tokens given: pass --file FILE, or pipe them on standard input (one per line)'
        : `no tokens in ${source}: it holds only blank lines and # comments (one token per line)`,
      ExitCode.Usage,
    );
  }
  const problems: string[] = [];
  const tokens: InputToken[] = [];
  for (const { value, where } of candidates) {
    const check = checkToken(value);
    if (check.ok) tokens.push({ token: check.token, where, fingerprint: fingerprint(check.token) });
    else problems.push(`${where} (fingerprint ${fingerprint(value)}): ${check.problem}: ${check.detail}`);
  }
  if (problems.length > 0) {
    throw new CliError(`${problems.length} invalid token(s); nothing was sent`, ExitCode.Usage, problems);
  }
  return tokens;
}

/** The tokens without repeats, in first-seen order. */
export function uniqueTokens(tokens: readonly InputToken[]): InputToken[] {
  const seen = new Map<string, InputToken>();
  for (const token of tokens) if (!seen.has(token.token)) seen.set(token.token, token);
  return [...seen.values()];
}
