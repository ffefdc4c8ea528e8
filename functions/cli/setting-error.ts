import type { Command } from 'commander';
import { ConfigurationError } from '../lib/errors';
import { CliError, ExitCode } from './exit-codes';

/** Tells whether an option's value was typed on this command line (not taken from the environment or a default). */
export type FromCommandLine = (optionKey: string) => boolean;

export function fromCommandLineOf(command: Command): FromCommandLine {
  return (optionKey) => command.getOptionValueSource(optionKey) === 'cli';
}

/**
 * A ConfigurationError as the CLI reports it: a bad value typed on the command line is bad usage
 * (exit 2); a bad value from the environment is a configuration error (exit 3).
 */
export function settingError(error: ConfigurationError, fromCommandLine: boolean, flag?: string): CliError {
  return new CliError(
    `${flag === undefined ? '' : `${flag} / `}${error.message}`,
    fromCommandLine ? ExitCode.Usage : ExitCode.Unavailable,
    [],
    { cause: error },
  );
}

/** Runs a check; a ConfigurationError it throws becomes a CliError as settingError says. */
export function checkSetting<T>(check: () => T, fromCommandLine: boolean): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ConfigurationError) throw settingError(error, fromCommandLine);
    throw error;
  }
}
