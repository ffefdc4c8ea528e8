/** A failure of the local Lambda runtime: installing it, the Runtime API protocol, or the function process. */
export class LambdaRuntimeError extends Error {
  override name = 'LambdaRuntimeError';
  /** What was being done and with what (paths, request ids, exit codes): never an event or a payload. */
  readonly context: Readonly<Record<string, string | number | null>>;

  constructor(
    message: string,
    context: Readonly<Record<string, string | number | null>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.context = context;
  }
}
