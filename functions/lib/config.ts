import { ConfigurationError } from './errors';
import {
  CALL_CONCURRENCY,
  DAILY_CALL_BUDGET,
  describeLimit,
  MAX_ATTEMPTS,
  type NumericLimit,
  REQUEST_TIMEOUT_MS,
  REQUESTS_PER_SECOND,
  SAFETY_MARGIN_MS,
  URGENT_RESERVE_CALLS,
  urgentReserveCallsFor,
  withinLimit,
} from './limits';
import { checkQueueUrl, checkSqsEndpoint } from './queue-url';
import { checkApiUrl, DEFAULT_API_URL } from './stackexchange/api-url';
import type { AuthStyle } from './stackexchange/client';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './telemetry-names';

/** Where the app key comes from. Only `plain` holds the key itself (local use); the others name where it is stored. */
export type KeySource =
  | { readonly kind: 'none' }
  | { readonly kind: 'plain'; readonly key: string }
  | { readonly kind: 'secret'; readonly secretId: string }
  | { readonly kind: 'parameter'; readonly parameterName: string };

/** The handler's settings, read from the environment once at cold start. Documented in the README. */
export interface HandlerConfig {
  /** STACKEXCHANGE_API_URL. @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl: string;
  /** STACKEXCHANGE_KEY, STACKEXCHANGE_KEY_SECRET_ID or STACKEXCHANGE_KEY_PARAMETER_NAME (at most one). */
  readonly keySource: KeySource;
  /** STACKEXCHANGE_AUTH_STYLE. @default 'query' */
  readonly authStyle: AuthStyle;
  /** STACKEXCHANGE_REQUESTS_PER_SECOND: this function's share of the request budget. @default 5 */
  readonly requestsPerSecond: number;
  /** STACKEXCHANGE_CALL_CONCURRENCY: API calls in flight at once in one invocation. @default 4 */
  readonly callConcurrency: number;
  /** STACKEXCHANGE_TIMEOUT_MS: timeout of one HTTP request. @default 10000 */
  readonly timeoutMs: number;
  /** STACKEXCHANGE_MAX_ATTEMPTS: attempts per call for transient errors. @default 3 */
  readonly maxAttempts: number;
  /**
   * PARKED_QUEUE_URL: the parked queue, where permanently bad input is parked (a ticket), apart from
   * the dead-letter queue SQS moves exhausted requests to (a page). Without it, such messages are
   * retried and reach the dead-letter queue by redrive, and each attempt counts a configuration error.
   */
  readonly parkedQueueUrl: string | undefined;
  /** AWS_ENDPOINT_URL_SQS: explicit SQS endpoint (local servers). @default the SDK's regional endpoint */
  readonly sqsEndpoint: string | undefined;
  /** DEADLINE_SAFETY_MARGIN_MS: time kept free before the Lambda timeout to report and park. @default 3000 */
  readonly safetyMarginMs: number;
  /** DAILY_CALL_BUDGET: calls a budget day (UTC), both lanes together, shared through the control table. @default 9000 */
  readonly dailyCallBudget: number;
  /** URGENT_RESERVE_CALLS: calls of the budget routine work never spends. @default 20% of the budget */
  readonly urgentReserveCalls: number;
  /**
   * CONTROL_TABLE_NAME: the DynamoDB table every instance shares the budget, the API's pauses and the
   * quota through. Without it (local use) they are shared only inside this process.
   */
  readonly controlTableName: string | undefined;
  /** AWS_ENDPOINT_URL_DYNAMODB: explicit DynamoDB endpoint (local servers). @default the SDK's regional endpoint */
  readonly dynamodbEndpoint: string | undefined;
  /**
   * PARKED_MESSAGE_KEY (the key itself: local use) or PARKED_MESSAGE_KEY_SECRET_ID (a Secrets Manager
   * secret): the key that seals parked messages (decision record 0005). @default none: parked messages are not sealed
   */
  readonly parkingKeySource: KeySource;
  /** POWERTOOLS_SERVICE_NAME. @default 'token-revoker' */
  readonly serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE. @default 'TokenRevoker' */
  readonly metricsNamespace: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a numeric variable: its default when unset, else a number within the limit, or a ConfigurationError naming it. */
export function readNumber(env: Env, name: string, limit: NumericLimit): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return limit.default;
  const value = Number(raw);
  if (!withinLimit(value, limit)) {
    throw new ConfigurationError(name, `"${raw}" is not ${describeLimit(limit)}`);
  }
  return value;
}

