import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  CALL_CONCURRENCY,
  DAILY_CALL_BUDGET,
  describeLimit,
  MAX_DEFER_SECONDS,
  MAX_HOLD_SECONDS,
  type NumericLimit,
  QUOTA_RESERVE_FRACTION,
  REQUESTS_PER_SECOND,
  ROUTINE_QUOTA_FLOOR_FRACTION,
  URGENT_RESERVE_CALLS,
  urgentReserveCallsFor,
  withinLimit,
} from '../functions/lib/limits';
import { DEFAULT_API_URL } from '../functions/lib/stackexchange/api-url';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../functions/lib/telemetry-names';
import { DEFAULT_RUNBOOK_URL } from './alarm-names';
import {
  consumerTimeoutInSeconds,
  PIPELINE_DEFAULTS,
  routineMaxReceiveCountFor,
  routineVisibilityTimeoutInSeconds,
  splitRequestBudget,
  tokensPerUrgentInvocation,
  urgentMaxReceiveCountFor,
  visibilityTimeoutInSeconds,
} from './settings';

/** Log levels the handler's Powertools logger understands. */
export type HandlerLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface TokenRevocationProps {
  // --- Stack Exchange API -------------------------------------------------------------------------
  /** Base URL of the Stack Exchange API, version included (STACKEXCHANGE_API_URL). @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl?: string;
  /**
   * Secrets Manager secret (name or full ARN) whose SecretString is the Stack Exchange app key. The
   * functions read it at cold start; only its name is in the template. Set this or `keyParameterName`.
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
   * Customer-managed KMS key that encrypts the app key secret or parameter. The functions may then
   * decrypt with it, only through Secrets Manager or SSM.
   * @default - the AWS-managed key (aws/secretsmanager or aws/ssm), which needs no grant
   */
  readonly keyEncryptionKey?: IKey;
  /** How the key travels: `query` (`?key=`) or `header` (STACKEXCHANGE_AUTH_STYLE). @default 'query' */
  readonly authStyle?: 'query' | 'header';
  /** Stack Exchange requests per second for both lanes together (the API bans an IP above 30). @default 20 */
  readonly totalRequestsPerSecond?: number;
  /**
   * The urgent lane's share of `totalRequestsPerSecond`; the routine consumer owns the rest (at most
   * 25 requests/s, the handler's limit for one process).
   * @default 15
   */
  readonly urgentRequestsPerSecond?: number;
  /**
   * Requests per second one urgent handler instance may make; the urgent lane's max concurrency is
   * derived from it and `urgentRequestsPerSecond` (at least 2, each instance lowered to fit the share).
   * @default 5
   */
  readonly requestsPerSecondPerFunction?: number;
  /** API calls in flight inside one urgent invocation (STACKEXCHANGE_CALL_CONCURRENCY). @default 4 */
  readonly callConcurrency?: number;
  /** API calls in flight inside one run of the routine consumer. @default 4 */
  readonly routineCallConcurrency?: number;

  // --- Daily call budget: shared by both lanes through the control table --------------------------
  /**
   * Stack Exchange calls both lanes together may make in one budget day (UTC), counted in the shared
   * control table (DAILY_CALL_BUDGET). The key's quota is 10,000 a day, counted per IP and shared with
   * every other application calling from that IP: lower it where other calls share this egress.
   * @default 9000
   */
  readonly dailyCallBudget?: number;
  /**
   * Calls of `dailyCallBudget` that routine work never spends, kept for leaks (URGENT_RESERVE_CALLS);
   * urgent calls may spend the whole budget. At most `dailyCallBudget`.
   * @default - 20% of dailyCallBudget, rounded down (1800 with the defaults)
   */
  readonly urgentReserveCalls?: number;
  /**
   * Below this fraction of the API's `quota_max` left, the routine lane sends nothing at all
   * (ROUTINE_QUOTA_FLOOR_FRACTION, 0 to 1); the stricter of this and `quotaReserveFraction` applies.
   * @default 0.2
   */
  readonly routineQuotaFloorFraction?: number;

  // --- Routine lane: the scheduled single consumer ------------------------------------------------
  /** How often EventBridge Scheduler runs the routine consumer: whole minutes, 1 to 15. @default Duration.minutes(1) */
  readonly tick?: Duration;
  /** Longest a routine token waits so that its call fills up to 20 tokens (MAX_HOLD_SECONDS). @default Duration.seconds(60) */
  readonly maxHold?: Duration;
  /**
   * With the daily quota below the reserve, longest a routine token waits for a full call
   * (MAX_DEFER_SECONDS).
   * @default Duration.minutes(15)
   */
  readonly maxDefer?: Duration;
  /**
   * Below this fraction of the API's `quota_max` left, routine tokens go out only in full calls or
   * once overdue (QUOTA_RESERVE_FRACTION, 0 to 1; 0 turns the governor off, 1 sends only full calls).
   * @default 0.5
   */
  readonly quotaReserveFraction?: number;
  /**
   * Receives of a routine message before SQS moves it to the dead-letter queue. Every hold, deferral
   * and retry costs one receive.
   * @default - derived from tick and maxHold so that a ten-minute API outage is survived (14 with the defaults)
   */
  readonly routineMaxReceiveCount?: number;

  // --- Queues -------------------------------------------------------------------------------------
  /** Use SSE-SQS instead of customer-managed KMS keys with rotation for the queues. @default false */
  readonly useSqsManagedEncryption?: boolean;
  /**
   * How long the source queues keep an unprocessed message: shorter than the dead-letter queue's 14
   * days (a message's age counts from its first send, also after it moves there).
   * @default Duration.days(10)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Receives of an urgent message before SQS moves it to the dead-letter queue. Every pause (12 hours
   * of it at most per receive), failed attempt and release at the deadline costs one receive.
   * @default - derived so that a day-long pause, a ten-minute outage and a 10,000-token leak are survived (13 with the defaults)
   */
  readonly maxReceiveCount?: number;
  /**
   * What happens to the queues, their keys and the control table when the stack is deleted or a change
   * replaces them: `RemovalPolicy.RETAIN` keeps waiting tokens and the dead-letter queue;
   * `RemovalPolicy.DESTROY` is for throwaway stacks (tests, previews). `SNAPSHOT` is refused.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Roles of the operators who list, replay and delete the dead-letter and parked queues
   * (`token-revoker dlq`). Only they may receive, delete, change the visibility of or purge their
   * messages and decrypt them (the functions only send to the parked queue). Imported roles need their
   * full ARN, path included.
   * @default - nobody: the dead-letter and parked queues can be read only after this is set and deployed
   */
  readonly operatorRoles?: readonly IRole[];

  // --- Function and event source ------------------------------------------------------------------
  // The urgent lane's SQS-triggered function; memory, logs and names apply to the routine consumer too.
  /** Records per invocation: 100 single-token messages fill five calls of 20 tokens. @default 100 */
  readonly batchSize?: number;
  /** How long the urgent lane's event source gathers records before invoking. @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /** The urgent handler's timeout; the urgent queue's visibility timeout is computed from it. @default Duration.seconds(30) */
  readonly functionTimeout?: Duration;
  /** Memory (and so CPU share) of both functions, in MiB. @default 256 */
  readonly memorySizeInMb?: number;
  /**
   * How long the functions' logs are kept. They hold the audit trail (one line per settled token,
   * searched by `token-revoker audit`): keep them as long as you may need to answer "was this leaked
   * token revoked, and when?". @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
  /** The handlers' log level (POWERTOOLS_LOG_LEVEL). @default 'INFO' */
  readonly logLevel?: HandlerLogLevel;
  /** Powertools service name: the `service` dimension of every metric. @default 'token-revoker' */
  readonly serviceName?: string;
  /** CloudWatch namespace of the handlers' metrics. @default 'TokenRevoker' */
  readonly metricsNamespace?: string;

  // --- Producers ----------------------------------------------------------------------------------
  /** Route `TokenRevocationRequested` events from this bus (only from `eventSources` and `urgentEventSources`). @default - no rule */
  readonly eventBus?: IEventBus;
  /** Subscribe the routine queue (only) to this SNS topic. @default - no subscription */
  readonly sourceTopic?: ITopic;

  // --- Who may send, route and change (security review 2) -----------------------------------------
  /**
   * `source` values whose `TokenRevocationRequested` events on `eventBus` go to the routine queue
   * (whatever their `priority`, unless the source is also in `urgentEventSources`). Events from any
   * other source match no rule. Required with `eventBus`.
   * @default - none
   */
  readonly eventSources?: readonly string[];
  /**
   * `source` values allowed to use the urgent lane: their events with `priority: "urgent"` go to the
   * urgent queue (the rest to the routine queue).
   * @default - none: no event reaches the urgent queue
   */
  readonly urgentEventSources?: readonly string[];
  /** Subscribe the urgent queue (only) to this SNS topic. @default - no subscription */
  readonly urgentSourceTopic?: ITopic;
  /**
   * ARNs of producer roles in other stacks that `grantEnqueue` / `grantUrgentEnqueue` are called for:
   * the queue key admits them by ARN (naming the role itself would be a cross-stack reference).
   * @default - none: producers in other stacks cannot be granted
   */
  readonly producerRoleArns?: readonly string[];
  /**
   * The only principal allowed to change the queues (attributes, redrive and policies), delete them or
   * move their messages: the role CloudFormation deploys with.
   * @default - the CDK bootstrap's CloudFormation execution role of the stack's synthesizer
   */
  readonly deployRoleArn?: string;
  /**
   * TokensAlreadyDeadSpike alarm: this many tokens the API reported already dead in 5 minutes (random
   * or replayed tokens spend quota).
   * @default 500
   */
  readonly alreadyDeadAlarmTokens?: number;

  // --- Alarms and dashboard -----------------------------------------------------------------------
  /** Backlog alarm: the oldest routine message has waited this long (more than maxDefer). @default Duration.minutes(20) */
  readonly maxMessageAge?: Duration;
  /** UrgentBacklog alarm: the oldest urgent message has waited this long. @default Duration.minutes(5) */
  readonly urgentMaxMessageAge?: Duration;
  /** The app key's daily Stack Exchange quota (10,000 for a registered app). @default 10000 */
  readonly dailyQuota?: number;
  /** Quota alarm when less than this fraction of `dailyQuota` is left (0 to 1). @default 0.2 */
  readonly quotaAlarmFraction?: number;
  /** E-mail address subscribed to the alarm topics the construct creates (pages and tickets). @default - no subscription */
  readonly alarmEmail?: string;
  /**
   * Where pages go (urgent backlog, missed schedule, configuration errors, dead-lettered requests, an
   * exhausted budget), in ALARM and again at OK. An existing topic must let CloudWatch alarms of this
   * account publish (and use its KMS key, if any).
   * @default - a topic created for pages, encrypted (stack output PageTopicArn)
   */
  readonly pageTopic?: ITopic;
  /**
   * Where tickets go (every other alarm), in ALARM only. The same conditions as `pageTopic`.
   * @default - a topic created for tickets, encrypted (stack output TicketTopicArn)
   */
  readonly ticketTopic?: ITopic;
  /**
   * The runbook every alarm description links to (`runbookUrl#alarmname`). The default is a path in
   * this repository, not a link: set the URL where your operators read infra/README.md (your
   * repository's, or an internal page with the same anchors).
   * @default 'infra/README.md'
   */
  readonly runbookUrl?: string;
  /**
   * Create the CloudWatch dashboard: $3 a month at list price (an account's first three dashboards
   * are free). Every alarm works without it. Giving `dashboardName` creates it too.
   * @default - no dashboard, unless `dashboardName` is given
   */
  readonly dashboard?: boolean;
  /** Name of the CloudWatch dashboard (when there is one). @default `${stackName}-token-revocation` */
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
  readonly urgentRequestsPerSecond: number;
  readonly callConcurrency: number;
  readonly routineCallConcurrency: number;
  readonly dailyCallBudget: number;
  readonly urgentReserveCalls: number;
  readonly routineQuotaFloorFraction: number;
  readonly tick: Duration;
  readonly maxHold: Duration;
  readonly maxDefer: Duration;
  readonly quotaReserveFraction: number;
  readonly routineMaxReceiveCount: number;
  readonly useSqsManagedEncryption: boolean;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  /** The DeadLetterAging alarm's threshold: how long a message has been in the dead-letter queue. */
  readonly deadLetterAgeAlarm: Duration;
  readonly maxReceiveCount: number;
  readonly removalPolicy: RemovalPolicy;
  readonly operatorRoles: readonly IRole[];
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly functionTimeout: Duration;
  readonly memorySizeInMb: number;
  readonly logRetention: RetentionDays;
  readonly logLevel: HandlerLogLevel;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly maxMessageAge: Duration;
  readonly urgentMaxMessageAge: Duration;
  readonly dailyQuota: number;
  readonly quotaAlarmFraction: number;
  readonly eventSources: readonly string[];
  readonly urgentEventSources: readonly string[];
  readonly producerRoleArns: readonly string[];
  readonly deployRoleArn: string | undefined;
  readonly alreadyDeadAlarmTokens: number;
  /** The runbook alarm descriptions link to. */
  readonly runbookUrl: string;
  /** Derived: visibility timeout of the urgent queue (6 x function timeout + batching window). */
  readonly visibilityTimeout: Duration;
  /** Derived: the routine queue's default visibility timeout (a run plus a tick). */
  readonly routineVisibilityTimeout: Duration;
  /** Derived: the routine consumer's timeout, below the tick. */
  readonly consumerTimeout: Duration;
  /** Derived: urgent functions that may run at once so that together they stay inside the urgent share. */
  readonly maxConcurrency: number;
  /** Derived: one urgent function's request rate; maxConcurrency x this <= urgentRequestsPerSecond. */
  readonly requestsPerSecondPerFunction: number;
  /** Derived: the routine consumer's request rate, the rest of totalRequestsPerSecond. */
  readonly routineRequestsPerSecond: number;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`TokenRevocation: ${message}`);
}

