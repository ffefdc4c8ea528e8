import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synthesize } from './stack-factory';

type Statement = {
  Effect: string;
  Principal?: { Service?: string; AWS?: unknown };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Every policy statement of a template, with the type of resource that holds it. */
function statements(resources: Resources): { type: string; statement: Statement }[] {
  return Object.values(resources).flatMap((resource) => {
    const document = (resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy) as
      | { Statement: Statement[] }
      | undefined;
    return (document?.Statement ?? []).map((statement) => ({ type: resource.Type, statement }));
  });
}

const BUS_AND_TOPIC = {
  eventBusName: 'platform-events',
  sourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
  revocation: { keySecretName: 'prod/stackexchange-key', alarmEmail: 'oncall@example.com' },
};

describe('security review', () => {
  const { template } = synthesize(BUS_AND_TOPIC);
  const all = statements(template.toJSON().Resources as Resources);

  it('uses a "*" resource only in KMS key policies, where it means "this key"', () => {
    // A key policy is attached to one key: "Resource": "*" there cannot reach any other key.
    const wildcards = all.filter(({ statement }) => JSON.stringify(statement.Resource).includes('"*"'));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const { type } of wildcards) expect(type).toBe('AWS::KMS::Key');
    for (const { statement } of all.filter(({ type }) => type === 'AWS::IAM::Policy')) {
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:\*"/);
      expect(JSON.stringify(statement.Action)).not.toMatch(/:\*"/);
    }
  });

  it('lets AWS services use the queue key only on behalf of this account or the subscribed topic', () => {
    const keyGrants = all.filter(
      ({ type, statement }) => type === 'AWS::KMS::Key' && statement.Principal?.Service !== undefined,
    );
    const byService = (service: string) =>
      keyGrants.filter(({ statement }) => statement.Principal?.Service === service).map((g) => g.statement);
    for (const grant of byService('events.amazonaws.com')) {
      expect(grant.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    }
    for (const grant of byService('sns.amazonaws.com')) {
      expect(grant.Condition).toEqual({
        ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:eu-west-1:123456789012:logouts' },
      });
    }
    expect(byService('events.amazonaws.com')).toHaveLength(1);
    expect(byService('sns.amazonaws.com')).toHaveLength(1);
    // CloudWatch publishes alarms into the encrypted topic: documented by AWS without conditions, and
    // limited to kms:Decrypt and kms:GenerateDataKey* on the alarm topic's own key.
    expect(byService('cloudwatch.amazonaws.com')).toEqual([
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    ]);
  });

  it('lets services send to the queues only from this account, the rule or the topic', () => {
    const queueGrants = all.filter(
      ({ type, statement }) => type === 'AWS::SQS::QueuePolicy' && statement.Effect === 'Allow',
    );
    expect(queueGrants.length).toBeGreaterThan(0);
    for (const { statement } of queueGrants) {
      expect(statement.Principal?.Service).toMatch(/^(events|sns)\.amazonaws\.com$/);
      expect(Object.keys(statement.Condition ?? {})).not.toHaveLength(0);
    }
  });

  it('opens the alarm topic to CloudWatch alarms of this account only', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' },
            },
          }),
        ]),
      },
    });
  });

  it('decrypts a customer-managed app key only through Secrets Manager or SSM', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    for (const [revocation, service] of [
      [{ keySecretName: 's' }, 'secretsmanager'],
      [{ keyParameterName: '/p' }, 'ssm'],
    ] as const) {
      const { template: withKey } = synthesize({ keyEncryptionKeyArn: keyArn, revocation });
      const decrypts = statements(withKey.findResources('AWS::IAM::Policy') as Resources).filter(
        ({ statement }) => statement.Resource === keyArn,
      );
      expect(decrypts.map((d) => d.statement)).toContainEqual(
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com` } },
        }),
      );
    }
  });

  it('accepts the secret as a full ARN and grants exactly that secret', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/se-key-AbCdEf';
    const { template: withArn } = synthesize({ revocation: { keySecretName: arn } });
    const reads = statements(withArn.findResources('AWS::IAM::Policy') as Resources).filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    expect(reads.map((r) => r.statement.Resource)).toEqual([arn]);
  });

  it('warns when no app key is configured, and when the producer scoping flags are off', () => {
    const { stack } = synthesize();
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('without an app key'));
    const { stack: legacy } = synthesize(BUS_AND_TOPIC, {
      '@aws-cdk/aws-events:eventsTargetQueueSameAccount': false,
      '@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption': false,
    });
    const warnings = Annotations.fromStack(legacy).findWarning('*', Match.stringLikeRegexp('feature flag'));
    expect(warnings).toHaveLength(2);
    const { stack: configured } = synthesize(BUS_AND_TOPIC);
    expect(Annotations.fromStack(configured).findWarning('*', Match.anyValue())).toHaveLength(0);
  });
});
