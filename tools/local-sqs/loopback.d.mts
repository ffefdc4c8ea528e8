/** A running fauxqs on 127.0.0.1. */
export interface LoopbackSqsServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`: the SQS endpoint; queue URLs are `${endpoint}/000000000000/NAME`. */
  readonly endpoint: string;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

export interface LoopbackSqsOptions {
  /** Port to listen on. @default 0 (a free port) */
  readonly port?: number;
}

export declare const LOOPBACK_HOST: '127.0.0.1';

/** Starts fauxqs in this process, listening on 127.0.0.1 only. */
export declare function startLoopbackSqs(options?: LoopbackSqsOptions): Promise<LoopbackSqsServer>;
