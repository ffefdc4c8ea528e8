import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CONTROL_TABLE_ACTIONS } from '../../functions/lib/control/schema';
import { LANE_DIMENSION, Lane, MetricName } from '../../functions/lib/telemetry-names';
import { synthesize } from './stack-factory';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Resources = Record<string, Resource>;
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const resourcesOf = (template: Template, type: string) => template.findResources(type) as Resources;
const policyStatements = (template: Template, type: string, idPattern: RegExp): Statement[] =>
  Object.entries(resourcesOf(template, type))
    .filter(([id, r]) => idPattern.test(id) || idPattern.test(JSON.stringify(r.Properties.Roles)))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actionsOf = (statement: Statement) => [statement.Action].flat();
const laneDimensions = (lane: Lane) => [
  { Name: LANE_DIMENSION, Value: lane },
  { Name: 'service', Value: 'token-revoker' },
];

describe('issue 16 infrastructure: the budget, pauses and stuck messages', () => {
  const { template } = synthesize();

  describe('the shared control table', () => {
    const tables = () => Object.entries(resourcesOf(template, 'AWS::DynamoDB::Table'));

    it('is one on-demand table keyed by the schema, with TTL and point-in-time recovery', () => {
      expect(tables()).toHaveLength(1);
      expect(tables()[0]?.[1].Properties).toEqual({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('gives both functions exactly the control actions, on that table only', () => {
      const [tableId] = tables()[0] ?? [];
      for (const role of [/RevokerRole/, /RoutineConsumerRole/]) {
        const statements = policyStatements(template, 'AWS::IAM::Policy', role);
        const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(String(tableId)));
        expect(onTable).toEqual([
          {
            Effect: 'Allow',
            Action: [...CONTROL_TABLE_ACTIONS].sort(),
            Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
          },
        ]);
        const dynamodb = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
        expect(dynamodb).toEqual(onTable);
      }
    });

    it('is a stack output, for operators who look at the budget or a pause', () => {
      const [tableId] = tables()[0] ?? [];
      expect(template.findOutputs('ControlTableName').ControlTableName?.Value).toEqual({ Ref: tableId });
    });

    it('names the table and the budget settings in both functions’ environments', () => {
      const { template: tuned } = synthesize({
        revocation: { dailyCallBudget: 4000, urgentReserveCalls: 1500, routineQuotaFloorFraction: 0.1 },
      });
      const [tableId] = Object.keys(resourcesOf(tuned, 'AWS::DynamoDB::Table'));
      const functions = Object.values(resourcesOf(tuned, 'AWS::Lambda::Function'));
      expect(functions).toHaveLength(2);
      for (const fn of functions) {
        expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject(
          {
            CONTROL_TABLE_NAME: { Ref: tableId },
            DAILY_CALL_BUDGET: '4000',
            URGENT_RESERVE_CALLS: '1500',
            ROUTINE_QUOTA_FLOOR_FRACTION: '0.1',
          },
        );
      }
    });
  });

  describe('the urgent lane', () => {
    it('runs 3 instances of 5 requests/s; the routine consumer the other 5, 4 calls in flight', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 3 },
      });
      const settings = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map((f) => {
        const v = (f.Properties.Environment as { Variables: Record<string, string> }).Variables;
        return {
          routine: f.Properties.ReservedConcurrentExecutions === 1,
          rate: v.STACKEXCHANGE_REQUESTS_PER_SECOND,
          inFlight: v.STACKEXCHANGE_CALL_CONCURRENCY,
        };
      });
      expect(settings).toEqual(
        expect.arrayContaining([
          { routine: false, rate: '5', inFlight: '4' },
          { routine: true, rate: '5', inFlight: '4' },
        ]),
      );
    });

    it('may change the visibility of its own queue’s messages, and the queue policy does not deny it', () => {
      const urgentRole = { 'Fn::GetAtt': [expect.stringMatching(/RevokerRole/), 'Arn'] };
      const onUrgentQueue = policyStatements(template, 'AWS::IAM::Policy', /RevokerRole/).filter((s) =>
        JSON.stringify(s.Resource).includes('QueuesUrgentQueue'),
      );
      expect(onUrgentQueue.flatMap(actionsOf)).toContain('sqs:ChangeMessageVisibility');
      const denies = policyStatements(template, 'AWS::SQS::QueuePolicy', /QueuesUrgentQueuePolicy/).filter(
        (s) =>
          s.Effect === 'Deny' &&
          actionsOf(s).some((a) => a === 'sqs:ChangeMessageVisibility' || a === 'sqs:*'),
      );
      expect(denies.length).toBeGreaterThan(0);
      for (const deny of denies) {
        // Every deny that covers the action exempts the urgent function's role (or applies only without TLS).
        const exempted = deny.Condition?.ArnNotEquals?.['aws:PrincipalArn'];
        const tlsOnly = deny.Condition?.Bool?.['aws:SecureTransport'] === 'false';
        if (!tlsOnly) expect([exempted].flat()).toContainEqual(urgentRole);
      }
    });

    it('dead-letters an urgent message after 13 receives: a day of pause, an outage and a leak fit', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: Match.stringLikeRegexp('-urgent$'),
        RedrivePolicy: { maxReceiveCount: 13 },
      });
    });
  });

  describe('retention and removal', () => {
    const tokenStores = (t: Template) =>
      [
        ...Object.entries(resourcesOf(t, 'AWS::SQS::Queue')).filter(([id]) => /Queues/.test(id)),
        ...Object.entries(resourcesOf(t, 'AWS::KMS::Key')).filter(([id]) => /Queues/.test(id)),
        ...Object.entries(resourcesOf(t, 'AWS::DynamoDB::Table')),
      ].map(([id, r]) => ({ id, deletion: r.DeletionPolicy, replacement: r.UpdateReplacePolicy }));

    it('keeps source messages 10 days, and dead letters and parked input 14', () => {
      const queues = Object.entries(resourcesOf(template, 'AWS::SQS::Queue')).filter(([id]) =>
        /Queues/.test(id),
      );
      const retention = Object.fromEntries(
        queues.map(([id, q]) => [id.replace(/^TokenRevocationQueues|[0-9A-F]{8}$/g, ''), q.Properties]),
      );
      expect(retention).toMatchObject({
        Queue: { MessageRetentionPeriod: 10 * 86_400 },
        UrgentQueue: { MessageRetentionPeriod: 10 * 86_400 },
        DeadLetterQueue: { MessageRetentionPeriod: 14 * 86_400 },
        ParkedQueue: { MessageRetentionPeriod: 14 * 86_400 },
      });
    });

    it('retains the four token queues, their two keys and the control table by default', () => {
      const stores = tokenStores(template);
      expect(stores).toHaveLength(7);
      for (const store of stores) expect(store).toMatchObject({ deletion: 'Retain', replacement: 'Retain' });
    });

    it('deletes them with the stack when a throwaway stack asks for it', () => {
      const stores = tokenStores(
        synthesize({ revocation: { removalPolicy: RemovalPolicy.DESTROY } }).template,
      );
      expect(stores).toHaveLength(7);
      for (const store of stores) expect(store).toMatchObject({ deletion: 'Delete', replacement: 'Delete' });
    });
  });

  describe('alarms', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    const alarm = (id: string) =>
      Object.entries(alarms).find(([logicalId]) => new RegExp(`Alarms${id}[0-9A-F]{8}$`).test(logicalId))?.[1]
        .Properties;

    it.each([
      ['RoutineBudgetExhausted', MetricName.BudgetExhausted, Lane.Routine, 'Sum', 1, 'notBreaching'],
      ['UrgentBudgetExhausted', MetricName.BudgetExhausted, Lane.Urgent, 'Sum', 1, 'notBreaching'],
      [
        'RoutineOldestPending',
        MetricName.OldestPendingAgeSeconds,
        Lane.Routine,
        'Maximum',
        3600,
        'notBreaching',
      ],
      [
        'RoutineBacklogClearEstimate',
        MetricName.BacklogClearEstimateSeconds,
        Lane.Routine,
        'Maximum',
        86_400,
        'notBreaching',
      ],
      // 70% of the routine queue's 14 receives, rounded up.
      [
        'RoutineReceiveCountHigh',
        MetricName.MaxReceiveCountSeen,
        Lane.Routine,
        'Maximum',
        10,
        'notBreaching',
      ],
    ])(
      'alarms %s on %s (%s, %s) at %d, missing data %s',
      (id, metricName, lane, statistic, threshold, missing) => {
        expect(alarm(id)).toMatchObject({
          Namespace: 'TokenRevoker',
          MetricName: metricName,
          Dimensions: laneDimensions(lane),
          Statistic: statistic,
          Threshold: threshold,
          TreatMissingData: missing,
        });
        expect(String(alarm(id)?.AlarmDescription).length).toBeGreaterThan(100);
      },
    );

    it('compares levels strictly (above an hour, above a day) and counts at or above the threshold', () => {
      expect(alarm('RoutineOldestPending')?.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(alarm('RoutineBacklogClearEstimate')?.ComparisonOperator).toBe('GreaterThanThreshold');
      for (const id of [
        'RoutineBudgetExhausted',
        'UrgentBudgetExhausted',
        'RoutineReceiveCountHigh',
        'SqsErrors',
      ]) {
        expect(alarm(id)?.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      }
    });

    it('alarms on SQS errors of either lane, summed', () => {
      expect(alarm('SqsErrors')).toMatchObject({
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        Metrics: expect.arrayContaining([
          expect.objectContaining({ Expression: 'FILL(routine, 0) + FILL(urgent, 0)' }),
          ...[Lane.Routine, Lane.Urgent].map((lane) =>
            expect.objectContaining({
              Id: lane,
              ReturnData: false,
              MetricStat: {
                Metric: {
                  Namespace: 'TokenRevoker',
                  MetricName: MetricName.SqsErrors,
                  Dimensions: laneDimensions(lane),
                },
                Period: 300,
                Stat: 'Sum',
              },
            }),
          ),
        ]),
      });
    });

    it('names the retention in the backlog estimate alarm, in whole days or not', () => {
      expect(alarm('RoutineBacklogClearEstimate')?.AlarmDescription).toContain('keeps a message 10 days');
      const { template: short } = synthesize({ revocation: { retentionPeriod: Duration.hours(36) } });
      expect(JSON.stringify(short.findResources('AWS::CloudWatch::Alarm'))).toContain(
        'keeps a message 1 day 12 hours',
      );
    });

    it('warns at 70% of a tuned routine receive count', () => {
      synthesize({ revocation: { routineMaxReceiveCount: 20 } }).template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        { MetricName: MetricName.MaxReceiveCountSeen, Threshold: 14 },
      );
    });

    it('alarms when a dead-lettered or parked message is 10 days old (4 days before SQS deletes it)', () => {
      expect(alarm('DeadLetterAging')).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: Duration.days(10).toSeconds(),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(JSON.stringify(alarm('DeadLetterAging')?.Dimensions)).toMatch(/QueuesDeadLetterQueue/);
      expect(alarm('ParkedAging')).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: Duration.days(10).toSeconds(),
      });
      expect(JSON.stringify(alarm('ParkedAging')?.Dimensions)).toMatch(/QueuesParkedQueue/);
    });
  });

  it('draws the budget per lane, pauses and the oldest pending message on the dashboard (when there is one)', () => {
    const drawn = synthesize({ revocation: { dashboard: true } });
    const [dashboard] = Object.values(resourcesOf(drawn.template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(drawn.stack.resolve(dashboard?.Properties.DashboardBody));
    for (const text of [
      'Daily call budget, per lane',
      'Pauses, per lane',
      'Routine backlog: oldest pending',
      'SQS errors, per lane',
      MetricName.BudgetCallsSpent,
      MetricName.BudgetCallsLeft,
      MetricName.BudgetExhausted,
      MetricName.PausedRuns,
      MetricName.OldestPendingAgeSeconds,
      MetricName.BacklogClearEstimateSeconds,
      MetricName.MaxReceiveCountSeen,
      MetricName.SqsErrors,
    ]) {
      expect(body).toContain(text);
    }
    for (const lane of [Lane.Routine, Lane.Urgent]) {
      expect(body).toContain(`${MetricName.BudgetCallsLeft} ${lane}`);
      expect(body).toContain(`${MetricName.PausedRuns} ${lane}`);
    }
  });
});
