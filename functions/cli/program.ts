import { Command, CommanderError } from 'commander';
import { apiCommands } from './commands/api-commands';
import { auditCommand } from './commands/audit';
import { dlqCommand } from './commands/dlq';
import { enqueueCommand } from './commands/enqueue';
import { pauseCommand, resumeCommand } from './commands/pause';
import { statusCommand } from './commands/status';
import { CliError, EXIT_CODES_HELP, ExitCode } from './exit-codes';
import type { Io } from './io';
import { printable, printableValue } from './printable';

const VERSION = '0.1.0';

const MAIN_HELP = `
Examples:
  $ token-revoker enqueue --queue-url "$QUEUE_URL" --file tokens.txt --reason logout
  $ token-revoker enqueue --urgent --urgent-queue-url "$URGENT_QUEUE_URL" --file leaked.txt --reason leak
  $ token-revoker invalidate --file leaked.txt            # incident: call Stack Exchange directly
  $ token-revoker inspect --json < leaked.txt             # exit 1 while any token is still live
  $ token-revoker deauthenticate --confirm-remove-app --file users.txt
  $ token-revoker dlq list --dlq-url "$DLQ_URL"
  $ token-revoker dlq redrive --dlq-url "$DLQ_URL" --to "$QUEUE_URL"
  $ token-revoker audit --file leaked.txt --since 7d     # was it revoked, when, how
  $ token-revoker pause --lane all --reason "API incident"  # until resume, across deploys
  $ token-revoker status                                  # pauses, budget, queues, dead letters

Tokens are never printed, only their fingerprints. Tokens come from --file or stdin; arguments
are refused unless --allow-token-args is given: they show in ps and stay in shell history.
Settings come from flags or the handler's environment variables (STACKEXCHANGE_API_URL,
STACKEXCHANGE_KEY*, DEAD_LETTER_QUEUE_URL, AWS_ENDPOINT_URL_SQS, ...); see each command's --help.
SQS URLs must be https (plain http only for loopback hosts).

${EXIT_CODES_HELP}
`;

/** Builds the `token-revoker` program. Commands report their exit status through `setExitCode`. */
export function createProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('token-revoker')
    .description(
      'Revoke Stack Exchange API access tokens: enqueue them, call the API directly, or manage the dead-letter queue.',
    )
    .version(VERSION)
    .addHelpText('after', MAIN_HELP)
    .showHelpAfterError('(add --help for usage and examples)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.addCommand(enqueueCommand(io, setExitCode));
  for (const command of apiCommands(io, setExitCode)) program.addCommand(command);
  program.addCommand(dlqCommand(io, setExitCode));
  program.addCommand(auditCommand(io, setExitCode));
  for (const command of [pauseCommand, resumeCommand, statusCommand])
    program.addCommand(command(io, setExitCode));
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(withoutArguments(text)),
    });
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/**
 * A usage error without the arguments commander quotes in it ("unknown option '-…'", "unknown command
 * '…'"): with --allow-token-args, any argument may be a token, a token may start with `-`, and what is
 * printed stays in terminals and CI logs. Only its length is kept.
 */
export function withoutArguments(text: string): string {
  return text.replace(
    /'([^'\n]*)'/g,
    (_, argument: string) => `(an argument of ${argument.length} characters, not shown)`,
  );
}

/** Runs the CLI; resolves with the exit status. Errors become one line on stderr (and JSON with --json). */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every usage error (unknown option, missing argument) exits 2.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const failure =
      error instanceof CliError
        ? error
        : new CliError(
            `unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
            ExitCode.Unavailable,
          );
    io.stderr.write(
      printable(
        `token-revoker: ${failure.message}\n${failure.details.map((line) => `  ${line}\n`).join('')}`,
      ),
    );
    if (argv.includes('--json')) {
      const document = {
        error: { message: failure.message, details: failure.details },
        exitCode: failure.exitCode,
      };
      io.stdout.write(`${JSON.stringify(printableValue(document), null, 2)}\n`);
    }
    return failure.exitCode;
  }
}
