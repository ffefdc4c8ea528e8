import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Lane } from '../telemetry-names';
import {
  operatorPauseKey,
  CONTROL_TABLE_PARTITION_KEY as PK,
  CONTROL_TABLE_TTL_ATTRIBUTE as TTL,
} from './schema';
import type {
  ApiPause,
  ApiPauseCause,
  BacklogObservation,
  ControlState,
  ControlStore,
  OperatorPause,
  OperatorPauses,
  QuotaObservation,
} from './store';

const PAUSE_KEY = 'pause#api';
const QUOTA_KEY = 'quota';
const PROBE_KEY = 'probe#routine';
const budgetKey = (day: string) => `budget#${day}`;
const backlogKey = (lane: Lane) => `backlog#${lane}`;

/** Budget days are kept 3 days (TTL), pauses and probes a little past their end. */
const BUDGET_TTL_SECONDS = 3 * 24 * 60 * 60;
const DAY_SECONDS = 24 * 60 * 60;

const key = (pk: string): Record<string, AttributeValue> => ({ [PK]: { S: pk } });
const n = (value: number): AttributeValue => ({ N: String(value) });
const numberOf = (item: Record<string, AttributeValue> | undefined, name: string): number | undefined => {
  const raw = item?.[name]?.N;
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
};
const expiresIn = (seconds: number) => n(Math.floor(Date.now() / 1000) + seconds);
const LANES = [Lane.Routine, Lane.Urgent] as const;

/**
 * An operator's pause item, or undefined when there is none. An item there is a pause, even one whose
 * fields are missing (written by hand): a lane is never resumed by a typo.
 */
function operatorPauseOf(item: Record<string, AttributeValue> | undefined): OperatorPause | undefined {
  if (item === undefined) return undefined;
  const reason = item.reason?.S ?? '(no reason recorded)';
  const at = numberOf(item, 'at') ?? 0;
  const by = item.by?.S;
  return by === undefined ? { reason, at } : { reason, at, by };
}

/** Runs a conditional write; false when its condition did not hold. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/**
 * The control table in DynamoDB (functions/lib/control/schema.ts): one item per budget day
 * (`spent`, `routine`, `urgent`), the API's pause, the last quota observation and the last probe.
 * Reservations are conditional `ADD`s, so concurrent instances never pass the limit together.
 */
