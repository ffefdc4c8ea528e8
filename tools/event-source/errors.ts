/**
 * Thrown by a handler instance whose runtime died (its process was killed or exited): the event
 * source throws the environment away and builds a new one for the next invocation, as Lambda does.
 */
export class RuntimeExitedError extends Error {
  override name = 'RuntimeExitedError';
  /** Exit code, or the signal that ended the runtime. */
  readonly exit: number | string;

  constructor(exit: number | string, options?: { cause?: unknown }) {
    super(`The function's runtime exited (${String(exit)})`, options);
    this.exit = exit;
  }
}

/** The queue cannot feed this function (Lambda refuses such an event source mapping too). */
export class EventSourceMappingError extends Error {
  override name = 'EventSourceMappingError';
  readonly queueUrl: string;

  constructor(queueUrl: string, message: string, options?: { cause?: unknown }) {
    super(`${queueUrl}: ${message}`, options);
    this.queueUrl = queueUrl;
  }
}
