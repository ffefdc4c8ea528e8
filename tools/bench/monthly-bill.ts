/**
 * The real monthly bill: what the synthesized template deploys (keys, alarms, dashboards, tables,
 * schedules, secrets, log groups, queues) plus what traffic costs (Lambda, SQS, KMS requests,
 * DynamoDB, the scheduler, logs and custom metrics), every line with its list price (`PRICES`).
 * Quantities come from the template, from measured figures (run times in tools/bench/results.json,
 * log bytes and published metrics measured on the real functions) and from the assumptions named in
 * `ASSUMPTIONS`.
 */
import { PRICES, SECONDS_PER_MONTH } from './cost';

/** What a synthesized template deploys that has a price of its own. */
export interface Inventory {
  readonly kmsKeys: number;
  /** Keys with automatic rotation (each of the first two rotations adds a key's price). */
  readonly rotatedKeys: number;
  readonly alarms: number;
  /** Metrics the alarms watch (a metric-math alarm is billed per metric). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  readonly dynamoDbTables: number;
  readonly schedules: number;
  /** The first schedule's rate, in seconds. */
  readonly tickSeconds: number;
  readonly secrets: number;
  readonly logGroups: number;
  /** The longest retention of the log groups, in days (undefined: kept forever). */
  readonly logRetentionDays: number | undefined;
  /** Queues encrypted with a customer-managed key, and their data key reuse period. */
  readonly kmsQueues: number;
  readonly kmsDataKeyReuseSeconds: number;
  readonly eventSourceMappings: number;
  readonly batchingWindowSeconds: number;
  /** Memory of the functions (the first one's), MiB. */
  readonly memoryMb: number;
  /** The longest function timeout, seconds (the consumer's runs are bounded by the tick). */
  readonly functionTimeoutsSeconds: readonly number[];
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Counts what a template (its JSON) deploys. */
export function inventoryOf(template: { readonly Resources?: Record<string, Resource> }): Inventory {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (...types: string[]) => resources.filter((r) => types.includes(r.Type));
  const alarms = ofType('AWS::CloudWatch::Alarm');
  const metricsOf = (alarm: Resource) => {
    const math = alarm.Properties?.Metrics;
    return Array.isArray(math)
      ? math.filter((m: { MetricStat?: unknown }) => m.MetricStat !== undefined).length
      : 1;
  };
  const keys = ofType('AWS::KMS::Key');
  const schedule = ofType('AWS::Scheduler::Schedule')[0]?.Properties?.ScheduleExpression;
  const rate = /^rate\((\d+) (second|minute|hour)s?\)$/.exec(String(schedule ?? ''));
  const unit = { second: 1, minute: 60, hour: 3600 } as const;
  const logGroups = ofType('AWS::Logs::LogGroup');
  const retention = logGroups.map((g) => g.Properties?.RetentionInDays as number | undefined);
  const kmsQueues = ofType('AWS::SQS::Queue').filter((q) => q.Properties?.KmsMasterKeyId !== undefined);
  const mappings = ofType('AWS::Lambda::EventSourceMapping');
  const functions = ofType('AWS::Lambda::Function');
  return {
    kmsKeys: keys.length,
    rotatedKeys: keys.filter((k) => k.Properties?.EnableKeyRotation === true).length,
    alarms: alarms.length,
    alarmMetrics: alarms.reduce((sum, alarm) => sum + metricsOf(alarm), 0),
    dashboards: ofType('AWS::CloudWatch::Dashboard').length,
    dynamoDbTables: ofType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').length,
    schedules: ofType('AWS::Scheduler::Schedule', 'AWS::Events::Rule').length,
    tickSeconds: rate ? Number(rate[1]) * unit[rate[2] as keyof typeof unit] : 60,
    secrets: ofType('AWS::SecretsManager::Secret').length,
    logGroups: logGroups.length,
    logRetentionDays: retention.includes(undefined) ? undefined : Math.max(0, ...(retention as number[])),
    kmsQueues: kmsQueues.length,
    kmsDataKeyReuseSeconds: Number(kmsQueues[0]?.Properties?.KmsDataKeyReusePeriodSeconds ?? 300),
    eventSourceMappings: mappings.length,
    batchingWindowSeconds: Number(mappings[0]?.Properties?.MaximumBatchingWindowInSeconds ?? 0),
    memoryMb: Number(functions[0]?.Properties?.MemorySize ?? 128),
    functionTimeoutsSeconds: functions.map((f) => Number(f.Properties?.Timeout ?? 3)),
  };
}

/** Figures measured on the real functions (tools/bench/log-bytes.ts, tools/bench/results.json). */
export interface MeasuredFigures {
  /** An idle run of the consumer (empty queue). */
  readonly idleRunMs: number;
  /** SQS requests of an idle run. */
  readonly idleSqsRequestsPerRun: number;
  /** Mean consumer run under a steady trickle, by tokens per second (where the bench measured one). */
  readonly consumerRunMsByRate: Readonly<Record<string, number>>;
  /** Mean urgent invocation. */
  readonly urgentInvocationMs: number;
  /** Bytes the functions write (their logs, EMF included), audit lines apart. */
  readonly logBytes: {
    readonly idleRun: number;
    readonly busyRun: number;
    readonly urgentInvocation: number;
    readonly auditLine: number;
  };
  /** Distinct custom metrics (name and dimensions) published: by an idle run, and under traffic. */
  readonly customMetrics: { readonly idle: number; readonly traffic: number };
}

/** Assumptions of the traffic model, named on the bill. */
export const ASSUMPTIONS = {
  /** Share of tokens sent urgent (as in the benchmarks' trickle). */
  urgentShare: 0.02,
  /** Producers send single-token messages (logouts), one SendMessage each. */
  tokensPerMessage: 1,
  /** Lambda's event source keeps 5 pollers on the urgent queue, each a 20 s long poll when idle. */
  eventSourcePollers: 5,
  longPollSeconds: 20,
  /** A routine run receives in rounds of 10 s (a sixth of the tick, 1 to 10 s), one long poll each at least. */
  roundSeconds: 10,
  /** Principals using each encrypted source queue's key under traffic: its producer and its consumer. */
  principalsPerQueue: 2,
  /** Bytes of Lambda's START, END and REPORT lines per invocation. */
  platformLogBytes: 330,
  /** DynamoDB, once there is a table: a read of the lane's state per run or invocation, a write per API call and per run or invocation. */
  dynamoDbReadsPerRun: 1,
  dynamoDbWritesPerCall: 1,
  dynamoDbWritesPerRun: 1,
} as const;

/** One line of the bill. */
export interface BillLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPriceUsd: number;
  readonly usd: number;
  /** Where the quantity comes from. */
  readonly basis: string;
}

