/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Every setting comes from CDK context (cdk.json, or
 * `-c name=value` on the command line); infra/README.md lists them. Empty strings mean "not set".
 */
import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TokenRevocationStack } from './stack';
import type { HandlerLogLevel } from './token-revocation';

const app = new App();

const text = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const number = (name: string): number | undefined => {
  const value = text(name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`context ${name}: "${value}" is not a number`);
  return parsed;
};
const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
  const value = text(name);
  if (value !== undefined && !allowed.includes(value as T)) {
    throw new Error(`context ${name}: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T | undefined;
};
const seconds = (name: string) => {
  const value = number(name);
  return value === undefined ? undefined : Duration.seconds(value);
};
const minutes = (name: string) => {
  const value = number(name);
  return value === undefined ? undefined : Duration.minutes(value);
};
const days = (name: string) => {
  const value = number(name);
  return value === undefined ? undefined : Duration.days(value);
};

new TokenRevocationStack(app, text('stackName') ?? 'TokenRevoker', {
  description: 'Revokes Stack Exchange access tokens from an SQS queue (token-revoker)',
  eventBusName: text('eventBusName'),
  sourceTopicArn: text('sourceTopicArn'),
  keyEncryptionKeyArn: text('keyEncryptionKeyArn'),
  revocation: {
    apiUrl: text('apiUrl'),
    keySecretName: text('keySecretName'),
    keyParameterName: text('keyParameterName'),
    authStyle: oneOf('authStyle', ['query', 'header'] as const),
    totalRequestsPerSecond: number('totalRequestsPerSecond'),
    requestsPerSecondPerFunction: number('requestsPerSecondPerFunction'),
    callConcurrency: number('callConcurrency'),
    useSqsManagedEncryption: text('useSqsManagedEncryption') === 'true',
    retentionPeriod: days('retentionPeriodInDays'),
    maxReceiveCount: number('maxReceiveCount'),
    batchSize: number('batchSize'),
    maxBatchingWindow: seconds('maxBatchingWindowInSeconds'),
    functionTimeout: seconds('functionTimeoutInSeconds'),
    memorySizeInMb: number('memorySizeInMb'),
    logLevel: oneOf<HandlerLogLevel>('logLevel', ['DEBUG', 'INFO', 'WARN', 'ERROR']),
    maxMessageAge: minutes('maxMessageAgeInMinutes'),
    dailyQuota: number('dailyQuota'),
    quotaAlarmFraction: number('quotaAlarmFraction'),
    alarmEmail: text('alarmEmail'),
    dashboardName: text('dashboardName'),
  },
});
// cdk-nag runs on every synth: an unacknowledged finding fails it (report in cdk.out/validation-report.json).
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
