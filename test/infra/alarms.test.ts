import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  AlarmName,
  DEFAULT_RUNBOOK_URL,
  ERROR_EVALUATION,
  Severity,
  severityOf,
} from '../../infra/alarm-names';
import { ALARM_DESCRIPTION_MAX_LENGTH, DEAD_LETTER_ARRIVALS_EXPRESSION } from '../../infra/alarms';
import { TokenRevocation } from '../../infra/token-revocation';
import { synthesize, testStack } from './stack-factory';

type Properties = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties: Properties }>;

/** Each alarm of a template by its name (the construct id its logical id starts with). */
function alarmsOf(template: Template): Map<string, Properties> {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Resources;
  return new Map(
    Object.entries(alarms).map(([id, alarm]) => [
      /Alarms([A-Za-z]+)[0-9A-F]{8}$/.exec(id)?.[1] ?? id,
      alarm.Properties,
    ]),
  );
}

const topicIds = (template: Template) => {
  const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
  return {
    page: topics.find((id) => /AlarmTopic[0-9A-F]{8}$/.test(id)),
    ticket: topics.find((id) => /AlarmTopicTicketTopic/.test(id)),
  };
};

describe('alarms that page for the right things (issue 18, point 3)', () => {
  const { template } = synthesize();
  const alarms = alarmsOf(template);
  const alarm = (name: AlarmName) => alarms.get(name) ?? {};

  it('creates every named alarm, and no other', () => {
    expect([...alarms.keys()].sort()).toEqual(Object.values(AlarmName).sort());
  });

  it('pages for the urgent backlog, a missed schedule, configuration errors, dead-lettered requests and an exhausted budget; tickets the rest', () => {
    const pages = [...alarms.keys()].filter((name) => severityOf(name as AlarmName) === Severity.Page);
    expect(pages.sort()).toEqual(
      [
        'UrgentBacklog',
        'MissedSchedule',
        'ConfigurationErrors',
        'DeadLetteredRequests',
        'RoutineBudgetExhausted',
        'UrgentBudgetExhausted',
      ].sort(),
    );
  });

  it('sends pages to the page topic in ALARM and at OK, tickets to the ticket topic in ALARM only', () => {
    const { page, ticket } = topicIds(template);
    expect(page).toBeDefined();
    expect(ticket).toBeDefined();
    for (const [name, properties] of alarms) {
      if (severityOf(name as AlarmName) === Severity.Page) {
        expect({ name, ...properties }).toMatchObject({
          name,
          AlarmActions: [{ Ref: page }],
          OKActions: [{ Ref: page }],
        });
      } else {
        expect({ name, ...properties }).toMatchObject({ name, AlarmActions: [{ Ref: ticket }] });
        expect({ name, ok: properties.OKActions }).toEqual({ name, ok: undefined });
      }
    }
  });

  it('evaluates error alarms on 2 of 3 datapoints, and the others on their last datapoint', () => {
    const twoOfThree = [
      'ConsumerErrors',
      'ConsumerEventsDropped',
      'MissedTicks',
      'FunctionErrors',
      'FunctionThrottles',
      'SqsErrors',
    ];
    for (const name of twoOfThree) {
      expect({ name, ...alarm(name as AlarmName) }).toMatchObject({
        name,
        EvaluationPeriods: ERROR_EVALUATION.evaluationPeriods,
        DatapointsToAlarm: ERROR_EVALUATION.datapointsToAlarm,
      });
    }
    expect(ERROR_EVALUATION).toEqual({ evaluationPeriods: 3, datapointsToAlarm: 2 });
    // A configuration error does not pass by itself: one is enough.
    expect(alarm(AlarmName.ConfigurationErrors)).toMatchObject({ EvaluationPeriods: 1 });
    expect(alarm(AlarmName.ConfigurationErrors).DatapointsToAlarm).toBeUndefined();
    for (const [name, properties] of alarms) {
      if (twoOfThree.includes(name) || name === AlarmName.DeadLetteredRequests) continue;
      expect({ name, periods: properties.EvaluationPeriods }).toEqual({ name, periods: 1 });
    }
  });

  it('pages on dead-lettered arrivals: a rise of the dead-letter queue (visible + in flight) in any of the last 3 minutes', () => {
    expect(alarm(AlarmName.DeadLetteredRequests)).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    const metrics = alarm(AlarmName.DeadLetteredRequests).Metrics as {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Period: number; Stat: string };
    }[];
    expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toBe(DEAD_LETTER_ARRIVALS_EXPRESSION);
    expect(DEAD_LETTER_ARRIVALS_EXPRESSION).toMatch(/^DIFF\(.*visible \+ inFlight/);
    const stat = (id: string) => metrics.find((m) => m.Id === id)?.MetricStat;
    expect(stat('visible')).toMatchObject({
      Metric: { MetricName: 'ApproximateNumberOfMessagesVisible' },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(stat('inFlight')).toMatchObject({
      Metric: { MetricName: 'ApproximateNumberOfMessagesNotVisible' },
      Period: 60,
      Stat: 'Maximum',
    });
    for (const id of ['visible', 'inFlight']) {
      expect(JSON.stringify(stat(id)?.Metric.Dimensions)).toMatch(/QueuesDeadLetterQueue/);
    }
  });

  it.each([
    // parked arrivals: messages sent to the parked queue
    [AlarmName.ParkedInput, 'AWS/SQS', 'NumberOfMessagesSent', /QueuesParkedQueue/],
    // the consumer's dropped asynchronous events
    [AlarmName.ConsumerEventsDropped, 'AWS/Lambda', 'AsyncEventsDropped', /ConsumerFunction/],
    // messages arriving in the schedule's dead-letter queue
    [AlarmName.MissedTicks, 'AWS/SQS', 'NumberOfMessagesSent', /ScheduleDeadLetterQueue/],
  ])('tickets %s: any %s %s of its resource in 5 minutes', (name, namespace, metricName, dimension) => {
    expect(alarm(name)).toMatchObject({
      Namespace: namespace,
      MetricName: metricName,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(JSON.stringify(alarm(name).Dimensions)).toMatch(dimension);
  });

  it('ends every description with the link to its runbook entry', () => {
    for (const [name, properties] of alarms) {
      expect(String(properties.AlarmDescription)).toMatch(
        new RegExp(` Runbook: ${DEFAULT_RUNBOOK_URL.replace('.', '\\.')}#${name.toLowerCase()}$`),
      );
    }
    const { template: linked } = synthesize({
      revocation: { runbookUrl: 'https://git.example.com/ops/token-revoker/blob/main/infra/README.md' },
    });
    expect(String(alarmsOf(linked).get(AlarmName.DeadLetteredRequests)?.AlarmDescription)).toMatch(
      / Runbook: https:\/\/git\.example\.com\/ops\/token-revoker\/blob\/main\/infra\/README\.md#deadletteredrequests$/,
    );
  });

  it('keeps every description within CloudWatch’s 1024 characters with the longest runbookUrl allowed', () => {
    const { template: longest } = synthesize({ revocation: { runbookUrl: `https://${'w'.repeat(248)}` } });
    for (const properties of alarmsOf(longest).values()) {
      expect(String(properties.AlarmDescription).length).toBeLessThanOrEqual(ALARM_DESCRIPTION_MAX_LENGTH);
    }
  });

  it.each([
    ['a space', 'https://wiki/run book'],
    ['an anchor', 'https://wiki/runbook#alarms'],
    ['nothing', ''],
    ['257 characters', `https://${'w'.repeat(249)}`],
  ])('refuses a runbookUrl with %s, naming the prop', (_what, runbookUrl) => {
    expect(() => synthesize({ revocation: { runbookUrl } })).toThrow(/TokenRevocation: runbookUrl must be/);
  });
});

describe('existing topics for pages and tickets', () => {
  it('uses both given topics, and then creates no topic and no key for them', () => {
    // Prepare
    const stack = testStack();
    const pageTopic = Topic.fromTopicArn(stack, 'Pages', 'arn:aws:sns:eu-west-1:123456789012:pages');
    const ticketTopic = Topic.fromTopicArn(stack, 'Tickets', 'arn:aws:sns:eu-west-1:123456789012:tickets');
    // Act
    const revocation = new TokenRevocation(stack, 'R', {
      pageTopic,
      ticketTopic,
      alarmEmail: 'a@example.com',
    });
    const template = Template.fromStack(stack);
    // Assess
    expect(revocation.pageTopic).toBe(pageTopic);
    expect(revocation.ticketTopic).toBe(ticketTopic);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const keys = Object.values(template.findResources('AWS::KMS::Key')).map((k) =>
      String(k.Properties.Description),
    );
    expect(keys.some((description) => /alarm/.test(description))).toBe(false);
    for (const [name, properties] of alarmsOf(template)) {
      const arn = `arn:aws:sns:eu-west-1:123456789012:${severityOf(name as AlarmName) === Severity.Page ? 'pages' : 'tickets'}`;
      expect({ name, actions: properties.AlarmActions }).toEqual({ name, actions: [arn] });
    }
  });

  it('creates the missing one, with its key, when only the page topic is given (stack context pageTopicArn)', () => {
    const { template } = synthesize({ pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages' });
    const { page, ticket } = topicIds(template);
    expect(page).toBeUndefined();
    expect(ticket).toBeDefined();
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'Encrypts the token revocation alarm topics (pages and tickets)',
    });
    const alarms = alarmsOf(template);
    expect(alarms.get(AlarmName.UrgentBacklog)).toMatchObject({
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:pages'],
      OKActions: ['arn:aws:sns:eu-west-1:123456789012:pages'],
    });
    expect(alarms.get(AlarmName.Backlog)).toMatchObject({ AlarmActions: [{ Ref: ticket }] });
    const outputs = template.findOutputs('*');
    expect(outputs.PageTopicArn?.Value).toBe('arn:aws:sns:eu-west-1:123456789012:pages');
    expect(outputs.TicketTopicArn?.Value).toEqual({ Ref: ticket });
  });
});