const isInteger = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** A prop the handlers read from their environment: the range they accept (functions/lib/limits.ts). */
function checkLimit(name: string, value: number, limit: NumericLimit, unit = ''): void {
  check(withinLimit(value, limit), `${name} must be ${describeLimit(limit)}${unit}, got ${value}${unit}`);
}

/** Applies every default (the same ones the `@default` tags document) and checks the limits AWS and the handler impose. */
export function resolveProps(props: TokenRevocationProps): ResolvedProps {
  check(
    props.keySecretName === undefined || props.keyParameterName === undefined,
    'set keySecretName or keyParameterName, not both',
  );
  const d = PIPELINE_DEFAULTS;
  const functionTimeout = props.functionTimeout ?? Duration.seconds(d.functionTimeoutInSeconds);
  const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(d.maxBatchingWindowInSeconds);
  const batchSize = props.batchSize ?? d.batchSize;
  const callConcurrency = props.callConcurrency ?? d.callConcurrency;
  const routineCallConcurrency = props.routineCallConcurrency ?? d.routineCallConcurrency;
  const quotaAlarmFraction = props.quotaAlarmFraction ?? 0.2;
  const dailyQuota = props.dailyQuota ?? 10_000;
  const retention = resolveRetention(props);

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
  checkLimit('callConcurrency', callConcurrency, CALL_CONCURRENCY);
  checkLimit('routineCallConcurrency', routineCallConcurrency, CALL_CONCURRENCY);
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

  const budget = resolveBudget(props);
  const maxReceiveCount =
    props.maxReceiveCount ??
    urgentMaxReceiveCountFor({
      visibilityTimeoutInSeconds: visibility,
      tokensPerInvocation: tokensPerUrgentInvocation(
        budget.requestsPerSecondPerFunction,
        functionTimeout.toSeconds(),
      ),
    });
  check(
    isInteger(maxReceiveCount, 1, 1000),
    `maxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`,
  );
  const lane = resolveRoutineLane(props, retention.retentionPeriod);
  const maxMessageAge = props.maxMessageAge ?? Duration.minutes(20);
  check(
    maxMessageAge.toSeconds() > lane.maxDefer.toSeconds(),
    `maxMessageAge (${maxMessageAge.toSeconds()} s) must be longer than maxDefer (${lane.maxDefer.toSeconds()} s), or deferred tokens trip the Backlog alarm`,
  );
  const urgentMaxMessageAge = props.urgentMaxMessageAge ?? Duration.minutes(5);
  check(
    urgentMaxMessageAge.toSeconds() >= 60,
    `urgentMaxMessageAge must be at least 60 s, got ${urgentMaxMessageAge.toSeconds()} s`,
  );

  return {
    apiUrl: props.apiUrl ?? DEFAULT_API_URL,
    keySecretName: props.keySecretName,
    keyParameterName: props.keyParameterName,
    keyEncryptionKey: props.keyEncryptionKey,
    authStyle: props.authStyle ?? 'query',
    ...budget,
    callConcurrency,
    routineCallConcurrency,
    ...resolveCallBudget(props),
    ...lane,
    useSqsManagedEncryption: props.useSqsManagedEncryption ?? false,
    ...retention,
    maxReceiveCount,
    operatorRoles: props.operatorRoles ?? [],
    batchSize,
    maxBatchingWindow,
    functionTimeout,
    memorySizeInMb: props.memorySizeInMb ?? 256,
    logRetention: props.logRetention ?? RetentionDays.ONE_YEAR,
    logLevel: props.logLevel ?? 'INFO',
    serviceName: props.serviceName ?? DEFAULT_SERVICE_NAME,
    metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
    maxMessageAge,
    urgentMaxMessageAge,
    dailyQuota,
    quotaAlarmFraction,
    ...resolveSecurity(props),
    runbookUrl: resolveRunbookUrl(props.runbookUrl),
    visibilityTimeout: Duration.seconds(visibility),
  };
}

