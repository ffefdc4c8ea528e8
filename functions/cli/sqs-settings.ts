import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import { CliError, ExitCode } from './exit-codes';

/** SQS flags shared by `enqueue` and `dlq`; each falls back to the environment variable the handler uses. */
export interface SqsFlags {
  /** --sqs-endpoint / AWS_ENDPOINT_URL_SQS. @default the SDK's regional endpoint */
  readonly sqsEndpoint?: string;
  /** --region / AWS_REGION. @default the region in the queue URL, else the SDK's configuration */
  readonly region?: string;
}

export function addSqsOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--sqs-endpoint <url>', 'explicit SQS endpoint (local servers)').env('AWS_ENDPOINT_URL_SQS'),
    )
    .addOption(
      new Option('--region <region>', 'AWS region (default: the one in the queue URL)').env('AWS_REGION'),
    );
}

/** Checks a queue URL given by `flag`; returns it unchanged. */
export function checkQueueUrl(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`${flag} is required`, ExitCode.Usage);
  // Not parsed with URL: local servers name queues like http://sqs.us-east-1.127.0.0.1:PORT/..., which URL refuses.
  if (!/^https?:\/\/[^\s/]+\/\S+$/.test(value)) {
    throw new CliError(
      `${flag}: not an SQS queue URL (expected https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)`,
      ExitCode.Usage,
    );
  }
  return value;
}

/** `sqs.eu-west-1.amazonaws.com` -> `eu-west-1` (also the local server's `sqs.us-east-1.localhost`). */
export function regionOf(queueUrl: string): string | undefined {
  return /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1];
}

/**
 * An SQSClient for the CLI: the endpoint and region from flags or environment, the region of the queue
 * URL otherwise; credentials the SDK way (environment, profile, SSO, instance role).
 */
export async function createSqsClient(flags: SqsFlags, queueUrl: string): Promise<SQSClient> {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const region = flags.region || regionOf(queueUrl);
  return new SQSClient({
    ...(region ? { region } : {}),
    ...(flags.sqsEndpoint ? { endpoint: flags.sqsEndpoint } : {}),
    // The CLI retries on its own terms; keep the SDK's own retries short so an unreachable endpoint fails fast.
    maxAttempts: 2,
  });
}

/** A one-line description of an SQS call's error that names the endpoint and never a message body. */
export function describeSqsError(error: unknown, queueUrl: string, flags: SqsFlags): CliError {
  const details = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const where = flags.sqsEndpoint ? `${flags.sqsEndpoint} (queue ${queueUrl})` : queueUrl;
  if (typeof details.$metadata?.httpStatusCode === 'number') {
    return new CliError(
      `SQS refused the request for ${where}: ${details.name ?? 'Error'}: ${details.message ?? ''}`,
      ExitCode.Unavailable,
    );
  }
  const code = details.code ?? details.name ?? 'Error';
  return new CliError(
    `cannot reach SQS at ${where}: ${code}${details.message ? ` (${details.message})` : ''}`,
    ExitCode.Unavailable,
    [],
    {
      cause: error,
    },
  );
}
