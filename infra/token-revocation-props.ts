import { Duration } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../functions/lib/telemetry-names';
import { maxConcurrencyFor, PIPELINE_DEFAULTS, visibilityTimeoutInSeconds } from './settings';

/** Log levels the handler's Powertools logger understands. */
export type HandlerLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface TokenRevocationProps {
  // --- Stack Exchange API -------------------------------------------------------------------------
  /** Base URL of the Stack Exchange API, version included (STACKEXCHANGE_API_URL). @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl?: string;
  /**
   * Secrets Manager secret (name or full ARN) whose SecretString is the Stack Exchange app key. The
   * function reads it at cold start; only its name is in the template. Set this or `keyParameterName`.
   * @default - no secret (see keyParameterName; without either the API is called without a key)
   */
  readonly keySecretName?: string;
  /**
   * SSM SecureString parameter (name, e.g. `/token-revoker/app-key`) holding the app key, as an
   * alternative to `keySecretName`.
   * @default - no parameter
   */
  readonly keyParameterName?: string;
  /**
   * Customer-managed KMS key that encrypts the app key secret or parameter. The function may then
   * decrypt with it, only through Secrets Manager or SSM.
   * @default - the AWS-managed key (aws/secretsmanager or aws/ssm), which needs no grant
   */
  readonly keyEncryptionKey?: IKey;
  /** How the key travels: `query` (`?key=`) or `header` (STACKEXCHANGE_AUTH_STYLE). @default 'query' */
  readonly authStyle?: 'query' | 'header';
  /** Stack Exchange requests per second for all functions together (the API bans an IP above 30). @default 20 */
  readonly totalRequestsPerSecond?: number;
  /** Requests per second one function may make; maxConcurrency is derived from both budgets. @default 5 */
  readonly requestsPerSecondPerFunction?: number;
  /** API calls in flight inside one invocation (STACKEXCHANGE_CALL_CONCURRENCY). @default 4 */
  readonly callConcurrency?: number;

  // --- Queues -------------------------------------------------------------------------------------
  /** Use SSE-SQS instead of a customer-managed KMS key with rotation for both queues. @default false */
  readonly useSqsManagedEncryption?: boolean;
  /** How long the source queue keeps an unprocessed message. @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** Receives before SQS moves a message to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;

  // --- Function and event source ------------------------------------------------------------------
  /** Records per invocation: 100 single-token messages fill five calls of 20 tokens. @default 100 */
  readonly batchSize?: number;
  /** How long the event source gathers records before invoking, so calls fill up. @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /** The function's timeout; the queue's visibility timeout is computed from it. @default Duration.seconds(30) */
  readonly functionTimeout?: Duration;
  /** The function's memory (and so CPU share), in MiB. @default 256 */
  readonly memorySizeInMb?: number;
  /** How long the function's logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The handler's log level (POWERTOOLS_LOG_LEVEL). @default 'INFO' */
  readonly logLevel?: HandlerLogLevel;
  /** Powertools service name: the `service` dimension of every metric. @default 'token-revoker' */
  readonly serviceName?: string;
  /** CloudWatch namespace of the handler's metrics. @default 'TokenRevoker' */
  readonly metricsNamespace?: string;

  // --- Producers ----------------------------------------------------------------------------------
  /** Route `TokenRevocationRequested` events from this bus to the queue. @default - no rule */
  readonly eventBus?: IEventBus;
  /** Subscribe the queue to this SNS topic. @default - no subscription */
  readonly sourceTopic?: ITopic;

  // --- Alarms and dashboard -----------------------------------------------------------------------
  /** Backlog alarm: the oldest message has waited this long. @default Duration.minutes(15) */
  readonly maxMessageAge?: Duration;
  /** The app key's daily Stack Exchange quota (10,000 for a registered app). @default 10000 */
  readonly dailyQuota?: number;
  /** Quota alarm when less than this fraction of `dailyQuota` is left (0 to 1). @default 0.2 */
  readonly quotaAlarmFraction?: number;
  /** E-mail address subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** Name of the CloudWatch dashboard. @default `${stackName}-token-revocation` */
  readonly dashboardName?: string;
}

/** The props with every default applied and the derived numbers computed. */
export interface ResolvedProps {
  readonly apiUrl: string;
  readonly keySecretName: string | undefined;
  readonly keyParameterName: string | undefined;
  readonly keyEncryptionKey: IKey | undefined;
  readonly authStyle: 'query' | 'header';
  readonly totalRequestsPerSecond: number;
  readonly callConcurrency: number;
  readonly useSqsManagedEncryption: boolean;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly functionTimeout: Duration;
  readonly memorySizeInMb: number;
  readonly logRetention: RetentionDays;
  readonly logLevel: HandlerLogLevel;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly maxMessageAge: Duration;
  readonly dailyQuota: number;
  readonly quotaAlarmFraction: number;
  /** Derived: visibility timeout of the source queue (6 x function timeout + batching window). */
  readonly visibilityTimeout: Duration;
  /** Derived: functions that may run at once so that together they stay inside the request budget. */
  readonly maxConcurrency: number;
  /** Derived: one function's request rate; maxConcurrency x this <= totalRequestsPerSecond. */
  readonly requestsPerSecondPerFunction: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`TokenRevocation: ${message}`);
}