/** The runbook URL: no whitespace (it ends every alarm description, where a reader must be able to open it). */
function resolveRunbookUrl(runbookUrl: string | undefined): string {
  const url = runbookUrl ?? DEFAULT_RUNBOOK_URL;
  check(
    url !== '' && !/\s/.test(url) && !url.includes('#') && url.length <= 256,
    `runbookUrl must be a URL or path of at most 256 characters, without spaces or a #anchor (the alarm's anchor is added), got "${url}"`,
  );
  return url;
}

/** Sources, producers, the deploying role and the already-dead alarm (security review 2), checked. */
function resolveSecurity(props: TokenRevocationProps) {
  const eventSources = props.eventSources ?? [];
  const urgentEventSources = props.urgentEventSources ?? [];
  check(
    props.eventBus === undefined || eventSources.length + urgentEventSources.length > 0,
    'eventBus needs eventSources (and, for the urgent lane, urgentEventSources): the sources whose events are routed',
  );
  for (const [name, list] of [
    ['eventSources', eventSources],
    ['urgentEventSources', urgentEventSources],
  ] as const) {
    for (const source of list) {
      check(source.trim() !== '' && source.length <= 256, `${name}: "${source}" is not an event source`);
    }
  }
  const alreadyDeadAlarmTokens = props.alreadyDeadAlarmTokens ?? 500;
  check(
    isInteger(alreadyDeadAlarmTokens, 1, Number.MAX_SAFE_INTEGER),
    `alreadyDeadAlarmTokens must be a positive integer, got ${alreadyDeadAlarmTokens}`,
  );
  return {
    eventSources,
    urgentEventSources,
    producerRoleArns: props.producerRoleArns ?? [],
    deployRoleArn: props.deployRoleArn,
    alreadyDeadAlarmTokens,
  };
}

