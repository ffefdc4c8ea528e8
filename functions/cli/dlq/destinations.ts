import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CliError, ExitCode } from '../exit-codes';

/** A queue a command will send to, with what it is and the setting that gives it (for messages). */
export interface Destination {
  readonly url: string;
  /** `the urgent lane's queue` */
  readonly what: string;
  /** `--urgent-queue-url / REVOCATION_URGENT_QUEUE_URL` */
  readonly label: string;
}

/** Error names SQS (and the SDK) give a queue that does not exist. */
const NO_SUCH_QUEUE = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/**
 * Checks that every destination exists (GetQueueAttributes), before anything is moved: a missing
 * queue is a configuration error (exit 3) naming the queue and its setting. Any other SQS error is
 * passed to `describe`.
 */
export async function checkDestinations(
  sqs: SQSClient,
  destinations: readonly Destination[],
  describe: (error: unknown, queueUrl: string) => CliError,
): Promise<void> {
  for (const destination of destinations) {
    try {
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: destination.url, AttributeNames: ['QueueArn'] }),
      );
    } catch (error) {
      if (NO_SUCH_QUEUE.has((error as Error).name)) {
        throw new CliError(
          `${destination.what} (${destination.label}) does not exist: ${describe(error, destination.url).message}; nothing was moved`,
          ExitCode.Unavailable,
          [],
          { cause: error },
        );
      }
      throw describe(error, destination.url);
    }
  }
}
