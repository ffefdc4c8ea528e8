import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LANE_DIMENSION, Lane, MetricName } from '../../functions/lib/telemetry-names';
import { AlarmName } from '../../infra/alarm-names';
import { PIPELINE_DEFAULTS } from '../../infra/settings';
import { TokenRevocation } from '../../infra/token-revocation';
import { synthesize, testApp, testStack } from './stack-factory';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const ofType = (template: Template, type: string) => Object.values(template.findResources(type) as Resources);

describe('TokenRevocation construct', () => {
  const { template, stack: defaultStack } = synthesize();
  const stackResolve = (value: unknown) => defaultStack.resolve(value);

  describe('queues', () => {
    const tokenQueues = () =>
      ofType(template, 'AWS::SQS::Queue').filter(
        (q) => !JSON.stringify(q.Properties).includes('SqsManagedSseEnabled'),
      );
    const byName = (suffix: string) =>
      ofType(template, 'AWS::SQS::Queue').find((q) => String(q.Properties.QueueName).endsWith(suffix))
        ?.Properties;
    const dlq = () =>
      ofType(template, 'AWS::SQS::Queue').find(
        (q) =>
          (q.Properties.RedriveAllowPolicy as { redrivePermission?: string })?.redrivePermission ===
          'byQueue',
      )?.Properties;
    const parked = () =>
      Object.entries(template.findResources('AWS::SQS::Queue') as Resources).find(([id]) =>
        /QueuesParkedQueue/.test(id),
      )?.[1].Properties;

    it('encrypts the source queues with one rotated key and the dead-letter and parked queues with another', () => {
      const keys = template.findResources('AWS::KMS::Key');
      const keyId = (description: RegExp) =>
        Object.entries(keys).find(([, k]) => description.test(String(k.Properties.Description)))?.[0];
      const sourceKey = keyId(/source queues/);
      const deadLetterKey = keyId(/dead-letter and parked queues/);
      expect(sourceKey).toBeDefined();
      expect(deadLetterKey).toBeDefined();
      expect(sourceKey).not.toBe(deadLetterKey);
      for (const id of [sourceKey, deadLetterKey]) {
        expect(keys[id as string]?.Properties.EnableKeyRotation).toBe(true);
      }
      expect(tokenQueues()).toHaveLength(4);
      for (const suffix of ['-source', '-urgent']) {
        expect(byName(suffix)?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [sourceKey, 'Arn'] });
      }
      expect(dlq()?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [deadLetterKey, 'Arn'] });
      expect(parked()).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [deadLetterKey, 'Arn'] },
        MessageRetentionPeriod: dlq()?.MessageRetentionPeriod,
      });
    });

    it('keeps the parked queue apart from the dead-letter queue: no queue redrives into it', () => {
      // The dead-letter queue admits the two source queues only; the parked queue admits none, so each
      // message in it was sent by a function (NumberOfMessagesSent counts every arrival).
      expect(dlq()?.RedriveAllowPolicy).toMatchObject({ redrivePermission: 'byQueue' });
      expect(parked()?.RedriveAllowPolicy).toEqual({ redrivePermission: 'denyAll' });
      for (const suffix of ['-source', '-urgent']) {
        expect(byName(suffix)?.RedrivePolicy).toMatchObject({
          deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/QueuesDeadLetterQueue/), 'Arn'] },
        });
      }
    });

    it('uses SSE-SQS when asked', () => {
      const sse = synthesize({ revocation: { useSqsManagedEncryption: true } }).template;
      expect(ofType(sse, 'AWS::SQS::Queue')).toHaveLength(5);
      for (const queue of ofType(sse, 'AWS::SQS::Queue')) {
        expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
        expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
      }
      sse.resourceCountIs('AWS::KMS::Key', 1); // the alarm topics'
    });

    it('denies every request that does not use TLS, on every queue', () => {
      const policies = ofType(template, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(5);
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

    it('keeps the urgent queue on the event source formula and the routine queue on the tick', () => {
      expect(byName('-urgent')).toMatchObject({
        VisibilityTimeout:
          6 * PIPELINE_DEFAULTS.functionTimeoutInSeconds + PIPELINE_DEFAULTS.maxBatchingWindowInSeconds,
        MessageRetentionPeriod: 10 * 86_400,
      });
      expect(byName('-source')).toMatchObject({
        VisibilityTimeout: 110,
        MessageRetentionPeriod: 10 * 86_400,
      });
      const custom = synthesize({ revocation: { tick: Duration.minutes(2) } }).template;
      custom.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-source$'),
        VisibilityTimeout: 230,
      });
    });

    it('redrives both queues to one dead-letter queue that admits exactly them', () => {
      const deadLetterTarget = { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] };
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-source$'),
        RedrivePolicy: { maxReceiveCount: 14, deadLetterTargetArn: deadLetterTarget },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-urgent$'),
        RedrivePolicy: { maxReceiveCount: 13, deadLetterTargetArn: deadLetterTarget },
      });
      expect(dlq()).toMatchObject({
        MessageRetentionPeriod: 14 * 86_400,
        RedriveAllowPolicy: { redrivePermission: 'byQueue' },
      });
      const sourceQueueArns = (dlq()?.RedriveAllowPolicy as { sourceQueueArns?: unknown[] } | undefined)
        ?.sourceQueueArns;
      expect(sourceQueueArns).toHaveLength(2);
      const allowed = JSON.stringify(sourceQueueArns);
      expect(allowed).toContain(String(byName('-source')?.QueueName));
      expect(allowed).toContain(String(byName('-urgent')?.QueueName));
      const custom = synthesize({ revocation: { maxReceiveCount: 3, routineMaxReceiveCount: 12 } }).template;
      custom.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-urgent$'),
        RedrivePolicy: { maxReceiveCount: 3 },
      });
      custom.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-source$'),
        RedrivePolicy: { maxReceiveCount: 12 },
      });
    });
  });

  describe('urgent function', () => {
    const urgentFunction = () =>
      ofType(template, 'AWS::Lambda::Function').find(
        (f) => f.Properties.ReservedConcurrentExecutions === undefined,
      )?.Properties;

    it('runs the handler on the newest Node runtime, arm64, with the documented environment and no key in it', () => {
      expect(urgentFunction()).toMatchObject({
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
            PARKED_QUEUE_URL: { Ref: expect.stringMatching(/QueuesParkedQueue/) },
            POWERTOOLS_SERVICE_NAME: 'token-revoker',
            POWERTOOLS_METRICS_NAMESPACE: 'TokenRevoker',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
            CONTROL_TABLE_NAME: { Ref: expect.stringMatching(/ControlTable/) },
            DAILY_CALL_BUDGET: '9000',
            URGENT_RESERVE_CALLS: '1800',
            ROUTINE_QUOTA_FLOOR_FRACTION: '0.2',
          },
        },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/RevokerLogs/) } },
      });
      expect(JSON.stringify(ofType(template, 'AWS::Lambda::Function'))).not.toContain('STACKEXCHANGE_KEY"');
      // The logs hold the audit trail: a year by default, for both functions.
      expect(
        ofType(template, 'AWS::Logs::LogGroup').map((group) => group.Properties.RetentionInDays),
      ).toEqual([365, 365]);
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

    it('lets both functions send to the parked queue (parking) and nothing else there, and nothing on the dead-letter queue', () => {
      const policies = ofType(template, 'AWS::IAM::Policy').filter((p) =>
        JSON.stringify(p.Properties.Roles).match(/RevokerRole|ConsumerRole/),
      );
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        const statements = (
          policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
        ).Statement;
        const on = (queue: string) =>
          statements.filter((st) => JSON.stringify(st.Resource).includes(queue)).map((st) => st.Action);
        expect(on('QueuesParkedQueue')).toEqual(['sqs:SendMessage']);
        expect(on('QueuesDeadLetterQueue')).toEqual([]);
      }
      const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
      expect(text).not.toMatch(/sqs:\*|kms:\*|ReEncrypt|kms:Encrypt/);
    });
  });

  describe('urgent event source', () => {
    it('polls the urgent queue, fills calls of 20, reports partial failures, and stays inside the urgent share', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('UrgentQueue'), 'Arn'] },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 3 },
        MetricsConfig: { Metrics: ['EventCount'] },
      });
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    });

    it('derives the urgent concurrency and rate from its share, and gives the routine consumer the rest', () => {
      const rates = (t: Template) =>
        ofType(t, 'AWS::Lambda::Function').map((f) => ({
          routine: f.Properties.ReservedConcurrentExecutions === 1,
          rate: (f.Properties.Environment as { Variables: Record<string, string> }).Variables
            .STACKEXCHANGE_REQUESTS_PER_SECOND,
        }));
      const { template: small } = synthesize({
        revocation: {
          totalRequestsPerSecond: 6,
          urgentRequestsPerSecond: 3,
          requestsPerSecondPerFunction: 5,
        },
      });
      small.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      expect(rates(small)).toEqual(
        expect.arrayContaining([
          { routine: false, rate: '1.5' },
          { routine: true, rate: '3' },
        ]),
      );
      const { template: big } = synthesize({
        revocation: {
          totalRequestsPerSecond: 25,
          urgentRequestsPerSecond: 10,
          requestsPerSecondPerFunction: 2,
        },
      });
      big.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 5 },
      });
      expect(rates(big)).toEqual(
        expect.arrayContaining([
          { routine: false, rate: '2' },
          { routine: true, rate: '15' },
        ]),
      );
    });
  });

  describe('producers', () => {
    /** A stack with the construct and two producer roles, each granted one lane. */
    const granted = () => {
      const stack = testStack();
      const revocation = new TokenRevocation(stack, 'R');
      const role = (id: string) =>
        new Role(stack, id, { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
      const logouts = role('Logouts');
      const leaks = role('Leaks');
      revocation.grantEnqueue(logouts);
      revocation.grantUrgentEnqueue(leaks);
      const template = Template.fromStack(stack);
      const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
      const statementsOf = (roleId: string) =>
        Object.values(
          template.findResources('AWS::IAM::Policy', {
            Properties: { Roles: [{ Ref: Match.stringLikeRegexp(roleId) }] },
          }) as Resources,
        ).flatMap(
          (p) =>
            (
              p.Properties.PolicyDocument as {
                Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[];
              }
            ).Statement,
        );
      const keyStatements = Object.entries(template.findResources('AWS::KMS::Key') as Resources)
        .filter(([id]) => /RQueuesKey/.test(id))
        .flatMap(
          ([, key]) => (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement,
        );
      return { resolve, statementsOf, keyStatements };
    };

    it('grantEnqueue reaches the routine queue only, grantUrgentEnqueue the urgent queue only (security review 2, point 4)', () => {
      const { resolve, statementsOf } = granted();
      for (const [roleId, queue, other] of [
        ['Logouts', /RQueuesQueue[0-9A-F]{8}/, /UrgentQueue/],
        ['Leaks', /RQueuesUrgentQueue/, /RQueuesQueue[0-9A-F]{8}/],
      ] as const) {
        const statements = statementsOf(roleId);
        expect(statements).toHaveLength(2);
        expect(statements[0]).toMatchObject({ Action: 'sqs:SendMessage' });
        expect(resolve(statements[0]?.Resource)).toMatch(queue);
        expect(resolve(statements[0]?.Resource)).not.toMatch(other);
        expect(statements[1]).toMatchObject({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } },
        });
        expect(resolve(statements[1]?.Resource)).toContain('RQueuesKey');
        expect(resolve(statements)).not.toMatch(/DeadLetter|ReceiveMessage|kms:Encrypt|ReEncrypt/);
      }
    });

    it('names each producer in the key policy, and trusts no principal of the account as a whole (point 3)', () => {
      const { resolve, keyStatements } = granted();
      const producers = keyStatements.filter((s) => String(s.Sid).startsWith('ProducerSendsThroughSqs'));
      expect(producers.map((s) => resolve(s.Principal))).toEqual([
        expect.stringContaining('Logouts'),
        expect.stringContaining('Leaks'),
      ]);
      for (const statement of producers) {
        expect(statement).toMatchObject({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } },
        });
      }
      // The account keeps the administration of the key, never its use.
      const forAccount = keyStatements.filter((s) => resolve(s.Principal).includes(':root'));
      expect(forAccount.map((s) => s.Sid)).toEqual(['KeyAdministrationWithoutUse']);
      expect(resolve(forAccount)).not.toMatch(/kms:Decrypt|kms:GenerateDataKey|kms:Encrypt/);
    });

    it('admits a producer of another stack only by the ARN listed in producerRoleArns, and refuses one not declared', () => {
      const app = testApp();
      const env = { account: '123456789012', region: 'eu-west-1' };
      const home = new Stack(app, 'Home', { env });
      const producerArn = 'arn:aws:iam::123456789012:role/producer';
      const revocation = new TokenRevocation(home, 'R', { producerRoleArns: [producerArn] });
      const other = new Stack(app, 'Other', { env });
      revocation.grantEnqueue(Role.fromRoleName(other, 'Producer', 'producer'));
      const statements = Object.values(Template.fromStack(home).findResources('AWS::KMS::Key') as Resources)
        .flatMap((key) => (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement)
        .filter((s) => s.Sid === 'ProducersOfOtherStacksSendThroughSqs');
      expect(statements).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: {
            StringEquals: {
              'kms:ViaService': 'sqs.eu-west-1.amazonaws.com',
              'kms:CallerAccount': '123456789012',
            },
            ArnEquals: { 'aws:PrincipalArn': [producerArn] },
          },
        }),
      ]);
      const undeclared = new TokenRevocation(new Stack(app, 'Home2', { env }), 'R');
      expect(() => undeclared.grantEnqueue(Role.fromRoleName(other, 'Producer2', 'p2'))).toThrow(
        /in another stack: list its role ARN in producerRoleArns/,
      );
    });

    it('outputs both queue URLs and ARNs, the DLQ and parked queue URLs and ARNs, the two alarm topics and the dashboard name', () => {
      const outputs = template.findOutputs('*');
      for (const name of [
        'QueueUrl',
        'QueueArn',
        'UrgentQueueUrl',
        'UrgentQueueArn',
        'DeadLetterQueueUrl',
        'DeadLetterQueueArn',
        'ParkedQueueUrl',
        'ParkedQueueArn',
        'PageTopicArn',
        'TicketTopicArn',
        'AuditLogGroups',
      ]) {
        expect(Object.keys(outputs)).toContain(name);
      }
      // token-revoker audit --log-group: the two functions' log groups, comma-separated.
      expect(outputs.AuditLogGroups?.Value).toEqual({
        'Fn::Join': [
          ',',
          [{ Ref: expect.stringMatching(/RevokerLogs/) }, { Ref: expect.stringMatching(/ConsumerLogs/) }],
        ],
      });
      expect(outputs.QueueUrl?.Value).toEqual({ Ref: expect.stringMatching(/QueuesQueue[0-9A-F]{8}$/) });
      expect(outputs.UrgentQueueUrl?.Value).toEqual({ Ref: expect.stringMatching(/QueuesUrgentQueue/) });
      expect(outputs.ParkedQueueUrl?.Value).toEqual({ Ref: expect.stringMatching(/QueuesParkedQueue/) });
      expect(outputs.PageTopicArn?.Value).toEqual({
        Ref: expect.stringMatching(/AlarmTopic[0-9A-F]{8}$/),
      });
      expect(outputs.TicketTopicArn?.Value).toEqual({ Ref: expect.stringMatching(/AlarmTopicTicketTopic/) });
    });
  });

  describe('alarms and dashboard', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm') as Resources;
    const alarm = (id: string) =>
      Object.entries(alarms).find(([logicalId]) => new RegExp(`Alarms${id}[0-9A-F]{8}$`).test(logicalId))?.[1]
        .Properties;

    it('sends every alarm, with a description for the operator, to one of two encrypted SSL-only topics', () => {
      expect(Object.keys(alarms)).toHaveLength(Object.keys(AlarmName).length);
      const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(2);
      for (const a of Object.values(alarms)) {
        const actions = a.Properties.AlarmActions as unknown[];
        expect(actions).toHaveLength(1);
        expect(topics.map((topic) => ({ Ref: topic }))).toContainEqual(actions[0]);
        expect(String(a.Properties.AlarmDescription).length).toBeGreaterThan(60);
      }
      for (const topic of Object.values(template.findResources('AWS::SNS::Topic'))) {
        expect(topic.Properties.KmsMasterKeyId).toBeDefined();
      }
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('subscribes an e-mail address to both topics when given one', () => {
      const subscriptions = synthesize({
        revocation: { alarmEmail: 'oncall@example.com' },
      }).template.findResources('AWS::SNS::Subscription', {
        Properties: { Protocol: 'email', Endpoint: 'oncall@example.com' },
      });
      expect(Object.values(subscriptions).map((s) => s.Properties.TopicArn)).toEqual([
        { Ref: expect.stringMatching(/AlarmTopic[0-9A-F]{8}$/) },
        { Ref: expect.stringMatching(/AlarmTopicTicketTopic/) },
      ]);
    });

    it.each([
      ['Backlog', 'ApproximateAgeOfOldestMessage', 1200, 'GreaterThanOrEqualToThreshold', /QueuesQueue/],
      ['UrgentBacklog', 'ApproximateAgeOfOldestMessage', 300, 'GreaterThanOrEqualToThreshold', /UrgentQueue/],
      ['ConsumerErrors', 'Errors', 1, 'GreaterThanOrEqualToThreshold', /ConsumerFunction/],
      ['FunctionErrors', 'Errors', 1, 'GreaterThanOrEqualToThreshold', /RevokerFunction/],
      ['FunctionThrottles', 'Throttles', 1, 'GreaterThanOrEqualToThreshold', /RevokerFunction/],
      ['ConfigurationErrors', 'ConfigurationErrors', 1, 'GreaterThanOrEqualToThreshold', /token-revoker/],
      ['StackExchangeThrottled', 'ThrottleViolations', 1, 'GreaterThanOrEqualToThreshold', /token-revoker/],
      ['QuotaLow', 'QuotaRemaining', 2000, 'LessThanThreshold', /token-revoker/],
      ['ParkedInput', 'NumberOfMessagesSent', 1, 'GreaterThanOrEqualToThreshold', /QueuesParkedQueue/],
      ['MissedTicks', 'NumberOfMessagesSent', 1, 'GreaterThanOrEqualToThreshold', /ScheduleDeadLetterQueue/],
      ['ConsumerEventsDropped', 'AsyncEventsDropped', 1, 'GreaterThanOrEqualToThreshold', /ConsumerFunction/],
      ['TokensDeferred', 'TokensDeferred', 1, 'GreaterThanOrEqualToThreshold', /token-revoker/],
    ])('alarms %s on %s (threshold %d)', (id, metricName, threshold, operator, dimension) => {
      const properties = alarm(id);
      expect(properties).toMatchObject({
        MetricName: metricName,
        Threshold: threshold,
        ComparisonOperator: operator,
        TreatMissingData: 'notBreaching',
      });
      expect(JSON.stringify(properties?.Dimensions)).toMatch(dimension);
    });

    it('alarms on a missed schedule: no consumer invocation in two ticks, missing data breaching', () => {
      expect(alarm('MissedSchedule')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      expect(JSON.stringify(alarm('MissedSchedule')?.Dimensions)).toMatch(/ConsumerFunction/);
      const slow = synthesize({ revocation: { tick: Duration.minutes(5) } }).template;
      slow.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Invocations',
        Period: 600,
        TreatMissingData: 'breaching',
      });
    });

    it('alarms on time to revoke per lane: routine above maxHold + 30 s, urgent above 30 s', () => {
      const lane = (value: string) => [
        { Name: LANE_DIMENSION, Value: value },
        { Name: 'service', Value: 'token-revoker' },
      ];
      expect(alarm('RoutineTimeToRevoke')).toMatchObject({
        Namespace: 'TokenRevoker',
        MetricName: MetricName.TimeToRevokeP95,
        Dimensions: lane(Lane.Routine),
        Threshold: 90,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarm('UrgentTimeToRevoke')).toMatchObject({
        MetricName: MetricName.TimeToRevokeP95,
        Dimensions: lane(Lane.Urgent),
        Threshold: 30,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      synthesize({ revocation: { maxHold: Duration.minutes(2) } }).template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        { MetricName: MetricName.TimeToRevokeP95, Threshold: 150 },
      );
    });

    it("watches the handlers' metrics in their namespace with the service dimension", () => {
      for (const id of ['ConfigurationErrors', 'StackExchangeThrottled', 'QuotaLow', 'TokensDeferred']) {
        expect(alarm(id)).toMatchObject({
          Namespace: 'TokenRevoker',
          Dimensions: [{ Name: 'service', Value: 'token-revoker' }],
        });
      }
    });

    it('alarms on a spike of tokens the API reports already dead (security review 2, point 4)', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'TokenRevoker',
        MetricName: MetricName.TokensAlreadyDead,
        Dimensions: [{ Name: 'service', Value: 'token-revoker' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 500,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      const { template: lower } = synthesize({ revocation: { alreadyDeadAlarmTokens: 50 } });
      lower.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'TokensAlreadyDead',
        Threshold: 50,
      });
      expect(() => synthesize({ revocation: { alreadyDeadAlarmTokens: 0 } })).toThrow(
        /alreadyDeadAlarmTokens/,
      );
    });

    it('has no dashboard by default ($3 a month), and one with dashboard: true or a dashboardName', () => {
      expect(ofType(template, 'AWS::CloudWatch::Dashboard')).toEqual([]);
      expect(Object.keys(template.findOutputs('*'))).not.toContain('DashboardName');
      const named = synthesize({ revocation: { dashboardName: 'ops' } }).template;
      expect(ofType(named, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
      expect(named.findOutputs('DashboardName').DashboardName?.Value).toBe('ops');
      expect(() => synthesize({ revocation: { dashboard: false, dashboardName: 'ops' } })).toThrow(
        'dashboardName is set but dashboard is false',
      );
    });

    it('draws both lanes, time to revoke, tokens, API calls and quota on the dashboard', () => {
      const withDashboard = synthesize({ revocation: { dashboard: true } }).template;
      const [dashboard] = ofType(withDashboard, 'AWS::CloudWatch::Dashboard');
      const body = JSON.stringify(stackResolve(dashboard?.Properties.DashboardBody));
      for (const metric of [
        'ApproximateAgeOfOldestMessage',
        'Invocations',
        'Duration',
        'TokensInvalidated',
        'TokensAlreadyDead',
        'TokensParked',
        'TokensRetried',
        'TokensHeld',
        'TokensDeferred',
        'TimeToRevokeP50',
        'TimeToRevokeP95',
        'ApiCalls',
        'ApiErrors',
        'QuotaRemaining',
        // titles of both lanes' widgets
        'Routine queue',
        'Urgent queue',
        'Routine consumer',
        'Urgent function',
        'Time to revoke',
        // the resources they draw
        'QueuesQueue',
        'QueuesUrgentQueue',
        'ScheduleDeadLetterQueue',
        'ConsumerFunction',
      ]) {
        expect(body).toContain(metric);
      }
    });
  });
});