export function dynamoControlStore(dynamodb: DynamoDBClient, tableName: string): ControlStore {
  // The SDK's commands are loaded on first use, not at init: a cold start loads nothing it may not use.
  let commands: Promise<typeof import('@aws-sdk/client-dynamodb')> | undefined;
  const sdk = () => {
    commands ??= import('@aws-sdk/client-dynamodb');
    return commands;
  };
  const spentOf = async (day: string): Promise<number> => {
    const read = await dynamodb.send(
      new (await sdk()).GetItemCommand({
        TableName: tableName,
        Key: key(budgetKey(day)),
        ConsistentRead: true,
      }),
    );
    return numberOf(read.Item, 'spent') ?? 0;
  };
  const add = async (day: string, lane: Lane, calls: number, limit?: number) =>
    dynamodb.send(
      new (await sdk()).UpdateItemCommand({
        TableName: tableName,
        Key: key(budgetKey(day)),
        UpdateExpression: 'ADD #spent :calls, #lane :calls SET #ttl = :ttl',
        ...(limit === undefined
          ? {}
          : { ConditionExpression: 'attribute_not_exists(#spent) OR #spent <= :most' }),
        ExpressionAttributeNames: { '#spent': 'spent', '#lane': lane, '#ttl': TTL },
        ExpressionAttributeValues: {
          ':calls': n(calls),
          ':ttl': expiresIn(BUDGET_TTL_SECONDS),
          ...(limit === undefined ? {} : { ':most': n(limit - calls) }),
        },
      }),
    );

  return {
    async read(day) {
      const keys = [
        budgetKey(day),
        PAUSE_KEY,
        QUOTA_KEY,
        PROBE_KEY,
        ...LANES.map(operatorPauseKey),
        ...LANES.map(backlogKey),
      ];
      const answer = await dynamodb.send(
        new (await sdk()).BatchGetItemCommand({
          RequestItems: { [tableName]: { Keys: keys.map(key), ConsistentRead: true } },
        }),
      );
      const items = new Map(
        (answer.Responses?.[tableName] ?? []).map((item) => [item[PK]?.S ?? '', item] as const),
      );
      // Unprocessed keys (throttling) read as "nothing recorded" would hide a pause: fail instead.
      if ((answer.UnprocessedKeys?.[tableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('the control table did not answer every key (throttled); try again');
      }
      const budget = items.get(budgetKey(day));
      const pause = items.get(PAUSE_KEY);
      const quota = items.get(QUOTA_KEY);
      const pauseUntil = numberOf(pause, 'until');
      const pauseCause = pause?.cause?.S;
      const quotaRemaining = numberOf(quota, 'remaining');
      const quotaAt = numberOf(quota, 'at');
      const operatorPauses: Partial<Record<Lane, OperatorPause>> = {};
      for (const lane of LANES) {
        const found = operatorPauseOf(items.get(operatorPauseKey(lane)));
        if (found !== undefined) operatorPauses[lane] = found;
      }
      const backlogs: Partial<Record<Lane, BacklogObservation>> = {};
      for (const lane of LANES) {
        const item = items.get(backlogKey(lane));
        const age = numberOf(item, 'oldestPendingAgeSeconds');
        const at = numberOf(item, 'at');
        if (age !== undefined && at !== undefined) backlogs[lane] = { oldestPendingAgeSeconds: age, at };
      }
      const state: ControlState = {
        budget: {
          day,
          spent: numberOf(budget, 'spent') ?? 0,
          routine: numberOf(budget, 'routine') ?? 0,
          urgent: numberOf(budget, 'urgent') ?? 0,
        },
        pause:
          pauseUntil !== undefined && (pauseCause === 'throttled' || pauseCause === 'backoff')
            ? { until: pauseUntil, cause: pauseCause satisfies ApiPauseCause }
            : undefined,
        quota:
          quotaRemaining !== undefined && quotaAt !== undefined
            ? { remaining: quotaRemaining, max: numberOf(quota, 'max'), at: quotaAt }
            : undefined,
        lastProbeAt: numberOf(items.get(PROBE_KEY), 'at'),
        operatorPauses: operatorPauses satisfies OperatorPauses,
        backlogs,
      };
      return state;
    },

    async reserve(day, lane, calls, limit) {
      let wanted = calls;
      // A few tries: when the whole reservation does not fit, take what is left (others may race).
      for (let attempt = 0; attempt < 4 && wanted > 0; attempt++) {
        if (await conditional(add(day, lane, wanted, limit))) return wanted;
        wanted = Math.min(wanted, limit - (await spentOf(day)));
      }
      return 0;
    },

    async adjust(day, lane, calls) {
      if (calls !== 0) await add(day, lane, calls);
    },

    async recordPause(pause: ApiPause) {
      await conditional(
        dynamodb.send(
          new (await sdk()).UpdateItemCommand({
            TableName: tableName,
            Key: key(PAUSE_KEY),
            UpdateExpression: 'SET #until = :until, #cause = :cause, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
            ExpressionAttributeNames: { '#until': 'until', '#cause': 'cause', '#ttl': TTL },
            ExpressionAttributeValues: {
              ':until': n(pause.until),
              ':cause': { S: pause.cause },
              ':ttl': n(Math.floor(pause.until / 1000) + DAY_SECONDS),
            },
          }),
        ),
      );
    },

    async recordQuota(observation: QuotaObservation) {
      await conditional(
        dynamodb.send(
          new (await sdk()).UpdateItemCommand({
            TableName: tableName,
            Key: key(QUOTA_KEY),
            UpdateExpression:
              observation.max === undefined
                ? 'SET #remaining = :remaining, #at = :at REMOVE #max'
                : 'SET #remaining = :remaining, #at = :at, #max = :max',
            ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
            ExpressionAttributeNames: { '#remaining': 'remaining', '#at': 'at', '#max': 'max' },
            ExpressionAttributeValues: {
              ':remaining': n(observation.remaining),
              ':at': n(observation.at),
              ...(observation.max === undefined ? {} : { ':max': n(observation.max) }),
            },
          }),
        ),
      );
    },

    async claimProbe(now, notBefore) {
      return conditional(
        dynamodb.send(
          new (await sdk()).UpdateItemCommand({
            TableName: tableName,
            Key: key(PROBE_KEY),
            UpdateExpression: 'SET #at = :now',
            ConditionExpression: 'attribute_not_exists(#at) OR #at <= :notBefore',
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':now': n(now), ':notBefore': n(notBefore) },
          }),
        ),
      );
    },

    // An operator's pause has no TTL: it lasts until resumed, whatever deploys happen meanwhile.
    async pauseLane(lane, pause) {
      await dynamodb.send(
        new (await sdk()).PutItemCommand({
          TableName: tableName,
          Item: {
            ...key(operatorPauseKey(lane)),
            reason: { S: pause.reason },
            at: n(pause.at),
            ...(pause.by === undefined ? {} : { by: { S: pause.by } }),
          },
        }),
      );
    },

    async resumeLane(lane) {
      const answer = await dynamodb.send(
        new (await sdk()).DeleteItemCommand({
          TableName: tableName,
          Key: key(operatorPauseKey(lane)),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return operatorPauseOf(answer.Attributes);
    },

    async recordBacklog(lane, observation) {
      await conditional(
        dynamodb.send(
          new (await sdk()).UpdateItemCommand({
            TableName: tableName,
            Key: key(backlogKey(lane)),
            UpdateExpression: 'SET #age = :age, #at = :at, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
            ExpressionAttributeNames: { '#age': 'oldestPendingAgeSeconds', '#at': 'at', '#ttl': TTL },
            ExpressionAttributeValues: {
              ':age': n(observation.oldestPendingAgeSeconds),
              ':at': n(observation.at),
              ':ttl': expiresIn(BUDGET_TTL_SECONDS),
            },
          }),
        ),
      );
    },
  };
}
