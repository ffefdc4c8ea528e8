import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { TokenRevocationStackProps } from './stack';
import type { HandlerLogLevel } from './token-revocation';

/** Every CDK context setting the app reads, with its meaning; infra/README.md shows the same table. */
export const CONTEXT_SETTINGS = [
  'stackName',
  'apiUrl',
  'keySecretName',
  'keyParameterName',
  'keyEncryptionKeyArn',
  'authStyle',
  'alarmEmail',
  'pageTopicArn',
  'ticketTopicArn',
  'runbookUrl',
  'eventBusName',
  'sourceTopicArn',
  'urgentSourceTopicArn',
  'eventSources',
  'urgentEventSources',
  'operatorRoleArns',
  'allowCrossAccountOperators',
  'producerRoleArns',
  'deployRoleArn',
  'totalRequestsPerSecond',
  'urgentRequestsPerSecond',
  'requestsPerSecondPerFunction',
  'callConcurrency',
  'routineCallConcurrency',
  'dailyCallBudget',
  'urgentReserveCalls',
  'routineQuotaFloorFraction',
  'tickInSeconds',
  'maxHoldInSeconds',
  'maxDeferInSeconds',
  'quotaReserveFraction',
  'routineMaxReceiveCount',
  'batchSize',
  'maxBatchingWindowInSeconds',
  'functionTimeoutInSeconds',
  'memorySizeInMb',
  'maxReceiveCount',
  'retentionPeriodInDays',
  'removalPolicy',
  'useSqsManagedEncryption',
  'logLevel',
  'maxMessageAgeInMinutes',
  'urgentMaxMessageAgeInMinutes',
  'dailyQuota',
  'quotaAlarmFraction',
  'dashboard',
  'alreadyDeadAlarmTokens',
  'dashboardName',
] as const;

/** `-c removalPolicy=destroy` for throwaway stacks; `retain` is the default. */
const REMOVAL_POLICIES = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;

/**
 * Reads the stack's settings from CDK context (cdk.json, or `-c name=value`). Empty strings mean
 * "not set", so cdk.json can list every setting; `-c` values arrive as strings and are parsed here.
 */
export function settingsFromContext(node: Node): { stackName: string; props: TokenRevocationStackProps } {
  const text = (name: (typeof CONTEXT_SETTINGS)[number]): string | undefined => {
    const value: unknown = node.tryGetContext(name);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const number = (name: (typeof CONTEXT_SETTINGS)[number]): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`context ${name}: "${value}" is not a number`);
    return parsed;
  };
  const oneOf = <T extends string>(name: (typeof CONTEXT_SETTINGS)[number], allowed: readonly T[]) => {
    const value = text(name);
    if (value !== undefined && !allowed.includes(value as T)) {
      throw new Error(`context ${name}: "${value}" is not one of ${allowed.join(', ')}`);
    }
    return value as T | undefined;
  };
  const duration = (name: (typeof CONTEXT_SETTINGS)[number], unit: (amount: number) => Duration) => {
    const value = number(name);
    return value === undefined ? undefined : unit(value);
  };
  const list = (name: (typeof CONTEXT_SETTINGS)[number]): string[] | undefined => {
    const value: unknown = node.tryGetContext(name);
    if (Array.isArray(value)) return value.map(String).filter((item) => item !== '');
    const items = text(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return items === undefined || items.length === 0 ? undefined : items;
  };
  const removal = oneOf('removalPolicy', ['retain', 'destroy'] as const);
  const boolean = (name: (typeof CONTEXT_SETTINGS)[number]): boolean | undefined => {
    const value = text(name);
    if (value !== undefined && value !== 'true' && value !== 'false') {
      throw new Error(`context ${name}: "${value}" is not true or false`);
    }
    return value === undefined ? undefined : value === 'true';
  };

  return {
    stackName: text('stackName') ?? 'TokenRevoker',
    props: {
      description:
        'Revokes Stack Exchange access tokens from a routine and an urgent SQS queue (token-revoker)',
      eventBusName: text('eventBusName'),
      sourceTopicArn: text('sourceTopicArn'),
      urgentSourceTopicArn: text('urgentSourceTopicArn'),
      operatorRoleArns: list('operatorRoleArns'),
      allowCrossAccountOperators: boolean('allowCrossAccountOperators'),
      keyEncryptionKeyArn: text('keyEncryptionKeyArn'),
      pageTopicArn: text('pageTopicArn'),
      ticketTopicArn: text('ticketTopicArn'),
      revocation: {
        apiUrl: text('apiUrl'),
        keySecretName: text('keySecretName'),
        keyParameterName: text('keyParameterName'),
        authStyle: oneOf('authStyle', ['query', 'header'] as const),
        totalRequestsPerSecond: number('totalRequestsPerSecond'),
        urgentRequestsPerSecond: number('urgentRequestsPerSecond'),
        requestsPerSecondPerFunction: number('requestsPerSecondPerFunction'),
        callConcurrency: number('callConcurrency'),
        routineCallConcurrency: number('routineCallConcurrency'),
        dailyCallBudget: number('dailyCallBudget'),
        urgentReserveCalls: number('urgentReserveCalls'),
        routineQuotaFloorFraction: number('routineQuotaFloorFraction'),
        tick: duration('tickInSeconds', Duration.seconds),
        maxHold: duration('maxHoldInSeconds', Duration.seconds),
        maxDefer: duration('maxDeferInSeconds', Duration.seconds),
        quotaReserveFraction: number('quotaReserveFraction'),
        routineMaxReceiveCount: number('routineMaxReceiveCount'),
        useSqsManagedEncryption: boolean('useSqsManagedEncryption') === true,
        retentionPeriod: duration('retentionPeriodInDays', Duration.days),
        removalPolicy: removal === undefined ? undefined : REMOVAL_POLICIES[removal],
        maxReceiveCount: number('maxReceiveCount'),
        batchSize: number('batchSize'),
        maxBatchingWindow: duration('maxBatchingWindowInSeconds', Duration.seconds),
        functionTimeout: duration('functionTimeoutInSeconds', Duration.seconds),
        memorySizeInMb: number('memorySizeInMb'),
        logLevel: oneOf<HandlerLogLevel>('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR']),
        maxMessageAge: duration('maxMessageAgeInMinutes', Duration.minutes),
        urgentMaxMessageAge: duration('urgentMaxMessageAgeInMinutes', Duration.minutes),
        dailyQuota: number('dailyQuota'),
        quotaAlarmFraction: number('quotaAlarmFraction'),
        alarmEmail: text('alarmEmail'),
        runbookUrl: text('runbookUrl'),
        dashboard: boolean('dashboard'),
        dashboardName: text('dashboardName'),
        eventSources: list('eventSources'),
        urgentEventSources: list('urgentEventSources'),
        producerRoleArns: list('producerRoleArns'),
        deployRoleArn: text('deployRoleArn'),
        alreadyDeadAlarmTokens: number('alreadyDeadAlarmTokens'),
      },
    },
  };
}
