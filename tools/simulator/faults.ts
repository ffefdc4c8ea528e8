import { pick, type Random } from './random';
import type { ApiMethod, FaultKind, FaultMix } from './types';

/** Faults answered with the API's JSON error wrapper; their names are the API's error names. */
export type ErrorFault = Exclude<FaultKind, 'backoff' | 'html_503' | 'connection_reset' | 'timeout'>;

const ERROR_FAULTS: ReadonlySet<FaultKind> = new Set<ErrorFault>([
  'internal_error',
  'temporarily_unavailable',
  'write_failed',
  'duplicate_request',
  'throttle_violation',
  'bad_parameter',
  'access_denied',
  'no_method',
  'key_required',
  'access_token_required',
  'invalid_access_token',
]);

/** True for faults answered with an error wrapper (HTTP 400, error_id, error_name). */
export function isErrorFault(kind: FaultKind): kind is ErrorFault {
  return ERROR_FAULTS.has(kind);
}

interface QueuedFault {
  readonly kind: FaultKind;
  readonly method: ApiMethod | undefined;
  times: number;
}

/** Which fault, if any, each request gets: queued (injected) faults first, then the random mix. */
export class FaultPlan {
  #queued: QueuedFault[] = [];
  #mix: FaultMix | undefined;
  readonly #random: Random;

  constructor(random: Random, mix?: FaultMix) {
    this.#random = random;
    this.setMix(mix);
  }

  /** The next `times` requests (to `method`, if given) get `kind`. Injections are served in order. */
  inject(kind: FaultKind, method?: ApiMethod, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`times must be at least 1, got ${times}`);
    this.#queued.push({ kind, method, times });
  }

  setMix(mix: FaultMix | undefined): void {
    if (mix !== undefined && !(mix.rate >= 0 && mix.rate <= 1))
      throw new RangeError(`fault rate must be in [0, 1], got ${mix.rate}`);
    this.#mix = mix === undefined ? undefined : { rate: mix.rate, kinds: [...mix.kinds] };
  }

  /** Draws the fault of one request. A random draw happens only when a mix is set. */
  draw(method: ApiMethod | 'unknown'): FaultKind | undefined {
    const index = this.#queued.findIndex((q) => q.method === undefined || q.method === method);
    const queued = this.#queued[index];
    if (queued !== undefined) {
      queued.times -= 1;
      if (queued.times <= 0) this.#queued.splice(index, 1);
      return queued.kind;
    }
    const mix = this.#mix;
    if (mix === undefined || mix.kinds.length === 0 || mix.rate === 0) return undefined;
    if (this.#random() >= mix.rate) return undefined;
    return pick(this.#random, mix.kinds);
  }

  /** Forgets queued faults (the random mix stays). */
  clearQueue(): void {
    this.#queued = [];
  }
}
