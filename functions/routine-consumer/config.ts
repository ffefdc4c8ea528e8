import { type Env, type HandlerConfig, readConfig, readNumber } from '../lib/config';
import { ConfigurationError } from '../lib/errors';
import {
  MAX_DEFER_SECONDS,
  MAX_HOLD_SECONDS,
  QUOTA_RESERVE_FRACTION,
  RECEIVE_WAIT_SECONDS,
  ROUTINE_QUOTA_FLOOR_FRACTION,
  TICK_SECONDS,
} from '../lib/limits';
import { checkQueueUrl } from '../lib/queue-url';

/** The routine consumer's settings: the urgent handler's, plus the routine queue and its timing. */
export interface ConsumerConfig extends HandlerConfig {
  /** ROUTINE_QUEUE_URL: the queue the consumer drains (the stack's `QueueUrl`). Required. */
  readonly routineQueueUrl: string;
  /** TICK_SECONDS: the schedule's rate; held messages become visible again for the next run. @default 60 */
  readonly tickSeconds: number;
  /** MAX_HOLD_SECONDS: longest a routine token waits so that its call fills up. @default 60 */
  readonly maxHoldSeconds: number;
  /** MAX_DEFER_SECONDS: longest a routine token is deferred while the quota is below the reserve. @default 900 */
  readonly maxDeferSeconds: number;
  /** QUOTA_RESERVE_FRACTION: share of `quota_max` left for the rest of the app. @default 0.5 */
  readonly quotaReserveFraction: number;
  /** RECEIVE_WAIT_SECONDS: long-poll wait of each receive. @default 1 */
  readonly receiveWaitSeconds: number;
  /** ROUTINE_QUOTA_FLOOR_FRACTION: below this share of `quota_max` left, routine sends nothing. @default 0.2 */
  readonly routineQuotaFloorFraction: number;
}

/** Reads and validates the consumer's configuration; throws ConfigurationError naming the variable at fault. */
export function readConsumerConfig(env: Env = process.env): ConsumerConfig {
  const queueUrl = env.ROUTINE_QUEUE_URL;
  if (queueUrl === undefined || queueUrl === '') {
    throw new ConfigurationError('ROUTINE_QUEUE_URL', 'is not set: the consumer needs the routine queue URL');
  }
  return {
    ...readConfig(env),
    routineQueueUrl: checkQueueUrl(queueUrl, 'ROUTINE_QUEUE_URL'),
    tickSeconds: readNumber(env, 'TICK_SECONDS', TICK_SECONDS),
    maxHoldSeconds: readNumber(env, 'MAX_HOLD_SECONDS', MAX_HOLD_SECONDS),
    maxDeferSeconds: readNumber(env, 'MAX_DEFER_SECONDS', MAX_DEFER_SECONDS),
    quotaReserveFraction: readNumber(env, 'QUOTA_RESERVE_FRACTION', QUOTA_RESERVE_FRACTION),
    receiveWaitSeconds: readNumber(env, 'RECEIVE_WAIT_SECONDS', RECEIVE_WAIT_SECONDS),
    routineQuotaFloorFraction: readNumber(env, 'ROUTINE_QUOTA_FLOOR_FRACTION', ROUTINE_QUOTA_FLOOR_FRACTION),
  };
}