export interface MonthlyBill {
  /** Tokens per second (0: idle). */
  readonly tokensPerSecond: number;
  readonly lines: readonly BillLine[];
  /** First year: keys not rotated yet. */
  readonly totalUsd: number;
  /** From the third year: every rotated key billed three times (its first two rotations). */
  readonly totalAfterRotationsUsd: number;
  /** Days of the daily API quota a day of this traffic spends (over 1: the quota cannot carry it). */
  readonly quotaShare: number;
  /** The consumer's run length used, and whether it was measured or bounded by its timeout. */
  readonly consumerRun: { readonly seconds: number; readonly measured: boolean };
}

const GB = 1024 ** 3;

function line(item: string, quantity: number, unit: string, unitPriceUsd: number, basis: string): BillLine {
  return { item, quantity, unit, unitPriceUsd, usd: quantity * unitPriceUsd, basis };
}

/** The bill of a month at `tokensPerSecond` (0 for idle). */
export function monthlyBill(
  inventory: Inventory,
  measured: MeasuredFigures,
  tokensPerSecond: number,
): MonthlyBill {
  const a = ASSUMPTIONS;
  const month = SECONDS_PER_MONTH;
  const gb = inventory.memoryMb / 1024;
  const runs = month / inventory.tickSeconds;
  const busy = tokensPerSecond > 0;
  const tokens = tokensPerSecond * month;
  const messages = tokens / a.tokensPerMessage;
  const urgentMessages = messages * a.urgentShare;
  const routineMessages = messages - urgentMessages;
  const urgentRate = tokensPerSecond * a.urgentShare;
  const urgentInvocations = urgentMessages / Math.max(1, urgentRate * inventory.batchingWindowSeconds);
  const apiCalls = routineMessages / 20 + urgentInvocations;

  const measuredRun = measured.consumerRunMsByRate[String(tokensPerSecond)];
  // The consumer's timeout: the longest one below the tick (the urgent function's is shorter).
  const timeout = Math.max(0, ...inventory.functionTimeoutsSeconds.filter((t) => t < inventory.tickSeconds));
  const consumerRun = !busy
    ? { seconds: measured.idleRunMs / 1000, measured: true }
    : measuredRun !== undefined
      ? { seconds: measuredRun / 1000, measured: true }
      : { seconds: timeout, measured: false };
  const runBasis = !busy
    ? `${consumerRun.seconds.toFixed(1)} s per idle run (measured)`
    : consumerRun.measured
      ? `${consumerRun.seconds.toFixed(1)} s per run (measured mean at this rate)`
      : `${consumerRun.seconds.toFixed(0)} s per run: the consumer's timeout, an upper bound (not measured at this rate)`;
  const lambdaRequests = runs + urgentInvocations;
  const lambdaGbSeconds =
    runs * consumerRun.seconds * gb + urgentInvocations * (measured.urgentInvocationMs / 1000) * gb;

  const rounds = busy ? Math.max(1, Math.ceil(consumerRun.seconds / a.roundSeconds)) : 1;
  const consumerSqs = busy
    ? runs * rounds + routineMessages / 10 + routineMessages / 10
    : runs * measured.idleSqsRequestsPerRun;
  const pollerSqs = inventory.eventSourceMappings * a.eventSourcePollers * (month / a.longPollSeconds);
  const urgentDeletes = urgentInvocations;
  const sqsRequests = messages + consumerSqs + pollerSqs + urgentDeletes;
  // Messages go to the two source queues only (the dead-letter queue stays empty when all is well).
  const sourceQueues = Math.min(2, inventory.kmsQueues);
  const kmsRequests = busy
    ? sourceQueues * a.principalsPerQueue * (month / inventory.kmsDataKeyReuseSeconds)
    : 0;

  const dynamoReads = inventory.dynamoDbTables > 0 ? lambdaRequests * a.dynamoDbReadsPerRun : 0;
  const dynamoWrites =
    inventory.dynamoDbTables > 0
      ? apiCalls * a.dynamoDbWritesPerCall + lambdaRequests * a.dynamoDbWritesPerRun
      : 0;

  const logBytes =
    runs * ((busy ? measured.logBytes.busyRun : measured.logBytes.idleRun) + a.platformLogBytes) +
    urgentInvocations * (measured.logBytes.urgentInvocation + a.platformLogBytes) +
    tokens * measured.logBytes.auditLine;
  const retentionMonths =
    inventory.logRetentionDays === undefined ? 120 : inventory.logRetentionDays / 30.4375;
  const customMetrics = busy ? measured.customMetrics.traffic : measured.customMetrics.idle;

  const lines: BillLine[] = [
    line(
      'KMS keys',
      inventory.kmsKeys,
      'key-month',
      PRICES.kmsKeyPerMonthUsd,
      `${inventory.kmsKeys} AWS::KMS::Key in the template (first year; ${inventory.rotatedKeys} rotated yearly)`,
    ),
    line(
      'KMS requests',
      kmsRequests,
      'request',
      PRICES.kmsPerRequestUsd,
      busy
        ? `${sourceQueues} source queues x ${a.principalsPerQueue} principals, one data key per ${inventory.kmsDataKeyReuseSeconds} s`
        : 'no message, no data key',
    ),
    line(
      'CloudWatch alarms',
      inventory.alarmMetrics,
      'alarm metric-month',
      PRICES.alarmMetricPerMonthUsd,
      `${inventory.alarms} AWS::CloudWatch::Alarm watching ${inventory.alarmMetrics} metrics`,
    ),
    line(
      'CloudWatch dashboards',
      inventory.dashboards,
      'dashboard-month',
      PRICES.dashboardPerMonthUsd,
      `${inventory.dashboards} AWS::CloudWatch::Dashboard (the \`dashboard\` prop)`,
    ),
    line(
      'CloudWatch custom metrics',
      customMetrics,
      'metric-month',
      PRICES.customMetricPerMonthUsd,
      busy
        ? `${customMetrics} metrics (name and dimensions) the functions published under traffic (measured), data every hour`
        : `${customMetrics} (the ColdStart metric, an upper bound: billed only for hours with a cold start); an idle run publishes none (measured)`,
    ),
    line(
      'CloudWatch Logs ingestion',
      logBytes / GB,
      'GB',
      PRICES.logsIngestionPerGbUsd,
      `${inventory.logGroups} log groups: runs, invocations and ${busy ? 'one audit line per token' : 'no audit line'} (bytes measured)`,
    ),
    line(
      'CloudWatch Logs storage',
      (logBytes / GB) * retentionMonths,
      'GB-month',
      PRICES.logsStoragePerGbMonthUsd,
      `${inventory.logRetentionDays ?? 'unlimited'} days of retention: a year of this month's logs once the retention is full (uncompressed: an upper bound)`,
    ),
    line(
      'Lambda requests',
      lambdaRequests,
      'request',
      PRICES.lambdaPerRequestUsd,
      `${Math.round(runs).toLocaleString('en-US')} consumer runs + ${Math.round(urgentInvocations).toLocaleString('en-US')} urgent invocations`,
    ),
    line(
      'Lambda duration (arm64)',
      lambdaGbSeconds,
      'GB-second',
      PRICES.lambdaArmPerGbSecondUsd,
      `${inventory.memoryMb} MiB; ${runBasis}; urgent ${measured.urgentInvocationMs.toFixed(0)} ms per invocation (measured)`,
    ),
    line(
      'SQS requests',
      sqsRequests,
      'request',
      PRICES.sqsPerRequestUsd,
      `sends ${Math.round(messages).toLocaleString('en-US')}, consumer receives and deletes ${Math.round(consumerSqs).toLocaleString('en-US')}, urgent event source long polls ${Math.round(pollerSqs).toLocaleString('en-US')} (${a.eventSourcePollers} pollers x ${a.longPollSeconds} s)`,
    ),
    line(
      'EventBridge Scheduler',
      runs * inventory.schedules,
      'invocation',
      PRICES.schedulerPerInvocationUsd,
      `${inventory.schedules} schedule every ${inventory.tickSeconds} s`,
    ),
    line(
      'DynamoDB reads (on-demand)',
      dynamoReads,
      'read unit',
      PRICES.dynamoDbPerReadUnitUsd,
      `${inventory.dynamoDbTables} table(s): ${a.dynamoDbReadsPerRun} read per run or invocation`,
    ),
    line(
      'DynamoDB writes (on-demand)',
      dynamoWrites,
      'write unit',
      PRICES.dynamoDbPerWriteUnitUsd,
      `${inventory.dynamoDbTables} table(s): ${a.dynamoDbWritesPerCall} write per API call and ${a.dynamoDbWritesPerRun} per run or invocation`,
    ),
    line(
      'Secrets Manager',
      inventory.secrets,
      'secret-month',
      PRICES.secretPerMonthUsd,
      `${inventory.secrets} AWS::SecretsManager::Secret (keySecretName creates none: it names yours)`,
    ),
  ];
  const totalUsd = lines.reduce((sum, item) => sum + item.usd, 0);
  const rotations = inventory.rotatedKeys * 2 * PRICES.kmsKeyPerMonthUsd;
  return {
    tokensPerSecond,
    lines,
    totalUsd,
    totalAfterRotationsUsd: totalUsd + rotations,
    quotaShare: apiCalls / (month / 86_400) / PRICES.dailyQuota,
    consumerRun,
  };
}

