import { type Command, Option } from 'commander';
import { TOKEN_ARGS_RISK } from './read-tokens';

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
    .argument('[tokens...]', `tokens, only with --allow-token-args (${TOKEN_ARGS_RISK})`)
    .option(
      '-f, --file <path>',
      'read tokens from a file, one per line (# comments and blank lines skipped); - is stdin',
    )
    .option('--allow-token-args', `accept tokens as arguments although ${TOKEN_ARGS_RISK}`);
}

export const TOKEN_INPUT_HELP = `Tokens are read from --file, or from standard input (one per line) when no file is given.
Tokens given as arguments are refused unless --allow-token-args is given: ${TOKEN_ARGS_RISK}.
Tokens are never printed: output names each token by its fingerprint (first 12 hex characters of
its SHA-256; compute one with: printf %s TOKEN | sha256sum | cut -c1-12).`;
