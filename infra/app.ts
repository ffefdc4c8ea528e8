/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings come from CDK context (cdk.json or
 * `-c name=value`): stackName, apiUrl, keySecretName, keyParameterName, authStyle, alarmEmail,
 * eventBusName, totalRequestsPerSecond, requestsPerSecondPerFunction, batchSize, maxReceiveCount,
 * useSqsManagedEncryption.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TokenRevocationStack } from './stack';

const app = new App();
const context = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const number = (name: string): number | undefined => {
  const value = context(name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`context ${name}: "${value}" is not a number`);
  return parsed;
};
const authStyle = context('authStyle');
if (authStyle !== undefined && authStyle !== 'query' && authStyle !== 'header') {
  throw new Error(`context authStyle: "${authStyle}" is not "query" or "header"`);
}

new TokenRevocationStack(app, context('stackName') ?? 'TokenRevoker', {
  description: 'Revokes Stack Exchange access tokens from an SQS queue (token-revoker)',
  eventBusName: context('eventBusName'),
  revocation: {
    apiUrl: context('apiUrl'),
    keySecretName: context('keySecretName'),
    keyParameterName: context('keyParameterName'),
    authStyle,
    alarmEmail: context('alarmEmail'),
    totalRequestsPerSecond: number('totalRequestsPerSecond'),
    requestsPerSecondPerFunction: number('requestsPerSecondPerFunction'),
    batchSize: number('batchSize'),
    maxReceiveCount: number('maxReceiveCount'),
    useSqsManagedEncryption: context('useSqsManagedEncryption') === 'true',
  },
});
// cdk-nag runs on every synth: an unacknowledged finding fails it.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
