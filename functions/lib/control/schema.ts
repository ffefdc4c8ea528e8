/**
 * The shared control table's shape: one small DynamoDB table (on-demand) that every instance of both
 * lanes reads and writes, so that the daily call budget, the API's pauses and the quota it reported
 * hold across the consumer, every urgent instance and cold starts. Plain values only: the CDK
 * construct imports this file to create the table the functions expect.
 */

/** The partition key (a string): `budget#YYYY-MM-DD`, `pause#api`, `quota`, `probe#routine`. */
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
