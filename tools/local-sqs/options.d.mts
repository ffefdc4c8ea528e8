export interface LocalSqsOptions {
  /** Port to listen on. @default 0 (a free port), or LOCAL_SQS_PORT */
  readonly port?: number;
  /**
   * Milliseconds added to every SQS call, as a real call in-region takes (about 5-20 ms). Tests where speed
   * matters more than realism may pass a smaller value, saying why. @default 10, or LOCAL_SQS_LATENCY_MS
   */
  readonly latencyMs?: number;
  /**
   * Messages a queue may have in flight before a receive answers OverLimit (SQS: 120,000 per standard
   * queue). @default 120000, or LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES
   */
  readonly maxInFlightMessages?: number;
}

export type ResolvedLocalSqsOptions = {
  readonly [K in keyof LocalSqsOptions]-?: NonNullable<LocalSqsOptions[K]>;
};

/** 10 ms. */
export declare const DEFAULT_LATENCY_MS: number;
/** 120,000. */
export declare const DEFAULT_MAX_IN_FLIGHT_MESSAGES: number;
/** The environment variable of each option, read when the option is not given. */
export declare const LOCAL_SQS_ENV: {
  readonly port: 'LOCAL_SQS_PORT';
  readonly latencyMs: 'LOCAL_SQS_LATENCY_MS';
  readonly maxInFlightMessages: 'LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES';
};

/** Given option, else its environment variable, else the default; a RangeError names a bad one. */
export declare function resolveOptions(
  options?: LocalSqsOptions,
  env?: Readonly<Record<string, string | undefined>>,
): ResolvedLocalSqsOptions;

/** Environment variables that give a child server these options. */
export declare function optionsToEnv(options: ResolvedLocalSqsOptions): Record<string, string>;
