import { type App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { TokenRevocationStack, type TokenRevocationStackProps } from '../../infra/stack';
import { testApp } from './stack-factory';

/** Synthesizes with both cdk-nag packs as validation plugins: an unacknowledged finding makes synth throw. */
function synthWithNag(build: (app: App) => void): void {
  const app = testApp();
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  app.synth();
}

describe('cdk-nag (AwsSolutions and Serverless)', () => {
  it.each<[string, TokenRevocationStackProps]>([
    ['default settings', {}],
    [
      'an event bus, a topic, operators and customer-managed keys',
      {
        eventBusName: 'bus',
        sourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
        operatorRoleArns: [
          'arn:aws:iam::123456789012:role/oncall',
          'arn:aws:iam::123456789012:role/sec/audit',
        ],
        revocation: {
          keySecretName: 's',
          tick: Duration.minutes(2),
          eventSources: ['a'],
          urgentEventSources: ['b'],
        },
      },
    ],
    [
      'SSE-SQS, a secret, an event bus and an e-mail',
      {
        eventBusName: 'bus',
        sourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
        operatorRoleArns: ['arn:aws:iam::123456789012:role/oncall'],
        keyEncryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        revocation: {
          useSqsManagedEncryption: true,
          keySecretName: 's',
          alarmEmail: 'a@example.com',
          eventSources: ['a'],
        },
      },
    ],
    [
      'an existing page topic (the ticket topic created) and a runbook URL',
      {
        pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages',
        revocation: { alarmEmail: 'a@example.com', runbookUrl: 'https://wiki.example.com/token-revoker' },
      },
    ],
    [
      'an SSM parameter encrypted with a customer key',
      {
        keyEncryptionKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        revocation: { keyParameterName: '/p' },
      },
    ],
  ])('reports nothing unacknowledged with %s', (_name, props) => {
    expect(() => synthWithNag((app) => new TokenRevocationStack(app, 'Nag', props))).not.toThrow();
  });

  it('would fail on an unacknowledged finding of either pack (the checks are live)', () => {
    expect(() =>
      synthWithNag((app) => {
        const stack = new Stack(app, 'Bad');
        new Queue(stack, 'Plain'); // no DLQ, no SSL policy
      }),
    ).toThrow(/Serverless-SQSRedrivePolicy/);
    expect(() =>
      synthWithNag((app) => {
        const stack = new Stack(app, 'Bad');
        new Role(stack, 'Managed', {
          assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
          managedPolicies: [
            ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'),
          ],
        }); // AwsSolutions-IAM4 only
      }),
    ).toThrow(/AwsSolutions-IAM4/);
  });

  it('gives every acknowledgement a written reason', () => {
    const app = testApp();
    const stack = new TokenRevocationStack(app, 'Reasons', { revocation: { alarmEmail: 'a@example.com' } });
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.values(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