/** The request budget and its split between the lanes (infra/settings.ts), checked. */
function resolveBudget(props: TokenRevocationProps) {
  const d = PIPELINE_DEFAULTS;
  const totalRequestsPerSecond = props.totalRequestsPerSecond ?? d.totalRequestsPerSecond;
  const urgentRequestsPerSecond = props.urgentRequestsPerSecond ?? d.urgentRequestsPerSecond;
  const requested = props.requestsPerSecondPerFunction ?? d.requestsPerSecondPerFunction;
  check(totalRequestsPerSecond > 0, `totalRequestsPerSecond must be positive, got ${totalRequestsPerSecond}`);
  checkLimit('requestsPerSecondPerFunction', requested, REQUESTS_PER_SECOND);
  check(
    urgentRequestsPerSecond > 0 && urgentRequestsPerSecond < totalRequestsPerSecond,
    `urgentRequestsPerSecond must be positive and below totalRequestsPerSecond (${totalRequestsPerSecond}), got ${urgentRequestsPerSecond}`,
  );
  const split = splitRequestBudget(totalRequestsPerSecond, urgentRequestsPerSecond, requested);
  check(
    split.urgentMaxConcurrency <= 1000,
    `the derived urgent maxConcurrency (${split.urgentMaxConcurrency}) exceeds the event source maximum of 1000`,
  );
  check(
    split.urgentRequestsPerSecondPerFunction >= 0.01,
    `urgentRequestsPerSecond ${urgentRequestsPerSecond} is too small to share between two urgent functions`,
  );
  check(
    withinLimit(split.routineRequestsPerSecond, REQUESTS_PER_SECOND),
    `the routine consumer's share (totalRequestsPerSecond - urgentRequestsPerSecond = ${split.routineRequestsPerSecond}) must be ${describeLimit(REQUESTS_PER_SECOND)}, the limit of one process`,
  );
  return {
    totalRequestsPerSecond,
    urgentRequestsPerSecond,
    maxConcurrency: split.urgentMaxConcurrency,
    requestsPerSecondPerFunction: split.urgentRequestsPerSecondPerFunction,
    routineRequestsPerSecond: split.routineRequestsPerSecond,
  };
}

