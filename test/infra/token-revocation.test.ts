import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { PIPELINE_DEFAULTS } from '../../infra/settings';
import { TokenRevocation } from '../../infra/token-revocation';
import { synthesize, testStack } from './stack-factory';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const ofType = (template: Template, type: string) => Object.values(template.findResources(type) as Resources);

describe('TokenRevocation construct', () => {
  const { template } = synthesize();

  describe('queues', () => {
    it('encrypts both queues with a rotated customer-managed key', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        Description: Match.stringLikeRegexp('queues'),
      });
      const queues = ofType(template, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(2);
      for (const queue of queues)
        expect(queue.Properties.KmsMasterKeyId).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/^TokenRevocationQueuesKey/), 'Arn'],
        });
    });

    it('uses SSE-SQS when asked', () => {
      const sse = synthesize({ revocation: { useSqsManagedEncryption: true } }).template;
      for (const queue of ofType(sse, 'AWS::SQS::Queue')) {
        expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
        expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
      }
    });

    it('denies every request that does not use TLS, on both queues', () => {
      const policies = ofType(template, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(policy.Properties.PolicyDocument).toMatchObject({
          Statement: expect.arrayContaining([
            expect.objectContaining({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        });
      }
    });

    it('computes the visibility timeout from the function timeout and batching window', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout:
          6 * PIPELINE_DEFAULTS.functionTimeoutInSeconds + PIPELINE_DEFAULTS.maxBatchingWindowInSeconds,
        MessageRetentionPeriod: 4 * 86_400,
      });
      const custom = synthesize({
        revocation: { functionTimeout: undefined, maxBatchingWindow: undefined, batchSize: 50 },
      });
      custom.template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 185 });
    });

    it('redrives to the dead-letter queue after maxReceiveCount, and the DLQ admits only the source queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: {
          maxReceiveCount: 5,
          deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
        },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        MessageRetentionPeriod: 14 * 86_400,
        RedriveAllowPolicy: { redrivePermission: 'byQueue', sourceQueueArns: [Match.anyValue()] },
      });
      const source = ofType(template, 'AWS::SQS::Queue').find(
        (q) => q.Properties.RedrivePolicy !== undefined,
      );
      const dlq = ofType(template, 'AWS::SQS::Queue').find(
        (q) => q.Properties.RedriveAllowPolicy !== undefined,
      );
      const allowed = JSON.stringify(
        (dlq?.Properties.RedriveAllowPolicy as { sourceQueueArns: unknown[] } | undefined)?.sourceQueueArns,
      );
      expect(allowed).toContain(source?.Properties.QueueName as string);
      synthesize({ revocation: { maxReceiveCount: 3 } }).template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { maxReceiveCount: 3 },
      });
    });
  });

  describe('function', () => {
    it('runs the handler on the newest Node runtime, arm64, with the documented environment and no key in it', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 30,
        Environment: {
          Variables: {
            STACKEXCHANGE_API_URL: 'https://api.stackexchange.com/2.3',
            STACKEXCHANGE_AUTH_STYLE: 'query',
            STACKEXCHANGE_REQUESTS_PER_SECOND: '5',
            STACKEXCHANGE_CALL_CONCURRENCY: '4',
            DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('DeadLetterQueue') },
            POWERTOOLS_SERVICE_NAME: 'token-revoker',
            POWERTOOLS_METRICS_NAMESPACE: 'TokenRevoker',
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('Logs') } },
      });
      const [fn] = ofType(template, 'AWS::Lambda::Function');
      expect(JSON.stringify(fn)).not.toContain('STACKEXCHANGE_KEY"');
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('names the app key secret, never its value, and may read only that secret', () => {
      const { template: withSecret } = synthesize({
        revocation: { keySecretName: 'prod/stackexchange-key' },
      });
      withSecret.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ STACKEXCHANGE_KEY_SECRET_ID: 'prod/stackexchange-key' }),
        },
      });
      const policies = JSON.stringify(withSecret.findResources('AWS::IAM::Policy'));
      expect(policies).toContain('"secretsmanager:GetSecretValue"');
      expect(policies).toContain(':secret:prod/stackexchange-key-??????');
    });

    it('can read the key from an SSM SecureString parameter instead', () => {
      const { template: withParameter } = synthesize({ revocation: { keyParameterName: '/se/app-key' } });
      withParameter.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ STACKEXCHANGE_KEY_PARAMETER_NAME: '/se/app-key' }) },
      });
      expect(JSON.stringify(withParameter.toJSON())).toContain('ssm:GetParameter');
      expect(() => synthesize({ revocation: { keyParameterName: '/a', keySecretName: 'b' } })).toThrow(
        /not both/,
      );
    });

    it('has its own role with no managed policy and no wildcard resource', () => {
      const roles = ofType(template, 'AWS::IAM::Role');
      for (const role of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      for (const policy of ofType(template, 'AWS::IAM::Policy')) {
        const statements = (
          policy.Properties.PolicyDocument as { Statement: { Resource: unknown; Action: unknown }[] }
        ).Statement;
        for (const statement of statements) expect(statement.Resource).not.toEqual('*');
      }
    });

    it('may send to the dead-letter queue (parking) and nothing else there', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
            },
            {
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('QueuesKey'), 'Arn'] },
            },
          ]),
        },
      });
      const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
      expect(text).not.toMatch(/sqs:\*|kms:\*|ReEncrypt/);
    });
  });

  describe('event source', () => {
    it('fills calls of 20, reports partial failures, and stays inside the request budget', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 4 },
        MetricsConfig: { Metrics: ['EventCount'] },
      });
    });

    it('derives max concurrency and the per-function rate from the total budget', () => {
      const { template: small } = synthesize({
        revocation: { totalRequestsPerSecond: 6, requestsPerSecondPerFunction: 5 },
      });
      small.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      small.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ STACKEXCHANGE_REQUESTS_PER_SECOND: '3' }) },
      });
      const { template: big } = synthesize({
        revocation: { totalRequestsPerSecond: 25, requestsPerSecondPerFunction: 5 },
      });
      big.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });
  });

  describe('producers', () => {
    it('grantEnqueue gives SendMessage and the KMS use it needs, nothing more', () => {
      const stack = testStack();
      const revocation = new TokenRevocation(stack, 'R');
      const producer = new Role(stack, 'Producer', {
        assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      });
      revocation.grantEnqueue(producer);
      const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('Producer') }] },
      }) as Resources;
      const statements = Object.values(policies).flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
      );
      expect(statements.map((s) => s.Action)).toEqual([
        'sqs:SendMessage',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
      ]);
    });

    it('routes TokenRevocationRequested events from a bus, when given one', () => {
      const { template: withBus } = synthesize({ eventBusName: 'platform-events' });
      withBus.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: 'platform-events',
        EventPattern: { 'detail-type': ['TokenRevocationRequested'] },
        Targets: [
          Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('QueuesQueue'), 'Arn'] } }),
        ],
      });
      template.resourceCountIs('AWS::Events::Rule', 0);
    });

    it('subscribes the queue to an SNS topic, when given one', () => {
      const stack = testStack();
      new TokenRevocation(stack, 'R', { sourceTopic: new Topic(stack, 'Logouts') });
      Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
    });

    it('outputs the queue URL and ARN, the DLQ URL, the alarm topic and the dashboard name', () => {
      const outputs = Object.keys(template.findOutputs('*'));
      for (const name of ['QueueUrl', 'QueueArn', 'DeadLetterQueueUrl', 'AlarmTopicArn', 'DashboardName']) {
        expect(outputs.some((o) => o.includes(name))).toBe(true);
      }
    });
  });

  describe('alarms and dashboard', () => {
    const alarms = ofType(template, 'AWS::CloudWatch::Alarm');
    const alarm = (metricName: string) =>
      alarms.find((a) => a.Properties.MetricName === metricName)?.Properties;

    it('sends every alarm, with a description for the operator, to one encrypted SSL-only topic', () => {
      expect(alarms).toHaveLength(8);
      const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(1);
      for (const a of alarms) {
        expect(a.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
        expect(String(a.Properties.AlarmDescription).length).toBeGreaterThan(60);
      }
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('subscribes an e-mail address when given one', () => {
      synthesize({ revocation: { alarmEmail: 'oncall@example.com' } }).template.hasResourceProperties(
        'AWS::SNS::Subscription',
        {
          Protocol: 'email',
          Endpoint: 'oncall@example.com',
        },
      );
    });

    it.each([
      ['ApproximateNumberOfMessagesVisible', 1, 'GreaterThanOrEqualToThreshold'],
      ['ApproximateAgeOfOldestMessage', 900, 'GreaterThanOrEqualToThreshold'],
      ['Errors', 1, 'GreaterThanOrEqualToThreshold'],
      ['Throttles', 1, 'GreaterThanOrEqualToThreshold'],
      ['ConfigurationErrors', 1, 'GreaterThanOrEqualToThreshold'],
      ['ThrottleViolations', 1, 'GreaterThanOrEqualToThreshold'],
      ['QuotaRemaining', 2000, 'LessThanThreshold'],
      ['TokensParked', 1, 'GreaterThanOrEqualToThreshold'],
    ])('alarms on %s (threshold %d)', (metricName, threshold, operator) => {
      expect(alarm(metricName)).toMatchObject({ Threshold: threshold, ComparisonOperator: operator });
    });

    it("watches the handler's metrics in its namespace with the service dimension", () => {
      for (const name of ['ConfigurationErrors', 'ThrottleViolations', 'QuotaRemaining', 'TokensParked']) {
        expect(alarm(name)).toMatchObject({
          Namespace: 'TokenRevoker',
          Dimensions: [{ Name: 'service', Value: 'token-revoker' }],
        });
      }
    });

    it('draws queues, function, tokens, API calls and quota on the dashboard', () => {
      const [dashboard] = ofType(template, 'AWS::CloudWatch::Dashboard');
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const metric of [
        'ApproximateAgeOfOldestMessage',
        'Invocations',
        'Duration',
        'TokensInvalidated',
        'TokensAlreadyDead',
        'TokensParked',
        'TokensRetried',
        'ApiCalls',
        'ApiErrors',
        'QuotaRemaining',
      ]) {
        expect(body).toContain(metric);
      }
    });
  });
});
