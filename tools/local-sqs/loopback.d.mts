import type { LocalSqsOptions } from './options.mjs';

/** Options of startLoopbackSqs (the same as startLocalSqs'). */
export type LoopbackSqsOptions = LocalSqsOptions;

/** A running fauxqs on 127.0.0.1, as strict as SQS where fauxqs is not. */
export interface LoopbackSqsServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`: the SQS endpoint; queue URLs are `${endpoint}/000000000000/NAME`. */
  readonly endpoint: string;
  /** Milliseconds added to every SQS call. */
  readonly latencyMs: number;
  /** Messages a queue may have in flight before a receive answers OverLimit. */
  readonly maxInFlightMessages: number;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

export declare const LOOPBACK_HOST: '127.0.0.1';

/**
 * Starts fauxqs in this process, listening on 127.0.0.1 only, with SQS's latency and limits. Options not
 * given come from their environment variables (LOCAL_SQS_*), else their defaults.
 */
export declare function startLoopbackSqs(options?: LoopbackSqsOptions): Promise<LoopbackSqsServer>;