const money = (usd: number) => (usd < 0.005 ? (usd === 0 ? '$0' : '<$0.01') : `$${usd.toFixed(2)}`);
const amount = (value: number) =>
  Number.isInteger(value) || value >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value >= 1
      ? value.toFixed(1)
      : value.toPrecision(2);
/** `$0.40`, `$0.125`: two decimals, three when the price has them. */
const dollars = (usd: number) =>
  `$${usd.toFixed(Math.abs(usd * 100 - Math.round(usd * 100)) > 1e-9 ? 3 : 2)}`;
const unitPrice = (usd: number, unit: string) =>
  usd >= 0.01 ? `${dollars(usd)} per ${unit}` : `${dollars(usd * 1_000_000)} per million ${unit}s`;

/** The bills as Markdown: one table with a column per rate, then the basis of each line. */
export function billMarkdown(bills: readonly MonthlyBill[]): string {
  const first = bills[0];
  if (first === undefined) return '';
  const label = (bill: MonthlyBill) =>
    bill.tokensPerSecond === 0 ? 'idle' : `${bill.tokensPerSecond} tokens/s`;
  const header = `| line item | list price | ${bills.map(label).join(' | ')} |`;
  const rule = `| --- | --- | ${bills.map(() => '---').join(' | ')} |`;
  const rows = first.lines.map((item, index) => {
    const cells = bills.map((bill) => {
      const cell = bill.lines[index] as BillLine;
      return `${money(cell.usd)} (${amount(cell.quantity)})`;
    });
    return `| ${item.item} | ${unitPrice(item.unitPriceUsd, item.unit)} | ${cells.join(' | ')} |`;
  });
  const total = `| **total, first year** | | ${bills.map((bill) => `**${money(bill.totalUsd)}**`).join(' | ')} |`;
  const later = `| total from the third year (each rotated key billed 3 times) | | ${bills.map((bill) => money(bill.totalAfterRotationsUsd)).join(' | ')} |`;
  const quota = `| API calls a day, share of the daily quota | | ${bills.map((bill) => `${(bill.quotaShare * 100).toFixed(0)}%`).join(' | ')} |`;
  const busiest = bills[bills.length - 1] as MonthlyBill;
  return [
    header,
    rule,
    ...rows,
    total,
    later,
    quota,
    '',
    'Each cell: dollars a month (quantity). Where each quantity comes from:',
    '',
    ...busiest.lines.map((item) => `- ${item.item}: ${item.basis}.`),
    `- Traffic: single-token messages, ${ASSUMPTIONS.urgentShare * 100}% of them urgent; at rates the benchmarks did not run, the consumer's run is its timeout (an upper bound).`,
    ...bills
      .filter((bill) => bill.quotaShare > 1)
      .map(
        (bill) =>
          `- ${label(bill)} needs ${(bill.quotaShare * 100).toFixed(0)}% of the daily API quota: one app key cannot sustain it for a month; the column is what a month would cost if it could.`,
      ),
  ].join('\n');
}
