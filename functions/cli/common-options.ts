import { type Command, Option } from 'commander';

/** Options every subcommand has. */
export interface CommonFlags {
  /** Print one JSON document on stdout instead of text. @default false */
  readonly json?: boolean;
  /** Force (`--progress`) or disable (`--no-progress`) the progress bar. @default a bar on a terminal for 100+ tokens */
  readonly progress?: boolean;
}

export function addCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document on stdout (for scripts) instead of text')
    .addOption(new Option('--progress', 'show a progress bar even when stderr is not a terminal'))
    .addOption(new Option('--no-progress', 'never show a progress bar'));
}

/** Options of commands that take tokens. */
export function addTokenInputOptions(command: Command): Command {
  return command
    .argument('[tokens...]', 'tokens (prefer --file or stdin: arguments end up in shell history and ps)')
    .option(
      '-f, --file <path>',
      'read tokens from a file, one per line (# comments and blank lines skipped); - is stdin',
    );
}

export const TOKEN_INPUT_HELP = `Tokens are read from the arguments, from --file, or from standard input (one per line) when
neither is given. Prefer --file or stdin: arguments are visible in shell history and in ps.
Tokens are never printed: output names each token by its fingerprint (first 12 hex characters of
its SHA-256; compute one with: printf %s TOKEN | sha256sum | cut -c1-12).`;
