import { join } from 'node:path';
import {
  BillingMode,
  CreateTableCommand,
  DynamoDBClient,
  KeyType,
  ScalarAttributeType,
} from '@aws-sdk/client-dynamodb';
import { CONTROL_TABLE_PARTITION_KEY } from '../../functions/lib/control/schema';
import { startChildServer } from '../child-server';
import type { LoopbackDynamoDbOptions, LoopbackDynamoDbServer } from './loopback.mjs';

export type { LoopbackDynamoDbOptions, LoopbackDynamoDbServer } from './loopback.mjs';

/** Dummy credentials: the local server does not check them, the SDK insists on having some. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** The control table's name when a caller gives none (DynamoDB: 3 to 255 characters). */
export const LOCAL_CONTROL_TABLE_NAME = 'token-revoker-control';

/** A client for a local server (dummy credentials, us-east-1). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
}

/**
 * Starts dynalite (in memory) in this process, on 127.0.0.1 only (tools/local-dynamodb/loopback.mjs,
 * the one way this project starts it). For tests and entry points run by tsx such as `npm start`.
 */
export async function startLoopbackDynamoDb(
  options?: LoopbackDynamoDbOptions,
): Promise<LoopbackDynamoDbServer> {
  const loopback = await import('./loopback.mjs');
  return loopback.startLoopbackDynamoDb(options);
}

/**
 * Creates the shared control table as the CDK construct does (infra/control-table.ts): the partition
 * key of functions/lib/control/schema.ts, on-demand. dynalite has no UpdateTimeToLive, so the TTL
 * attribute is not switched on locally (nothing expires in a test run anyway). Returns the table name.
 */
export async function createControlTable(
  client: DynamoDBClient,
  tableName: string = LOCAL_CONTROL_TABLE_NAME,
): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: BillingMode.PAY_PER_REQUEST,
      AttributeDefinitions: [
        { AttributeName: CONTROL_TABLE_PARTITION_KEY, AttributeType: ScalarAttributeType.S },
      ],
      KeySchema: [{ AttributeName: CONTROL_TABLE_PARTITION_KEY, KeyType: KeyType.HASH }],
    }),
  );
  return tableName;
}

/** dynalite on 127.0.0.1 (in this process or a child), with a client for it. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:PORT`: the client's `endpoint`, or AWS_ENDPOINT_URL_DYNAMODB for a handler. */
  readonly endpoint: string;
  /** A client configured for this server. */
  readonly client: DynamoDBClient;
  /** Process id of the server: a child of this process, or this process. */
  readonly pid: number;
  /** Creates a control table (see createControlTable) and resolves with its name. */
  createControlTable(tableName?: string): Promise<string>;
  /** Destroys the client and stops the server. */
  stop(): Promise<void>;
}

function withClient(endpoint: string, pid: number, stopServer: () => Promise<void>): LocalDynamoDb {
  const client = localDynamoDbClient(endpoint);
  return {
    endpoint,
    client,
    pid,
    createControlTable: (tableName) => createControlTable(client, tableName),
    async stop() {
      client.destroy();
      await stopServer();
    },
  };
}

/** Starts the server in this process (the fastest start, for tests) with a client for it. */
export async function startInProcessDynamoDb(): Promise<LocalDynamoDb> {
  const server = await startLoopbackDynamoDb();
  return withClient(server.endpoint, process.pid, () => server.stop());
}

const SERVER_SCRIPT = join(__dirname, 'server.mjs');

/** Starts the server in a child process (the same loopback start) and waits until it listens. */
export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = await startChildServer(SERVER_SCRIPT, 'local DynamoDB server');
  return withClient(`http://127.0.0.1:${server.port}`, server.pid, () => server.stop());
}
