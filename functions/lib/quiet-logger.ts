import type { StepLogger } from './read-messages';

type LogCall = StepLogger['warn'];

/**
 * A logger whose calls never throw: a log line that cannot be written (a broken transport, an
 * attribute the logger cannot serialise) is dropped instead of failing the message being logged, or
 * the whole batch around it.
 */
export function quietLogger(logger: StepLogger): StepLogger {
  const quiet = (call: LogCall): LogCall => {
    const bound = call.bind(logger) as (...args: Parameters<LogCall>) => void;
    return (...args) => {
      try {
        bound(...args);
      } catch {
        // Logging is never worth a message.
      }
    };
  };
  return {
    debug: quiet(logger.debug),
    info: quiet(logger.info),
    warn: quiet(logger.warn),
    error: quiet(logger.error),
  };
}
