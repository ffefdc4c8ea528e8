import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CONTROL_TABLE_PARTITION_KEY } from '../../functions/lib/control/schema';
import {
  createControlTable,
  type LocalDynamoDb,
  type LoopbackDynamoDbServer,
  localDynamoDbClient,
  startInProcessDynamoDb,
  startLocalDynamoDb,
  startLoopbackDynamoDb,
} from '../../tools/local-dynamodb';
import { isLoopbackAddress, listeningSockets } from '../support/listening-sockets';

/** Reserves `calls` of a day's budget of `limit` calls, atomically: the way a lane spends the shared budget. */
function reserve(client: DynamoDBClient, tableName: string, day: string, calls: number, limit: number) {
  return client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { [CONTROL_TABLE_PARTITION_KEY]: { S: `budget#${day}` } },
      UpdateExpression: 'ADD spent :calls',
      ConditionExpression: 'attribute_not_exists(spent) OR spent <= :last',
      ExpressionAttributeValues: { ':calls': { N: String(calls) }, ':last': { N: String(limit - calls) } },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
}

async function spent(client: DynamoDBClient, tableName: string, day: string): Promise<number> {
  const item = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { [CONTROL_TABLE_PARTITION_KEY]: { S: `budget#${day}` } },
      ConsistentRead: true,
    }),
  );
  return Number(item.Item?.spent?.N ?? 0);
}

describe('local DynamoDB server (dynalite, in this process)', () => {
  let server: LoopbackDynamoDbServer;
  let client: DynamoDBClient;
  let tableName: string;
  beforeAll(async () => {
    server = await startLoopbackDynamoDb();
    client = localDynamoDbClient(server.endpoint);
    tableName = await createControlTable(client);
  });
  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  it('stops: the port refuses connections afterwards, and a new server starts in the same process', async () => {
    // Prepare
    const local = await startInProcessDynamoDb();
    const name = await local.createControlTable('stop-and-start');
    // Act
    await local.stop();
    const again = await startInProcessDynamoDb();
    const stale = localDynamoDbClient(local.endpoint);
    try {
      // Assess
      await expect(stale.send(new DescribeTableCommand({ TableName: name }))).rejects.toThrow(/ECONNREFUSED/);
      expect(await again.createControlTable('stop-and-start')).toBe('stop-and-start');
      expect(again.pid).toBe(process.pid);
    } finally {
      stale.destroy();
      await again.stop();
    }
  });

  it('creates the control table as the construct does: the schema key, on demand, active at once', async () => {
    // Act
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // Assess
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: CONTROL_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: CONTROL_TABLE_PARTITION_KEY, AttributeType: 'S' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    });
  });

  it('refuses a conditional update at the limit with ConditionalCheckFailedException', async () => {
    // Prepare: a budget of 5 calls, 3 of them spent.
    await reserve(client, tableName, '2026-12-01', 3, 5);
    // Act
    const fits = await reserve(client, tableName, '2026-12-01', 2, 5);
    const over = reserve(client, tableName, '2026-12-01', 1, 5);
    // Assess
    expect(fits.Attributes?.spent?.N).toBe('5');
    await expect(over).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(over).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await spent(client, tableName, '2026-12-01')).toBe(5);
  });

  it('lets exactly the budget through when many instances reserve at once', async () => {
    // Act: 40 reservations of one call race for a budget of 12.
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => reserve(client, tableName, '2026-12-02', 1, 12)),
    );
    // Assess
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(12);
    for (const r of refused) expect(r.reason).toBeInstanceOf(ConditionalCheckFailedException);
    expect(await spent(client, tableName, '2026-12-02')).toBe(12);
  });

  it('refuses a table name DynamoDB would refuse', async () => {
    await expect(createControlTable(client, 'ab')).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses a port that is not one', async () => {
    await expect(startLoopbackDynamoDb({ port: 70_000 })).rejects.toThrow(/port: 70000 is not an integer/);
  });
});

describe('local DynamoDB server (dynalite, in a child process)', () => {
  let dynamodb: LocalDynamoDb;
  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
  });
  afterAll(() => dynamodb.stop());

  it('listens on 127.0.0.1 only', async () => {
    // Act
    const sockets = await listeningSockets(dynamodb.pid);
    // Assess
    const port = Number(new URL(dynamodb.endpoint).port);
    expect(sockets).toContainEqual({ address: '127.0.0.1', port });
    expect(sockets.filter((socket) => !isLoopbackAddress(socket.address))).toEqual([]);
  });

  it('serves the control table to its client', async () => {
    // Prepare
    const tableName = await dynamodb.createControlTable('control-child');
    // Act
    await reserve(dynamodb.client, tableName, '2026-12-03', 2, 2);
    // Assess
    await expect(reserve(dynamodb.client, tableName, '2026-12-03', 1, 2)).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
  });
});
