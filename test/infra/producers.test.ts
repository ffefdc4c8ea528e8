import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { TokenRevocation } from '../../infra/token-revocation';
import { synthesize, testStack } from './stack-factory';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = {
  Effect: string;
  Principal?: { Service?: string; AWS?: unknown };
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const BUS_AND_TOPIC = {
  eventBusName: 'platform-events',
  sourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
  urgentSourceTopicArn: 'arn:aws:sns:eu-west-1:123456789012:leaks',
  revocation: { eventSources: ['app.accounts'], urgentEventSources: ['app.security'] },
};
const NOT_URGENT = [{ priority: [{ 'anything-but': ['urgent'] }] }, { priority: [{ exists: false }] }];

const rules = (template: Template) =>
  Object.values(template.findResources('AWS::Events::Rule') as Resources).map((r) => r.Properties);

const statementsOf = (template: Template, type: string, idPattern: RegExp): Statement[] =>
  Object.entries(template.findResources(type) as Resources)
    .filter(([id]) => idPattern.test(id))
    .flatMap(([, r]) => {
      const document = (r.Properties.PolicyDocument ?? r.Properties.KeyPolicy) as { Statement: Statement[] };
      return document.Statement;
    });

describe('producers routed by lane (security review 2, point 4)', () => {
  const { template } = synthesize(BUS_AND_TOPIC);

  describe('EventBridge', () => {
    const byName = (suffix: string) => rules(template).find((r) => String(r.Name).endsWith(suffix));
    const ruleArn = (suffix: string) =>
      `arn:aws:events:eu-west-1:123456789012:rule/platform-events/${String(byName(suffix)?.Name)}`;

    it('routes only the allowed sources: urgent events of an urgent source to the urgent queue, the rest to the routine queue', () => {
      expect(rules(template)).toHaveLength(2);
      expect(byName('-urgent')).toMatchObject({
        EventBusName: 'platform-events',
        EventPattern: {
          'detail-type': ['TokenRevocationRequested'],
          source: ['app.security'],
          detail: { priority: ['urgent'] },
        },
        Targets: [
          expect.objectContaining({
            Arn: { 'Fn::GetAtt': [expect.stringMatching(/QueuesUrgentQueue/), 'Arn'] },
          }),
        ],
      });
      expect(byName('-routine')).toMatchObject({
        EventPattern: {
          'detail-type': ['TokenRevocationRequested'],
          $or: [
            { source: ['app.accounts'] },
            ...NOT_URGENT.map((detail) => ({ source: ['app.security'], detail })),
          ],
        },
        Targets: [
          expect.objectContaining({
            Arn: { 'Fn::GetAtt': [expect.stringMatching(/QueuesQueue[0-9A-F]{8}$/), 'Arn'] },
          }),
        ],
      });
    });

    it('never matches an event by detail-type alone: every branch of every rule names its sources', () => {
      for (const rule of rules(template)) {
        const pattern = rule.EventPattern as { source?: string[]; $or?: { source?: string[] }[] };
        const branches = pattern.$or ?? [pattern];
        for (const branch of branches) expect(branch.source?.length).toBeGreaterThan(0);
      }
    });

    it('makes no urgent rule without urgent sources, and refuses a bus without any source', () => {
      const { template: routineOnly } = synthesize({
        eventBusName: 'platform-events',
        revocation: { eventSources: ['app.accounts'] },
      });
      expect(rules(routineOnly).map((r) => [String(r.Name).split('-').at(-1), r.EventPattern])).toEqual([
        ['routine', { 'detail-type': ['TokenRevocationRequested'], source: ['app.accounts'] }],
      ]);
      expect(() => synthesize({ eventBusName: 'platform-events' })).toThrow(/eventBus needs eventSources/);
    });

    it('retries deliveries and then sends them to the dead-letter queue', () => {
      for (const rule of rules(template)) {
        expect(rule.Targets).toEqual([
          expect.objectContaining({
            RetryPolicy: { MaximumRetryAttempts: 10 },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [expect.stringMatching(/QueuesDeadLetterQueue/), 'Arn'] },
            },
          }),
        ]);
      }
    });

    it("lets EventBridge send to each queue only on behalf of that queue's rule", () => {
      const fromRule = (suffix: string) => ({
        ArnEquals: { 'aws:SourceArn': ruleArn(suffix) },
        StringEquals: { 'aws:SourceAccount': '123456789012' },
      });
      const grants = (idPattern: RegExp) =>
        statementsOf(template, 'AWS::SQS::QueuePolicy', idPattern).filter(
          (s) => s.Principal?.Service === 'events.amazonaws.com',
        );
      expect(grants(/QueuesQueuePolicy/)).toEqual([
        expect.objectContaining({ Action: 'sqs:SendMessage', Condition: fromRule('-routine') }),
      ]);
      expect(grants(/QueuesUrgentQueuePolicy/)).toEqual([
        expect.objectContaining({ Action: 'sqs:SendMessage', Condition: fromRule('-urgent') }),
      ]);
      expect(grants(/QueuesDeadLetterQueuePolicy/).map((s) => s.Condition)).toEqual([
        fromRule('-routine'),
        fromRule('-urgent'),
      ]);
    });

    it('gives EventBridge only what delivery needs on both keys, scoped to the rules', () => {
      for (const key of [/QueuesKey/, /QueuesDeadLetterKey/]) {
        const grants = statementsOf(template, 'AWS::KMS::Key', key).filter(
          (s) => s.Principal?.Service === 'events.amazonaws.com',
        );
        expect(grants).toHaveLength(2);
        for (const grant of grants) {
          expect(grant.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
          expect(grant.Condition?.ArnEquals?.['aws:SourceArn']).toMatch(
            /:rule\/platform-events\/.*-(routine|urgent)$/,
          );
          expect(grant.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': '123456789012' });
        }
      }
    });

    it('builds rule ARNs without the bus segment on the default bus', () => {
      const { template: onDefault } = synthesize({
        eventBusName: 'default',
        revocation: BUS_AND_TOPIC.revocation,
      });
      const arns = statementsOf(onDefault, 'AWS::KMS::Key', /QueuesKey/)
        .filter((s) => s.Principal?.Service === 'events.amazonaws.com')
        .map((s) => s.Condition?.ArnEquals?.['aws:SourceArn']);
      expect(arns).toHaveLength(2);
      for (const arn of arns) expect(arn).toMatch(/^arn:aws:events:eu-west-1:123456789012:rule\/[^/]+$/);
    });
  });

  describe('SNS', () => {
    const subscriptions = () =>
      Object.values(template.findResources('AWS::SNS::Subscription') as Resources).map((s) => s.Properties);
    const to = (queue: RegExp) => subscriptions().find((s) => queue.test(JSON.stringify(s.Endpoint)));

    it('subscribes each lane to its own topic, with no filter: a publisher reaches only its lane', () => {
      expect(subscriptions()).toHaveLength(2);
      expect(to(/QueuesUrgentQueue/)).toMatchObject({
        Protocol: 'sqs',
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:leaks',
      });
      expect(to(/QueuesQueue[0-9A-F]{8}"/)).toMatchObject({
        Protocol: 'sqs',
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:logouts',
      });
      for (const subscription of subscriptions()) {
        expect(subscription.FilterPolicy).toBeUndefined();
        expect(subscription.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/QueuesDeadLetterQueue/), 'Arn'] },
        });
      }
    });

    it('lets SNS use both keys only for the subscribed topics', () => {
      for (const key of [/QueuesKey/, /QueuesDeadLetterKey/]) {
        const grants = statementsOf(template, 'AWS::KMS::Key', key).filter(
          (s) => s.Principal?.Service === 'sns.amazonaws.com',
        );
        expect(grants.map((g) => g.Condition?.ArnEquals?.['aws:SourceArn']).sort()).toEqual([
          'arn:aws:sns:eu-west-1:123456789012:leaks',
          'arn:aws:sns:eu-west-1:123456789012:logouts',
        ]);
        for (const grant of grants) expect(grant.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      }
    });

    it('subscribes only the routine queue to a topic given as a construct', () => {
      const stack = testStack();
      new TokenRevocation(stack, 'R', { sourceTopic: new Topic(stack, 'Logouts') });
      Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 1);
    });
  });

  it('creates no rule and no subscription without a bus or a topic', () => {
    const { template: bare } = synthesize();
    bare.resourceCountIs('AWS::Events::Rule', 0);
    bare.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('scopes EventBridge by rule even when the feature flag is off, and warns only about the SNS one', () => {
    const { stack, template: legacy } = synthesize(BUS_AND_TOPIC, {
      '@aws-cdk/aws-events:eventsTargetQueueSameAccount': false,
      '@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption': false,
    });
    const eventGrants = statementsOf(legacy, 'AWS::KMS::Key', /QueuesKey/).filter(
      (s) => s.Principal?.Service === 'events.amazonaws.com',
    );
    for (const grant of eventGrants) expect(grant.Condition?.ArnEquals).toBeDefined();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('feature flag'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain('restrictSqsDescryption');
  });
});
