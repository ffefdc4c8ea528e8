import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import ky from 'ky';

/**
 * BASELINE, for comparison only: the handler a typical team writes first. One API call per token of
 * each record, records processed concurrently, a failure marks the record failed, no packing, no
 * deduplication, no backoff or throttle handling. Not product code.
 */
export function createBaselineHandler(apiUrl: string) {
  const http = ky.create({ prefixUrl: `${apiUrl}/`, retry: 0, timeout: 10_000 });
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const message = JSON.parse(record.body) as { token?: string; tokens?: string[] };
          for (const token of message.tokens ?? [message.token ?? '']) {
            await http.get(`access-tokens/${encodeURIComponent(token)}/invalidate`).json();
          }
        } catch {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };
}