const isInteger = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Applies every default (the same ones the `@default` tags document) and checks the limits AWS and the handler impose. */
export function resolveProps(props: TokenRevocationProps): ResolvedProps {
  check(
    props.keySecretName === undefined || props.keyParameterName === undefined,
    'set keySecretName or keyParameterName, not both',
  );
  const d = PIPELINE_DEFAULTS;
  const totalRequestsPerSecond = props.totalRequestsPerSecond ?? d.totalRequestsPerSecond;
  const requested = props.requestsPerSecondPerFunction ?? d.requestsPerSecondPerFunction;
  const functionTimeout = props.functionTimeout ?? Duration.seconds(d.functionTimeoutInSeconds);
  const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(d.maxBatchingWindowInSeconds);
  const batchSize = props.batchSize ?? d.batchSize;
  const maxReceiveCount = props.maxReceiveCount ?? d.maxReceiveCount;
  const callConcurrency = props.callConcurrency ?? d.callConcurrency;
  const quotaAlarmFraction = props.quotaAlarmFraction ?? 0.2;
  const dailyQuota = props.dailyQuota ?? 10_000;

  check(totalRequestsPerSecond > 0, `totalRequestsPerSecond must be positive, got ${totalRequestsPerSecond}`);
  // The handler accepts 0.01 to 25 requests/s per function (STACKEXCHANGE_REQUESTS_PER_SECOND).
  check(
    requested > 0 && requested <= 25,
    `requestsPerSecondPerFunction must be in (0, 25], got ${requested}`,
  );
  check(isInteger(batchSize, 1, 10_000), `batchSize must be an integer from 1 to 10000, got ${batchSize}`);
  check(
    maxBatchingWindow.toSeconds() <= 300,
    `maxBatchingWindow must be at most 300 s, got ${maxBatchingWindow.toSeconds()} s`,
  );
  check(
    batchSize <= 10 || maxBatchingWindow.toSeconds() >= 1,
    'a batchSize above 10 needs a maxBatchingWindow of at least 1 second',
  );
  check(
    functionTimeout.toSeconds() >= 5 && functionTimeout.toSeconds() <= 900,
    `functionTimeout must be 5 to 900 s, got ${functionTimeout.toSeconds()} s`,
  );
  check(
    isInteger(maxReceiveCount, 1, 1000),
    `maxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`,
  );
  check(
    isInteger(callConcurrency, 1, 32),
    `callConcurrency must be an integer from 1 to 32, got ${callConcurrency}`,
  );
  check(
    quotaAlarmFraction > 0 && quotaAlarmFraction < 1,
    `quotaAlarmFraction must be between 0 and 1, got ${quotaAlarmFraction}`,
  );
  check(
    isInteger(dailyQuota, 1, Number.MAX_SAFE_INTEGER),
    `dailyQuota must be a positive integer, got ${dailyQuota}`,
  );

  const visibility = visibilityTimeoutInSeconds(functionTimeout.toSeconds(), maxBatchingWindow.toSeconds());
  check(
    visibility <= 43_200,
    `the computed visibility timeout (${visibility} s) exceeds the SQS maximum of 12 h`,
  );
  const maxConcurrency = maxConcurrencyFor(totalRequestsPerSecond, requested);
  check(
    maxConcurrency <= 1000,
    `the derived maxConcurrency (${maxConcurrency}) exceeds the event source maximum of 1000`,
  );
  // All functions together stay inside the total: when the budget is too small for the minimum
  // concurrency of 2, each function gets a smaller share (rounded down to 1/100 request/s).
  const perFunction = Math.min(requested, Math.floor((totalRequestsPerSecond / maxConcurrency) * 100) / 100);
  check(perFunction >= 0.01, `totalRequestsPerSecond ${totalRequestsPerSecond} is too small to share`);

  return {
    apiUrl: props.apiUrl ?? 'https://api.stackexchange.com/2.3',
    keySecretName: props.keySecretName,
    keyParameterName: props.keyParameterName,
    keyEncryptionKey: props.keyEncryptionKey,
    authStyle: props.authStyle ?? 'query',
    totalRequestsPerSecond,
    callConcurrency,
    useSqsManagedEncryption: props.useSqsManagedEncryption ?? false,
    retentionPeriod: props.retentionPeriod ?? Duration.days(d.retentionPeriodInDays),
    deadLetterRetentionPeriod: Duration.days(d.deadLetterRetentionPeriodInDays),
    maxReceiveCount,
    batchSize,
    maxBatchingWindow,
    functionTimeout,
    memorySizeInMb: props.memorySizeInMb ?? 256,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    logLevel: props.logLevel ?? 'INFO',
    serviceName: props.serviceName ?? DEFAULT_SERVICE_NAME,
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    maxMessageAge: props.maxMessageAge ?? Duration.minutes(15),
    dailyQuota,
    quotaAlarmFraction,
    visibilityTimeout: Duration.seconds(visibility),
    maxConcurrency,
    requestsPerSecondPerFunction: perFunction,
  };
}
