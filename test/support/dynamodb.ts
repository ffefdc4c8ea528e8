import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CONTROL_TABLE_PARTITION_KEY } from '../../functions/lib/control/schema';

/** A real DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1, and a client for it. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Creates a control table (functions/lib/control/schema.ts) and resolves with its name. */
  createControlTable(name: string): Promise<string>;
  stop(): Promise<void>;
}

type Dynalite = (options: { createTableMs: number }) => Server;

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const dynalite = require('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    async createControlTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: CONTROL_TABLE_PARTITION_KEY, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: CONTROL_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
        }),
      );
      return name;
    },
    async stop() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
