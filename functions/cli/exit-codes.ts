/** The CLI's exit statuses. Documented in `--help` and in the README; scripts rely on them. */
export const ExitCode = {
  /** Everything asked for was done. */
  Ok: 0,
  /** Done, but some tokens failed or were rejected, `inspect` found a live token, or some DLQ messages were not moved. */
  Partial: 1,
  /** Bad usage or bad input (an invalid token, a missing flag, a bad flag value): nothing was sent. */
  Usage: 2,
  /** Configuration error (a bad environment variable), or SQS / Stack Exchange unreachable, refusing access or throttling: results are incomplete. */
  Unavailable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table shown in every help text. */
export const EXIT_CODES_HELP = `Exit codes:
  0  everything asked for was done
  1  some tokens failed or were rejected; inspect: a token is still live;
     dlq redrive: some messages could not be moved
  2  bad usage, a bad flag value or invalid input (which token and why is printed); nothing was sent
  3  configuration error (a bad environment variable), or SQS / Stack Exchange unreachable,
     denying access or throttling`;

/** An error the CLI reports as one clear line on stderr (or a JSON object with --json) and an exit status. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  /** Extra lines (for example one per invalid token). Never contains a token. */
  readonly details: readonly string[];

  constructor(
    message: string,
    exitCode: ExitCode,
    details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.exitCode = exitCode;
    this.details = details;
  }
}
