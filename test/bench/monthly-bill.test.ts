import { Template } from 'aws-cdk-lib/assertions';
import {
  BILL_RATES,
  billsFor,
  readBenchFigures,
  runTimes,
  synthesizedTemplate,
} from '../../tools/bench/bill';
import { PRICES } from '../../tools/bench/cost';
import { billMarkdown, inventoryOf, type MonthlyBill, monthlyBill } from '../../tools/bench/monthly-bill';
import { MISS_REASONS } from '../../tools/bench/reasons';
import { billTargets } from '../../tools/bench/report';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';

describe('the monthly bill of what cdk synth deploys', () => {
  let sqs: LocalSqs;
  let bills: MonthlyBill[];
  let withDashboard: MonthlyBill[];
  const template = synthesizedTemplate();
  beforeAll(async () => {
    sqs = await startLocalSqs();
    bills = (await billsFor(sqs, readBenchFigures(), template)).bills;
    withDashboard = (await billsFor(sqs, readBenchFigures(), synthesizedTemplate({ dashboard: true }))).bills;
  }, 60_000);
  afterAll(() => sqs.stop());

  const lineOf = (bill: MonthlyBill | undefined, item: string) => bill?.lines.find((l) => l.item === item);

  it('counts what the template deploys, as the CDK assertions count it', () => {
    // Prepare
    const assertions = Template.fromJSON(template as Record<string, unknown>);
    const count = (type: string) => Object.keys(assertions.findResources(type)).length;
    // Act
    const inventory = inventoryOf(template);
    // Assess
    expect(inventory).toMatchObject({
      kmsKeys: count('AWS::KMS::Key'),
      alarms: count('AWS::CloudWatch::Alarm'),
      dashboards: 0,
      dynamoDbTables: count('AWS::DynamoDB::Table'),
      schedules: count('AWS::Scheduler::Schedule'),
      logGroups: count('AWS::Logs::LogGroup'),
      logRetentionDays: 365,
      tickSeconds: 60,
      memoryMb: 256,
    });
    expect(inventory.kmsKeys).toBeGreaterThan(0);
    // two metric-math alarms: SqsErrors sums the two lanes' metrics, DeadLetteredRequests watches the
    // dead-letter queue's visible and in-flight counts
    expect(inventory.alarmMetrics).toBe(inventory.alarms + 2);
  });

  it('bills a metric-math alarm per metric it watches', () => {
    const math = {
      Resources: {
        A: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: 'm1+m2' }] },
        },
        B: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
      },
    };
    expect(inventoryOf(math)).toMatchObject({ alarms: 2, alarmMetrics: 3 });
  });

  it('names every line with its list price, and adds them up', () => {
    for (const bill of bills) {
      for (const item of bill.lines) {
        expect(item.unitPriceUsd).toBeGreaterThan(0);
        expect(item.usd).toBeCloseTo(item.quantity * item.unitPriceUsd, 10);
        expect(item.basis).not.toBe('');
      }
      expect(bill.totalUsd).toBeCloseTo(
        bill.lines.reduce((sum, item) => sum + item.usd, 0),
        10,
      );
    }
    expect(bills.map((bill) => bill.tokensPerSecond)).toEqual([...BILL_RATES]);
    expect(bills[0]?.lines.map((item) => item.item)).toEqual(
      expect.arrayContaining([
        'KMS keys',
        'CloudWatch alarms',
        'CloudWatch custom metrics',
        'CloudWatch dashboards',
        'CloudWatch Logs ingestion',
        'Lambda duration (arm64)',
        'SQS requests',
        'EventBridge Scheduler',
        'DynamoDB writes (on-demand)',
      ]),
    );
  });

  it('reports the idle bill against $6 a month, first year and later, with a reason for each miss', () => {
    const idle = bills[0] as MonthlyBill;
    // Over the target by the keys and the alarms (BENCHMARKS.md names the miss); the runs' lines come
    // from the last bench run (results.json) and move by cents with it: this catches growth past that.
    expect(idle.totalUsd).toBeLessThan(7.5);
    // an idle run publishes no custom metric: only the ColdStart metric, counted every hour (upper bound)
    expect(lineOf(idle, 'CloudWatch custom metrics')?.quantity).toBe(1);
    expect(lineOf(idle, 'KMS keys')?.usd).toBe(inventoryOf(template).kmsKeys * PRICES.kmsKeyPerMonthUsd);
    const [first, later] = billTargets(bills);
    expect(first?.met).toBe(idle.totalUsd <= 6);
    expect(later?.measured).toContain('KMS keys');
    for (const target of [first, later]) {
      if (target !== undefined && !target.met) expect(MISS_REASONS[target.target]).toBeDefined();
    }
    // the dashboard is $3 more, when asked for
    expect((withDashboard[0] as MonthlyBill).totalUsd - idle.totalUsd).toBeCloseTo(
      PRICES.dashboardPerMonthUsd,
      10,
    );
  });

  it('grows with traffic: audit lines in the logs, metrics every hour, SQS requests per message', () => {
    const [idle, half, two, twenty] = bills as [MonthlyBill, MonthlyBill, MonthlyBill, MonthlyBill];
    for (const item of ['CloudWatch Logs ingestion', 'SQS requests', 'Lambda requests']) {
      const values = [idle, half, two, twenty].map((bill) => lineOf(bill, item)?.quantity ?? 0);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(lineOf(half, 'CloudWatch custom metrics')?.quantity).toBeGreaterThan(1);
    // measured run lengths where the bench ran the rate, the consumer's timeout beyond
    const measured = runTimes(readBenchFigures()).consumerRunMsByRate;
    expect(half.consumerRun).toEqual({ seconds: (measured['0.5'] as number) / 1000, measured: true });
    expect(twenty.consumerRun).toEqual({ seconds: 50, measured: false });
    expect(twenty.quotaShare).toBeGreaterThan(1);
    expect(billMarkdown(bills)).toContain('20 tokens/s needs');
  });

  it('prices the months with the model, not a table', () => {
    // Prepare: the same inventory, no table and then a table
    const inventory = inventoryOf(template);
    const figures = {
      idleRunMs: 1000,
      idleSqsRequestsPerRun: 1,
      consumerRunMsByRate: {},
      urgentInvocationMs: 100,
      logBytes: { idleRun: 500, busyRun: 2000, urgentInvocation: 1500, auditLine: 400 },
      customMetrics: { idle: 0, traffic: 10 },
    };
    // Act
    const withoutTable = monthlyBill({ ...inventory, dynamoDbTables: 0 }, figures, 2);
    const withTable = monthlyBill({ ...inventory, dynamoDbTables: 1 }, figures, 2);
    // Assess: DynamoDB lines appear with a table only
    expect(lineOf(withoutTable, 'DynamoDB writes (on-demand)')?.usd).toBe(0);
    expect(lineOf(withTable, 'DynamoDB writes (on-demand)')?.usd).toBeGreaterThan(0);
    expect(lineOf(withoutTable, 'CloudWatch custom metrics')?.usd).toBeCloseTo(
      10 * PRICES.customMetricPerMonthUsd,
      10,
    );
  });
});