function readKeySource(env: Env): KeySource {
  const given = (
    ['STACKEXCHANGE_KEY', 'STACKEXCHANGE_KEY_SECRET_ID', 'STACKEXCHANGE_KEY_PARAMETER_NAME'] as const
  ).filter((name) => (env[name] ?? '') !== '');
  if (given.length > 1)
    throw new ConfigurationError(given.join(', '), 'set at most one way to provide the app key');
  if (env.STACKEXCHANGE_KEY) return { kind: 'plain', key: env.STACKEXCHANGE_KEY };
  if (env.STACKEXCHANGE_KEY_SECRET_ID) return { kind: 'secret', secretId: env.STACKEXCHANGE_KEY_SECRET_ID };
  if (env.STACKEXCHANGE_KEY_PARAMETER_NAME) {
    return { kind: 'parameter', parameterName: env.STACKEXCHANGE_KEY_PARAMETER_NAME };
  }
  return { kind: 'none' };
}

/** Where the parking key comes from: PARKED_MESSAGE_KEY (the key itself) or PARKED_MESSAGE_KEY_SECRET_ID. */
export function readParkingKeySource(env: Env): KeySource {
  if (env.PARKED_MESSAGE_KEY && env.PARKED_MESSAGE_KEY_SECRET_ID) {
    throw new ConfigurationError(
      'PARKED_MESSAGE_KEY, PARKED_MESSAGE_KEY_SECRET_ID',
      'set at most one way to provide the parking key',
    );
  }
  if (env.PARKED_MESSAGE_KEY) return { kind: 'plain', key: env.PARKED_MESSAGE_KEY };
  if (env.PARKED_MESSAGE_KEY_SECRET_ID) return { kind: 'secret', secretId: env.PARKED_MESSAGE_KEY_SECRET_ID };
  return { kind: 'none' };
}

/** Reads and validates the configuration; throws ConfigurationError naming the variable at fault. */
export function readConfig(env: Env = process.env): HandlerConfig {
  const authStyle = env.STACKEXCHANGE_AUTH_STYLE ?? 'query';
  if (authStyle !== 'query' && authStyle !== 'header') {
    throw new ConfigurationError('STACKEXCHANGE_AUTH_STYLE', `"${authStyle}" is not "query" or "header"`);
  }
  const parkedQueueUrl = env.PARKED_QUEUE_URL || undefined;
  const sqsEndpoint = env.AWS_ENDPOINT_URL_SQS || undefined;
  const dynamodbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB || undefined;
  const dailyCallBudget = readNumber(env, 'DAILY_CALL_BUDGET', DAILY_CALL_BUDGET);
  const urgentReserveCalls = readNumber(env, 'URGENT_RESERVE_CALLS', {
    ...URGENT_RESERVE_CALLS,
    default: urgentReserveCallsFor(dailyCallBudget),
  });
  if (urgentReserveCalls > dailyCallBudget) {
    throw new ConfigurationError(
      'URGENT_RESERVE_CALLS',
      `${urgentReserveCalls} is more than DAILY_CALL_BUDGET (${dailyCallBudget})`,
    );
  }
  return {
    apiUrl: checkApiUrl(env.STACKEXCHANGE_API_URL || DEFAULT_API_URL),
    keySource: readKeySource(env),
    authStyle,
    requestsPerSecond: readNumber(env, 'STACKEXCHANGE_REQUESTS_PER_SECOND', REQUESTS_PER_SECOND),
    callConcurrency: readNumber(env, 'STACKEXCHANGE_CALL_CONCURRENCY', CALL_CONCURRENCY),
    timeoutMs: readNumber(env, 'STACKEXCHANGE_TIMEOUT_MS', REQUEST_TIMEOUT_MS),
    maxAttempts: readNumber(env, 'STACKEXCHANGE_MAX_ATTEMPTS', MAX_ATTEMPTS),
    parkedQueueUrl: parkedQueueUrl && checkQueueUrl(parkedQueueUrl, 'PARKED_QUEUE_URL'),
    sqsEndpoint: sqsEndpoint && checkSqsEndpoint(sqsEndpoint, 'AWS_ENDPOINT_URL_SQS'),
    safetyMarginMs: readNumber(env, 'DEADLINE_SAFETY_MARGIN_MS', SAFETY_MARGIN_MS),
    dailyCallBudget,
    urgentReserveCalls,
    controlTableName: env.CONTROL_TABLE_NAME || undefined,
    dynamodbEndpoint: dynamodbEndpoint && checkSqsEndpoint(dynamodbEndpoint, 'AWS_ENDPOINT_URL_DYNAMODB'),
    parkingKeySource: readParkingKeySource(env),
    serviceName: env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
  };
}