/** How long the queues keep messages, and what a stack deletion or a replacement does to them. */
function resolveRetention(props: TokenRevocationProps) {
  const d = PIPELINE_DEFAULTS;
  const retentionPeriod = props.retentionPeriod ?? Duration.days(d.retentionPeriodInDays);
  const deadLetterRetentionPeriod = Duration.days(d.deadLetterRetentionPeriodInDays);
  check(
    retentionPeriod.toSeconds() >= 60 && retentionPeriod.toSeconds() < deadLetterRetentionPeriod.toSeconds(),
    `retentionPeriod must be at least 60 s and shorter than the dead-letter queue's ${deadLetterRetentionPeriod.toDays()} days (a message's age counts from its first send), got ${retentionPeriod.toSeconds()} s`,
  );
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  check(
    removalPolicy !== RemovalPolicy.SNAPSHOT,
    'removalPolicy must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: queues, keys and the control table have no snapshots',
  );
  return {
    retentionPeriod,
    deadLetterRetentionPeriod,
    deadLetterAgeAlarm: Duration.days(d.deadLetterAgeAlarmInDays),
    removalPolicy,
  };
}

/** The daily call budget shared through the control table, its urgent reserve and the routine quota floor, checked. */
function resolveCallBudget(props: TokenRevocationProps) {
  const dailyCallBudget = props.dailyCallBudget ?? DAILY_CALL_BUDGET.default;
  checkLimit('dailyCallBudget', dailyCallBudget, DAILY_CALL_BUDGET);
  const urgentReserveCalls = props.urgentReserveCalls ?? urgentReserveCallsFor(dailyCallBudget);
  checkLimit('urgentReserveCalls', urgentReserveCalls, URGENT_RESERVE_CALLS);
  check(
    urgentReserveCalls <= dailyCallBudget,
    `urgentReserveCalls (${urgentReserveCalls}) must be at most dailyCallBudget (${dailyCallBudget})`,
  );
  const routineQuotaFloorFraction = props.routineQuotaFloorFraction ?? ROUTINE_QUOTA_FLOOR_FRACTION.default;
  checkLimit('routineQuotaFloorFraction', routineQuotaFloorFraction, ROUTINE_QUOTA_FLOOR_FRACTION);
  return { dailyCallBudget, urgentReserveCalls, routineQuotaFloorFraction };
}

