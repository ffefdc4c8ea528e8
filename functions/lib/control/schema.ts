/**
 * The shared control table's shape: one small DynamoDB table (on-demand) that every instance of both
 * lanes reads and writes, so that the daily call budget, the API's pauses and the quota it reported
 * hold across the consumer, every urgent instance and cold starts. Plain values only: the CDK
 * construct imports this file to create the table the functions expect.
 */

/**
 * The partition key (a string): `budget#YYYY-MM-DD`, `pause#api`, `quota`, `probe#routine`, and the
 * operators' pauses `pause#lane#routine`, `pause#lane#urgent`.
 */
export const CONTROL_TABLE_PARTITION_KEY = 'pk';

/** Epoch seconds after which DynamoDB may delete an item (old budget days). */
export const CONTROL_TABLE_TTL_ATTRIBUTE = 'expiresAt';

/** Environment variable naming the table (set by the construct). */
export const CONTROL_TABLE_ENV = 'CONTROL_TABLE_NAME';

/** Environment variable of an explicit DynamoDB endpoint (local servers). */
export const DYNAMODB_ENDPOINT_ENV = 'AWS_ENDPOINT_URL_DYNAMODB';

/** DynamoDB actions the functions use on the table: nothing else. */
export const CONTROL_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:UpdateItem',
] as const;

/** Partition keys of the operators' pauses start with this (`pause#lane#routine`, `pause#lane#urgent`). */
export const OPERATOR_PAUSE_KEY_PREFIX = 'pause#lane#';

/** The partition key of a lane's operator pause. */
export const operatorPauseKey = (lane: 'routine' | 'urgent'): string => `${OPERATOR_PAUSE_KEY_PREFIX}${lane}`;

/** What `token-revoker status` reads on the table (every item). */
export const CONTROL_TABLE_OPERATOR_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem'] as const;

/** What `token-revoker pause` and `resume` write: only items whose key starts with OPERATOR_PAUSE_KEY_PREFIX. */
export const CONTROL_TABLE_OPERATOR_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:DeleteItem'] as const;
