import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { CHANGE_ACTIONS, READ_ACTIONS } from '../../infra/queues';
import { synthesize } from './stack-factory';

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: { Service?: string; AWS?: unknown };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Every policy statement of a template, with the type and logical id of the resource that holds it. */
function statements(resources: Resources): { id: string; type: string; statement: Statement }[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const document = (resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy) as
      | { Statement: Statement[] }
      | undefined;
    return (document?.Statement ?? []).map((statement) => ({ id, type: resource.Type, statement }));
  });
}

const OPERATORS = ['arn:aws:iam::123456789012:role/oncall', 'arn:aws:iam::123456789012:role/sec/dlq-tools'];
const BUS_AND_TOPIC = {
  eventBusName: 'platform-events',
  sourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
  operatorRoleArns: OPERATORS,
  revocation: {
    keySecretName: 'prod/stackexchange-key',
    alarmEmail: 'oncall@example.com',
    eventSources: ['app.accounts'],
    urgentEventSources: ['app.security'],
  },
};
const VIA_SQS = { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } };
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('security review', () => {
  const { template } = synthesize(BUS_AND_TOPIC);
  const all = statements(template.toJSON().Resources as Resources);
  const keyPolicy = (idPattern: RegExp) =>
    all.filter(({ id, type }) => type === 'AWS::KMS::Key' && idPattern.test(id)).map((s) => s.statement);
  const queuePolicy = (idPattern: RegExp) =>
    all
      .filter(({ id, type }) => type === 'AWS::SQS::QueuePolicy' && idPattern.test(id))
      .map((s) => s.statement);
  const roleArn = (rolePattern: RegExp) => ({ 'Fn::GetAtt': [expect.stringMatching(rolePattern), 'Arn'] });

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

  describe('who can read tokens at rest (#12 point 7)', () => {
    it('denies reading the dead-letter queue to every principal but the operator roles', () => {
      const deny = queuePolicy(/QueuesDeadLetterQueuePolicy/).filter(
        (s) => s.Sid === 'OnlyNamedRolesReadTokens',
      );
      expect(deny).toEqual([
        {
          Sid: 'OnlyNamedRolesReadTokens',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [...READ_ACTIONS].sort(),
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/QueuesDeadLetterQueue/), 'Arn'] },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPERATORS } },
        },
      ]);
      expect(READ_ACTIONS).toEqual(
        expect.arrayContaining([
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:PurgeQueue',
          'sqs:ChangeMessageVisibility',
        ]),
      );
    });

    it('denies reading the dead-letter queue to everyone when no operator role is given', () => {
      const { template: noOperator } = synthesize();
      const deny = statements(noOperator.findResources('AWS::SQS::QueuePolicy') as Resources).filter(
        ({ id, statement }) =>
          /DeadLetterQueuePolicy/.test(id) && statement.Sid === 'OnlyNamedRolesReadTokens',
      );
      expect(deny).toHaveLength(1);
      expect(deny[0]?.statement.Condition).toBeUndefined();
    });

    it("denies reading each source queue to every principal but that queue's consumer", () => {
      const denyOn = (policy: RegExp) =>
        queuePolicy(policy).find((s) => s.Sid === 'OnlyNamedRolesReadTokens')?.Condition;
      expect(denyOn(/QueuesQueuePolicy/)).toEqual({
        ArnNotEquals: { 'aws:PrincipalArn': [roleArn(/RoutineConsumerRole/)] },
      });
      expect(denyOn(/QueuesUrgentQueuePolicy/)).toEqual({
        ArnNotEquals: { 'aws:PrincipalArn': [roleArn(/RevokerRole/)] },
      });
    });

    it('keeps the dead-letter queue under its own key, which IAM policies alone cannot open', () => {
      const dlqKey = keyPolicy(/QueuesDeadLetterKey/);
      const root = dlqKey.filter((s) => JSON.stringify(s.Principal).includes(':root'));
      expect(root).toHaveLength(1);
      expect(actionsOf(root[0] as Statement)).not.toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^kms:(\*|Decrypt|GenerateDataKey|Encrypt|ReEncrypt|CreateGrant)/),
        ]),
      );
      // Everyone else is named, and only through SQS (or, for services, for their rule or topic).
      for (const statement of dlqKey.filter((s) => s !== root[0])) {
        expect(actionsOf(statement)).toEqual(expect.arrayContaining(['kms:Decrypt']));
        expect(actionsOf(statement).every((a) => a === 'kms:Decrypt' || a === 'kms:GenerateDataKey')).toBe(
          true,
        );
        if (statement.Principal?.Service === undefined) expect(statement.Condition).toEqual(VIA_SQS);
        else expect(statement.Condition?.ArnEquals?.['aws:SourceArn']).toBeDefined();
      }
      expect(dlqKey).toContainEqual(
        expect.objectContaining({
          Sid: 'FunctionsParkBadInput',
          Principal: { AWS: [roleArn(/RevokerRole/), roleArn(/RoutineConsumerRole/)] },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        }),
      );
      expect(dlqKey).toContainEqual(
        expect.objectContaining({
          Sid: 'OperatorsReadDeadLetters',
          Principal: { AWS: OPERATORS },
          Action: 'kms:Decrypt',
        }),
      );
    });

    it('names the consumers in the source key, and lets the account use it only to send through SQS', () => {
      const sourceKey = keyPolicy(/QueuesKey[0-9A-F]{8}$/);
      expect(sourceKey).toContainEqual(
        expect.objectContaining({
          Sid: 'ConsumersReceiveTokens',
          Principal: { AWS: [roleArn(/RevokerRole/), roleArn(/RoutineConsumerRole/)] },
          Action: 'kms:Decrypt',
          Condition: VIA_SQS,
        }),
      );
      const root = sourceKey.filter((s) => JSON.stringify(s.Principal).includes(':root'));
      expect(root.flatMap(actionsOf)).not.toContain('kms:*');
      for (const statement of root.filter((s) => actionsOf(s).includes('kms:Decrypt'))) {
        expect(statement.Condition).toEqual({
          StringEquals: {
            'kms:ViaService': 'sqs.eu-west-1.amazonaws.com',
            'kms:CallerAccount': '123456789012',
          },
        });
      }
    });

    it('gives the operator roles what the DLQ tools need, in the queue and key policies', () => {
      expect(queuePolicy(/QueuesDeadLetterQueuePolicy/)).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { AWS: OPERATORS },
          Action: expect.arrayContaining([
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
            'sqs:ListDeadLetterSourceQueues',
          ]),
        }),
      );
      for (const source of [/QueuesQueuePolicy/, /QueuesUrgentQueuePolicy/]) {
        expect(queuePolicy(source)).toContainEqual(
          expect.objectContaining({
            Principal: { AWS: OPERATORS },
            Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
          }),
        );
      }
      expect(keyPolicy(/QueuesKey[0-9A-F]{8}$/)).toContainEqual(
        expect.objectContaining({
          Principal: { AWS: OPERATORS },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: VIA_SQS,
        }),
      );
    });

    it('gives a read action on a token queue to no IAM policy but the two consumers', () => {
      // Producers only send (grantEnqueue is tested on a producer role in token-revocation.test.ts).
      const readers = all.filter(
        ({ type, statement }) =>
          type === 'AWS::IAM::Policy' &&
          actionsOf(statement).some((a) => ['sqs:ReceiveMessage', 'sqs:PurgeQueue'].includes(a)),
      );
      expect(readers.map(({ id }) => id).sort()).toEqual([
        expect.stringMatching(/RevokerRoleDefaultPolicy/),
        expect.stringMatching(/RoutineConsumerRoleDefaultPolicy/),
      ]);
    });
  });

  describe('service principals (#12 point 8)', () => {
    it('lets AWS services use the keys only for their rule, topic or alarms, and never to encrypt directly', () => {
      const serviceGrants = all.filter(
        ({ type, statement }) => type === 'AWS::KMS::Key' && statement.Principal?.Service !== undefined,
      );
      expect(new Set(serviceGrants.map(({ statement }) => statement.Principal?.Service))).toEqual(
        new Set(['events.amazonaws.com', 'sns.amazonaws.com', 'cloudwatch.amazonaws.com']),
      );
      for (const { statement } of serviceGrants) {
        expect(JSON.stringify(statement.Action)).not.toMatch(/kms:Encrypt|ReEncrypt|CreateGrant|kms:\*/);
        expect(statement.Condition?.ArnEquals ?? statement.Condition?.ArnLike).toBeDefined();
      }
    });

    it('lets CloudWatch use the alarm topic key only for alarms of this account and region', () => {
      expect(keyPolicy(/AlarmTopicKey/).filter((s) => s.Principal?.Service !== undefined)).toEqual([
        {
          Sid: 'AllowCloudWatchAlarmsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' },
          },
        },
      ]);
    });

    it('lets services send to the queues only for the rule or the topic', () => {
      const serviceGrants = all.filter(
        ({ type, statement }) =>
          type === 'AWS::SQS::QueuePolicy' && statement.Effect === 'Allow' && statement.Principal?.Service,
      );
      expect(serviceGrants.length).toBeGreaterThan(0);
      for (const { statement } of serviceGrants) {
        expect(statement.Principal?.Service).toMatch(/^(events|sns)\.amazonaws\.com$/);
        expect(statement.Action).toBe('sqs:SendMessage');
        expect(statement.Condition?.ArnEquals?.['aws:SourceArn']).toBeDefined();
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
  });

  it('decrypts a customer-managed app key only through Secrets Manager or SSM, for both functions', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    for (const [revocation, service] of [
      [{ keySecretName: 's' }, 'secretsmanager'],
      [{ keyParameterName: '/p' }, 'ssm'],
    ] as const) {
      const { template: withKey } = synthesize({ keyEncryptionKeyArn: keyArn, revocation });
      const decrypts = statements(withKey.findResources('AWS::IAM::Policy') as Resources).filter(
        ({ statement }) => statement.Resource === keyArn,
      );
      const viaService = expect.objectContaining({
        Action: 'kms:Decrypt',
        Condition: { StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com` } },
      });
      expect(decrypts.map((d) => d.statement)).toEqual([viaService, viaService]);
    }
  });

  it('accepts the secret as a full ARN and grants exactly that secret', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/se-key-AbCdEf';
    const { template: withArn } = synthesize({ revocation: { keySecretName: arn } });
    const reads = statements(withArn.findResources('AWS::IAM::Policy') as Resources).filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('secretsmanager:GetSecretValue'),
    );
    // Each function reads that secret and the parking key, nothing else.
    const parkingKey = { Ref: expect.stringMatching(/ParkingKeySecret/) };
    expect(reads.map((r) => r.statement.Resource)).toEqual([
      [arn, parkingKey],
      [arn, parkingKey],
    ]);
  });

  it('warns when no app key is configured, and nothing more when everything is set', () => {
    const { stack } = synthesize();
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('without an app key'));
    const { stack: configured } = synthesize(BUS_AND_TOPIC);
    expect(Annotations.fromStack(configured).findWarning('*', Match.anyValue())).toHaveLength(0);
  });

  describe('who can redirect, delete or decrypt (security review 2, point 3)', () => {
    const resources = template.toJSON().Resources as Resources;
    const bootstrapRole = {
      'Fn::Sub':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
        'arn:${AWS::Partition}:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1',
    };

    it('denies changing, deleting and moving the messages of every queue to all but the deploying role', () => {
      const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
      expect(queues).toHaveLength(5); // routine, urgent, dead-letter, parked, schedule dead-letter
      for (const [id] of queues) {
        const policy = Object.values(resources).find(
          (r) => r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties.Queues).includes(id),
        );
        const statements = (policy?.Properties.PolicyDocument as { Statement: Statement[] } | undefined)
          ?.Statement;
        expect(statements).toContainEqual({
          Sid: 'OnlyTheDeployingRoleChangesTheQueue',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: [...CHANGE_ACTIONS].sort(),
          Resource: { 'Fn::GetAtt': [id, 'Arn'] },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': bootstrapRole } },
        });
      }
      expect(CHANGE_ACTIONS).toEqual(
        expect.arrayContaining(['sqs:SetQueueAttributes', 'sqs:DeleteQueue', 'sqs:StartMessageMoveTask']),
      );
    });

    it('names the deploying role given in deployRoleArn instead of the bootstrap role', () => {
      const platform = 'arn:aws:iam::123456789012:role/platform/deployer';
      const { template: named } = synthesize({ revocation: { deployRoleArn: platform } });
      const denies = statements(named.toJSON().Resources as Resources).filter(
        ({ statement }) => statement.Sid === 'OnlyTheDeployingRoleChangesTheQueue',
      );
      expect(denies).toHaveLength(5);
      for (const { statement } of denies) {
        expect(statement.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': platform } });
      }
    });

    it('lets the account use neither token key: only their administration stays with the account', () => {
      const tokenKeys = all.filter(
        ({ id, type }) => type === 'AWS::KMS::Key' && /Queues(DeadLetter)?Key/.test(id),
      );
      expect(tokenKeys.length).toBeGreaterThan(0);
      for (const { statement } of tokenKeys) {
        if (!JSON.stringify(statement.Principal).includes(':root')) continue;
        expect(statement.Sid).toBe('KeyAdministrationWithoutUse');
        expect(actionsOf(statement)).not.toContain('kms:Decrypt');
        expect(actionsOf(statement)).not.toContain('kms:GenerateDataKey');
      }
    });

    it('lets only the functions and the operators read the parking key', () => {
      const secretPolicy = Object.values(resources).find(
        (r) => r.Type === 'AWS::SecretsManager::ResourcePolicy',
      );
      const policy = secretPolicy?.Properties.ResourcePolicy as { Statement: Statement[] };
      expect(policy.Statement).toContainEqual({
        Sid: 'OnlyFunctionsAndOperatorsReadTheParkingKey',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          ArnNotEquals: {
            'aws:PrincipalArn': [roleArn(/RevokerRole/), roleArn(/ConsumerRole/), ...OPERATORS],
          },
        },
      });
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({
          Sid: 'OperatorsCheckParkedMessages',
          Effect: 'Allow',
          Principal: { AWS: OPERATORS },
        }),
      );
    });
  });

  describe('low items (security review 2)', () => {
    it('reads the app key parameter with GetParameter only, never its history (old keys)', () => {
      const { template: withParameter } = synthesize({
        revocation: { keyParameterName: '/token-revoker/key' },
      });
      const ssm = statements(withParameter.toJSON().Resources as Resources).filter(({ statement }) =>
        JSON.stringify(statement.Action).includes('ssm:'),
      );
      expect(ssm).toHaveLength(2);
      for (const { statement } of ssm) expect(statement.Action).toBe('ssm:GetParameter');
    });

    it('refuses an operator role of another account unless allowCrossAccountOperators, and warns then', () => {
      const foreign = 'arn:aws:iam::999999999999:role/oncall';
      expect(() => synthesize({ operatorRoleArns: [foreign] })).toThrow(
        /is in account 999999999999, not 123456789012: set allowCrossAccountOperators/,
      );
      const { stack } = synthesize({ operatorRoleArns: [foreign], allowCrossAccountOperators: true });
      expect(
        Annotations.fromStack(stack).findWarning(
          '*',
          Match.stringLikeRegexp('in another account \\(999999999999\\)'),
        ),
      ).toHaveLength(1);
    });
  });
});
