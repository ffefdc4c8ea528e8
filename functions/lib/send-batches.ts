/** SQS limits of one SendMessageBatch request: 10 entries and 256 KiB in all. */
export const SEND_BATCH_MAX_ENTRIES = 10;
export const SEND_BATCH_MAX_BYTES = 256 * 1024;

/**
 * Groups message bodies into SendMessageBatch requests: consecutive indexes into `bodies`, at most
 * `maxEntries` and `maxBytes` per group (a single body larger than `maxBytes` stands alone, and SQS
 * refuses it as an entry, not the whole request).
 */
export function groupForSendBatches(
  bodies: readonly string[],
  indexes: readonly number[] = bodies.map((_, index) => index),
  maxBytes = SEND_BATCH_MAX_BYTES,
  maxEntries = SEND_BATCH_MAX_ENTRIES,
): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const size = Buffer.byteLength(bodies[index] ?? '');
    if (current.length > 0 && (current.length === maxEntries || bytes + size > maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