/** The routine lane's schedule, hold, deferral and receive budget, checked. */
function resolveRoutineLane(props: TokenRevocationProps, retentionPeriod: Duration) {
  const d = PIPELINE_DEFAULTS;
  const tick = props.tick ?? Duration.seconds(d.tickSeconds);
  const maxHold = props.maxHold ?? Duration.seconds(d.maxHoldSeconds);
  const maxDefer = props.maxDefer ?? Duration.seconds(d.maxDeferSeconds);
  const quotaReserveFraction = props.quotaReserveFraction ?? d.quotaReserveFraction;
  const tickSeconds = tick.toSeconds();
  check(
    isInteger(tickSeconds, 60, 900) && tickSeconds % 60 === 0,
    `tick must be a whole number of minutes from 1 to 15 (a Scheduler rate), got ${tickSeconds} s`,
  );
  checkLimit('maxHold', maxHold.toSeconds(), MAX_HOLD_SECONDS, ' s');
  checkLimit('maxDefer', maxDefer.toSeconds(), MAX_DEFER_SECONDS, ' s');
  check(
    maxDefer.toSeconds() < retentionPeriod.toSeconds(),
    `maxDefer (${maxDefer.toSeconds()} s) must be shorter than retentionPeriod (${retentionPeriod.toSeconds()} s)`,
  );
  checkLimit('quotaReserveFraction', quotaReserveFraction, QUOTA_RESERVE_FRACTION);
  const routineMaxReceiveCount =
    props.routineMaxReceiveCount ?? routineMaxReceiveCountFor(tickSeconds, maxHold.toSeconds());
  check(
    isInteger(routineMaxReceiveCount, 1, 1000),
    `routineMaxReceiveCount must be an integer from 1 to 1000, got ${routineMaxReceiveCount}`,
  );
  return {
    tick,
    maxHold,
    maxDefer,
    quotaReserveFraction,
    routineMaxReceiveCount,
    consumerTimeout: Duration.seconds(consumerTimeoutInSeconds(tickSeconds)),
    routineVisibilityTimeout: Duration.seconds(routineVisibilityTimeoutInSeconds(tickSeconds)),
  };
}
