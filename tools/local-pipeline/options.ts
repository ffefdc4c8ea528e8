/**
 * The options of `npm start`, all checked before anything starts: an unknown option, a bad number or
 * a tokens file whose folder cannot take it is one line naming the option, then the usage (exit 2),
 * never a stack and never after the demo has run.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEPLOYED_TICK_SECONDS } from './settings';

export interface StartOptions {
  /** Routine logouts in the trickle. */
  readonly tokens: number;
  readonly tickSeconds: number;
  readonly faultRate: number;
  readonly latencyMs: number;
  readonly seed: number;
  readonly urgentFunctionTimeoutSeconds: number;
  readonly timeLimitSeconds: number;
  readonly keepRunning: boolean;
  /** Where --keep-running writes live tokens. */
  readonly tokensFile: string;
  readonly help: boolean;
}

export const USAGE = `Usage: npm start -- [options]
  --tokens N            routine logouts in the trickle (default 60)
  --tick-seconds S      the routine consumer's schedule, 4 or more
                        (default ${DEPLOYED_TICK_SECONDS}, the deployed tick; shorter is faster)
  --fault-rate R        share of API requests that fail transiently (default 0)
  --latency-ms N        simulated API latency per call (default 30)
  --seed N              seed of the simulator and the arrivals (default 1)
  --function-timeout S  the urgent handler's timeout (default 8)
  --time-limit S        give up on the demo after this long (default 600)
  --keep-running        keep serving after the demo; print the environment and
                        the CLI commands (audit included), then one line per
                        event (runs, invocations, settled tokens, dead letters)
  --tokens-file PATH    where --keep-running writes five live tokens, mode 0600
                        (default tokens.txt)
  --help                this text`;

/** A command line `npm start` cannot run with; the message names the option. */
export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
}

/** The folder must exist and be writable: --keep-running writes the tokens file only after the demo. */
function checkTokensFolder(file: string): void {
  const folder = dirname(resolve(file));
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    throw new StartUsageError(`--tokens-file: the folder ${folder} does not exist`);
  }
  if (!isFolder) throw new StartUsageError(`--tokens-file: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new StartUsageError(`--tokens-file: the folder ${folder} is not writable`);
  }
}

/** Parses and checks `args` (what follows `npm start --`); throws StartUsageError. */
export function parseStartOptions(args: readonly string[]): StartOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        tokens: { type: 'string', default: '60' },
        'tick-seconds': { type: 'string', default: String(DEPLOYED_TICK_SECONDS) },
        'fault-rate': { type: 'string', default: '0' },
        'latency-ms': { type: 'string', default: '30' },
        seed: { type: 'string', default: '1' },
        'function-timeout': { type: 'string', default: '8' },
        'time-limit': { type: 'string', default: '600' },
        'keep-running': { type: 'boolean', default: false },
        'tokens-file': { type: 'string', default: 'tokens.txt' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // parseArgs' messages name the option ("Unknown option '--bogus'..."); the rest is its stack.
    const { message } = error as { message?: unknown };
    throw new StartUsageError(String(message ?? error).split('\n')[0] ?? '', { cause: error });
  }
  const number = (name: string, min: number, max: number): number => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new StartUsageError(
        `--${name}: "${String(values[name])}" is not a number between ${min} and ${max}`,
      );
    return value;
  };
  const options: StartOptions = {
    tokens: number('tokens', 1, 100_000),
    tickSeconds: number('tick-seconds', 4, 3600),
    faultRate: number('fault-rate', 0, 0.9),
    latencyMs: number('latency-ms', 0, 5000),
    seed: number('seed', 0, 2 ** 31),
    urgentFunctionTimeoutSeconds: number('function-timeout', 1, 900),
    timeLimitSeconds: number('time-limit', 10, 86_400),
    keepRunning: values['keep-running'] === true,
    tokensFile: String(values['tokens-file']),
    help: values.help === true,
  };
  if (options.keepRunning && !options.help) checkTokensFolder(options.tokensFile);
  return options;
}
