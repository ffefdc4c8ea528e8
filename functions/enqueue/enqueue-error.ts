import { ErrorCategory, TokenRevokerError } from '../lib/errors';

/** One reason a request cannot be enqueued, with the token's position and fingerprint, never the token. */
export interface EnqueueProblem {
  /** Position in the input (0-based), or -1 for a problem with the options. */
  readonly index: number;
  readonly fingerprint?: string;
  readonly problem: string;
  readonly detail: string;
}

/** The input was refused before anything was sent. */
export class EnqueueValidationError extends TokenRevokerError {
  override name = 'EnqueueValidationError';
  readonly problems: readonly EnqueueProblem[];

  constructor(problems: readonly EnqueueProblem[]) {
    const first = problems
      .slice(0, 3)
      .map((p) => (p.index >= 0 ? `token ${p.index + 1}: ${p.detail}` : p.detail))
      .join('; ');
    super(
      `Nothing was enqueued: ${problems.length} problem(s): ${first}${problems.length > 3 ? '; …' : ''}`,
      ErrorCategory.BadInput,
    );
    this.problems = problems;
  }
}
