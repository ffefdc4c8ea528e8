import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ROUTINE_CONSUMER_FOLDER } from '../../infra/routine-lane';
import { synthesize } from './stack-factory';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const consumerOf = (template: Template) => {
  const [entry] = Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { ReservedConcurrentExecutions: 1 },
    }) as Resources,
  );
  if (entry === undefined) throw new Error('no routine consumer in the template');
  return { id: entry[0], properties: entry[1].Properties };
};

const statementsOf = (template: Template, roleIdPattern: RegExp): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((p) => roleIdPattern.test(JSON.stringify(p.Properties.Roles)))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

describe('routine lane: the scheduled single consumer', () => {
  const { template } = synthesize({ revocation: { keySecretName: 'prod/se-key' } });
  const consumer = consumerOf(template);

  it('runs one consumer at a time, ending each run before the next tick', () => {
    expect(ROUTINE_CONSUMER_FOLDER).toBe('routine-consumer');
    expect(consumer.properties).toMatchObject({
      ReservedConcurrentExecutions: 1,
      Timeout: 50,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
    template.resourceCountIs('AWS::Lambda::Function', 2);
  });

  it('is invoked by EventBridge Scheduler every tick, on time, without retries, with a dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [consumer.id, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ScheduleDeadLetterQueue'), 'Arn'] },
        },
        Input: Match.serializedJson({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      },
    });
  });

  it('drops an invocation older than one tick instead of retrying it, and records it', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: consumer.id },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ScheduleDeadLetterQueue'), 'Arn'] },
        },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it('follows a longer tick: rate, event ages, timeout', () => {
    const { template: slow } = synthesize({ revocation: { tick: Duration.minutes(5) } });
    slow.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: { RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 } },
    });
    slow.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 300 });
    expect(consumerOf(slow).properties).toMatchObject({
      Timeout: 290,
      Environment: { Variables: expect.objectContaining({ TICK_SECONDS: '300' }) },
    });
  });

  it("gets the urgent handler's environment with the routine share, plus its own settings", () => {
    expect((consumer.properties.Environment as { Variables: unknown }).Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      PARKED_MESSAGE_KEY_SECRET_ID: { Ref: expect.stringMatching(/ParkingKeySecret/) },
      STACKEXCHANGE_API_URL: 'https://api.stackexchange.com/2.3',
      STACKEXCHANGE_AUTH_STYLE: 'query',
      STACKEXCHANGE_REQUESTS_PER_SECOND: '5',
      STACKEXCHANGE_CALL_CONCURRENCY: '4',
      STACKEXCHANGE_KEY_SECRET_ID: 'prod/se-key',
      PARKED_QUEUE_URL: { Ref: expect.stringMatching(/QueuesParkedQueue/) },
      POWERTOOLS_SERVICE_NAME: 'token-revoker',
      POWERTOOLS_METRICS_NAMESPACE: 'TokenRevoker',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ROUTINE_QUEUE_URL: { Ref: expect.stringMatching(/QueuesQueue[0-9A-F]{8}$/) },
      TICK_SECONDS: '60',
      MAX_HOLD_SECONDS: '60',
      MAX_DEFER_SECONDS: '900',
      QUOTA_RESERVE_FRACTION: '0.5',
      CONTROL_TABLE_NAME: { Ref: expect.stringMatching(/ControlTable/) },
      DAILY_CALL_BUDGET: '9000',
      URGENT_RESERVE_CALLS: '1800',
      ROUTINE_QUOTA_FLOOR_FRACTION: '0.2',
    });
    const { template: tuned } = synthesize({
      revocation: {
        maxHold: Duration.seconds(45),
        maxDefer: Duration.minutes(10),
        quotaReserveFraction: 0.25,
      },
    });
    expect(consumerOf(tuned).properties).toMatchObject({
      Environment: {
        Variables: expect.objectContaining({
          MAX_HOLD_SECONDS: '45',
          MAX_DEFER_SECONDS: '600',
          QUOTA_RESERVE_FRACTION: '0.25',
        }),
      },
    });
  });

  it('may poll the routine queue, park in the parked queue, read the app key, use the control table, and nothing else', () => {
    const statements = statementsOf(template, /RoutineConsumerRole/);
    const on = (pattern: RegExp) => statements.filter((s) => pattern.test(JSON.stringify(s.Resource)));
    expect(on(/QueuesQueue/).map((s) => s.Action)).toEqual([
      ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
    ]);
    expect(on(/QueuesParkedQueue/).map((s) => s.Action)).toEqual(['sqs:SendMessage']);
    expect(on(/QueuesDeadLetterQueue/)).toEqual([]);
    expect(on(/UrgentQueue/)).toEqual([]);
    expect(on(/ScheduleDeadLetterQueue/).map((s) => s.Action)).toEqual([
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    ]);
    expect(on(/secret:prod\/se-key/).map((s) => s.Action)).toEqual([
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    ]);
    expect(on(/ControlTable/).map((s) => s.Action)).toEqual([
      ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
    ]);
    expect(statements).toHaveLength(6); // the five above and its log group
  });

  it('is run by a role that only its own schedule, in its own group, may assume (security review 2)', () => {
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: { Name: string; GroupName: unknown };
      DependsOn?: string[];
    }[];
    const [[groupId, group]] = Object.entries(template.findResources('AWS::Scheduler::ScheduleGroup')) as [
      string,
      { Properties: { Name: string } },
    ][] as [[string, { Properties: { Name: string } }]];
    expect(group.Properties.Name).toBeTruthy();
    expect(group.Properties.Name).not.toBe('default');
    expect(schedule?.Properties.GroupName).toBe(group.Properties.Name);
    expect(schedule?.DependsOn).toContain(groupId);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': '123456789012',
                'aws:SourceArn': `arn:aws:scheduler:eu-west-1:123456789012:schedule/${group.Properties.Name}/${schedule?.Properties.Name}`,
              },
            },
          },
        ],
      },
    });
  });

  it('is run by a role that may invoke exactly this function and record failed ticks', () => {
    const statements = statementsOf(template, /SchedulerRole/);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [consumer.id, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/ScheduleDeadLetterQueue/), 'Arn'] },
      },
    ]);
  });
});
