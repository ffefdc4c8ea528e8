/** A running dynalite on 127.0.0.1 (in memory). */
export interface LoopbackDynamoDbServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:PORT`: the DynamoDB endpoint (AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  /** Closes the server, every open connection and its in-memory store. */
  stop(): Promise<void>;
}

export interface LoopbackDynamoDbOptions {
  /** Port to listen on. @default 0 (a free port) */
  readonly port?: number;
}

export declare const LOOPBACK_HOST: '127.0.0.1';

/** Starts dynalite in this process, listening on 127.0.0.1 only. */
export declare function startLoopbackDynamoDb(
  options?: LoopbackDynamoDbOptions,
): Promise<LoopbackDynamoDbServer>;
