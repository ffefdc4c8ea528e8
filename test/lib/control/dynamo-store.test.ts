import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoControlStore } from '../../../functions/lib/control/dynamo-store';
import { type ControlStore, memoryControlStore } from '../../../functions/lib/control/store';
import { type LocalDynamoDb, startInProcessDynamoDb } from '../../../tools/local-dynamodb';

const DAY = '2026-12-03';

describe.each([
  ['the DynamoDB table (dynalite on 127.0.0.1)', 'dynamo'],
  ['process memory', 'memory'],
] as const)('control store: %s', (_name, kind) => {
  let dynamo: LocalDynamoDb | undefined;
  let tables = 0;
  beforeAll(async () => {
    if (kind === 'dynamo') dynamo = await startInProcessDynamoDb();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  const newStore = async (): Promise<ControlStore> => {
    if (dynamo === undefined) return memoryControlStore();
    tables += 1;
    return dynamoControlStore(dynamo.client, await dynamo.createControlTable(`control-${tables}`));
  };

  it('reads an empty table as nothing spent, no pause, no quota, no probe', async () => {
    const store = await newStore();
    expect(await store.read(DAY)).toEqual({
      budget: { day: DAY, spent: 0, routine: 0, urgent: 0 },
      pause: undefined,
      quota: undefined,
      lastProbeAt: undefined,
      operatorPauses: {},
      backlogs: {},
    });
  });

  it('grants reservations up to the limit, then what is left, then nothing; counts per lane', async () => {
    const store = await newStore();
    expect(await store.reserve(DAY, 'routine', 7, 10)).toBe(7);
    expect(await store.reserve(DAY, 'routine', 7, 10)).toBe(3);
    expect(await store.reserve(DAY, 'routine', 1, 10)).toBe(0);
    // The urgent lane's limit is higher: it may spend what routine may not.
    expect(await store.reserve(DAY, 'urgent', 5, 12)).toBe(2);
    expect((await store.read(DAY)).budget).toEqual({ day: DAY, spent: 12, routine: 10, urgent: 2 });
    // Another day starts from nothing.
    expect(await store.reserve('2026-12-04', 'routine', 4, 10)).toBe(4);
  });

  it('never lets concurrent reservations pass the limit together', async () => {
    const store = await newStore();
    const granted = await Promise.all(Array.from({ length: 12 }, () => store.reserve(DAY, 'urgent', 3, 20)));
    const total = granted.reduce((sum, calls) => sum + calls, 0);
    expect(total).toBeLessThanOrEqual(20);
    expect(total).toBeGreaterThanOrEqual(18);
    expect((await store.read(DAY)).budget.spent).toBe(total);
  });

  it('adjusts without a limit: gives back unused calls and counts attempts beyond a reservation', async () => {
    const store = await newStore();
    await store.reserve(DAY, 'routine', 5, 10);
    await store.adjust(DAY, 'routine', -2);
    await store.adjust(DAY, 'urgent', 4);
    expect((await store.read(DAY)).budget).toEqual({ day: DAY, spent: 7, routine: 3, urgent: 4 });
  });

  it('keeps the longest pause and the newest quota observation', async () => {
    const store = await newStore();
    await store.recordPause({ until: 2_000, cause: 'throttled' });
    await store.recordPause({ until: 1_000, cause: 'backoff' });
    await store.recordQuota({ remaining: 50, max: 10_000, at: 200 });
    await store.recordQuota({ remaining: 900, max: 10_000, at: 100 });
    const state = await store.read(DAY);
    expect(state.pause).toEqual({ until: 2_000, cause: 'throttled' });
    expect(state.quota).toEqual({ remaining: 50, max: 10_000, at: 200 });
    await store.recordPause({ until: 3_000, cause: 'backoff' });
    await store.recordQuota({ remaining: 40, max: undefined, at: 300 });
    const later = await store.read(DAY);
    expect(later.pause).toEqual({ until: 3_000, cause: 'backoff' });
    expect(later.quota).toEqual({ remaining: 40, max: undefined, at: 300 });
  });

  it('grants one probe per interval, across every caller', async () => {
    const store = await newStore();
    const claims = await Promise.all([store.claimProbe(10_000, 1_000), store.claimProbe(10_000, 1_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimProbe(10_500, 1_500)).toBe(false);
    expect(await store.claimProbe(20_000, 10_000)).toBe(true);
    expect((await store.read(DAY)).lastProbeAt).toBe(20_000);
  });

  it("keeps an operator's pause per lane until it is resumed, and says what a resume ended", async () => {
    const store = await newStore();
    await store.pauseLane('urgent', { reason: 'API incident 42', at: 1_000, by: 'alice@laptop' });
    await store.pauseLane('routine', { reason: 'first', at: 2_000 });
    await store.pauseLane('routine', { reason: 'second', at: 3_000 });
    expect((await store.read(DAY)).operatorPauses).toEqual({
      urgent: { reason: 'API incident 42', at: 1_000, by: 'alice@laptop' },
      routine: { reason: 'second', at: 3_000 },
    });
    expect(await store.resumeLane('routine')).toEqual({ reason: 'second', at: 3_000 });
    expect(await store.resumeLane('routine')).toBeUndefined();
    expect((await store.read(DAY)).operatorPauses).toEqual({
      urgent: { reason: 'API incident 42', at: 1_000, by: 'alice@laptop' },
    });
    // The budget, the API's pause and the quota are other items: untouched.
    expect((await store.read(DAY)).budget.spent).toBe(0);
  });
});

describe.each([
  ['the DynamoDB table (dynalite on 127.0.0.1)', 'dynamo'],
  ['process memory', 'memory'],
] as const)('control store backlogs: %s', (_name, kind) => {
  it("keeps each lane's newest backlog observation", async () => {
    const dynamo = kind === 'dynamo' ? await startInProcessDynamoDb() : undefined;
    try {
      const store =
        dynamo === undefined
          ? memoryControlStore()
          : dynamoControlStore(dynamo.client, await dynamo.createControlTable('control-backlogs'));
      await store.recordBacklog('routine', { oldestPendingAgeSeconds: 95, at: 2_000 });
      await store.recordBacklog('routine', { oldestPendingAgeSeconds: 10, at: 1_000 });
      await store.recordBacklog('urgent', { oldestPendingAgeSeconds: 3, at: 1_500 });
      expect((await store.read(DAY)).backlogs).toEqual({
        routine: { oldestPendingAgeSeconds: 95, at: 2_000 },
        urgent: { oldestPendingAgeSeconds: 3, at: 1_500 },
      });
    } finally {
      await dynamo?.stop();
    }
  });
});

describe('control table: an operator pause item written by hand', () => {
  it('reads as a pause even without its fields: a typo never resumes a lane', async () => {
    const dynamo = await startInProcessDynamoDb();
    try {
      const table = await dynamo.createControlTable('control-by-hand');
      await dynamo.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'pause#lane#urgent' }, reson: { S: 'x' } } }),
      );
      const store = dynamoControlStore(dynamo.client, table);
      expect((await store.read(DAY)).operatorPauses).toEqual({
        urgent: { reason: '(no reason recorded)', at: 0 },
      });
    } finally {
      await dynamo.stop();
    }
  });
});
