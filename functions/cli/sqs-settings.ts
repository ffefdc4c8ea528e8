import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import { callFailure } from '../enqueue/sqs-failure';
import { checkQueueUrl, checkSqsEndpoint, REFUSE_CLEARTEXT_STEP, refuseCleartext } from '../lib/queue-url';
import { CliError, ExitCode } from './exit-codes';
import { checkSetting, type FromCommandLine } from './setting-error';

/** SQS flags shared by `enqueue` and `dlq`; each falls back to the environment variable the handler uses. */
export interface SqsFlags {
  /** --sqs-endpoint / AWS_ENDPOINT_URL_SQS. @default the SDK's regional endpoint */
  readonly sqsEndpoint?: string;
  /** --region / AWS_REGION. @default the region in the queue URL, else the SDK's configuration */
  readonly region?: string;
}

const ENDPOINT_SETTING = '--sqs-endpoint / AWS_ENDPOINT_URL_SQS';

export function addSqsOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--sqs-endpoint <url>', 'explicit SQS endpoint (local servers; https unless loopback)').env(
        'AWS_ENDPOINT_URL_SQS',
      ),
    )
    .addOption(
      new Option('--region <region>', 'AWS region (default: the one in the queue URL)').env('AWS_REGION'),
    );
}

/**
 * A queue URL setting: required, https unless the host is loopback. `label` names the flag and its
 * variable (`--dlq-url / DEAD_LETTER_QUEUE_URL`); a missing value and a bad one typed on the command
 * line exit 2, a bad one from the environment exits 3.
 */
export function queueUrlSetting(value: string | undefined, label: string, fromCommandLine: boolean): string {
  if (value === undefined || value === '') throw new CliError(`${label} is required`, ExitCode.Usage);
  return checkSetting(() => checkQueueUrl(value, label), fromCommandLine);
}

/** `sqs.eu-west-1.amazonaws.com` -> `eu-west-1` (also the local server's `sqs.us-east-1.127.0.0.1`). */
export function regionOf(queueUrl: string): string | undefined {
  return /^https?:\/\/sqs\.([a-z0-9-]+)\./.exec(queueUrl)?.[1];
}

const REGION_HINT =
  'pass --region REGION or set AWS_REGION (a queue URL of the form https://sqs.REGION.amazonaws.com/... names its own)';

/**
 * An SQSClient for the CLI: the endpoint and region from flags or environment, the region of the queue
 * URL otherwise; credentials the SDK way (environment, profile, SSO, instance role). Refuses an http
 * endpoint other than loopback, and any request that would leave in cleartext.
 */
export async function createSqsClient(
  flags: SqsFlags,
  queueUrl: string,
  fromCommandLine: FromCommandLine,
): Promise<SQSClient> {
  const endpoint =
    flags.sqsEndpoint === undefined || flags.sqsEndpoint === ''
      ? undefined
      : checkSetting(
          () => checkSqsEndpoint(flags.sqsEndpoint as string, ENDPOINT_SETTING),
          fromCommandLine('sqsEndpoint'),
        );
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const region = flags.region || regionOf(queueUrl);
  const client = new SQSClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    // Two attempts for transport errors and throttling, so an unreachable endpoint fails fast; `enqueue`
    // sends again only the entries SQS failed on its side (the library's one retry layer).
    maxAttempts: 2,
  });
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new CliError(`no AWS region: ${REGION_HINT}`, ExitCode.Usage);
  }
  client.middlewareStack.add(refuseCleartext(ENDPOINT_SETTING), REFUSE_CLEARTEXT_STEP);
  return client;
}

/** A one-line description of an SQS call's error that names the endpoint and never a message body. */
export function describeSqsError(error: unknown, queueUrl: string, flags: SqsFlags): CliError {
  const where = flags.sqsEndpoint ? `${flags.sqsEndpoint} (queue ${queueUrl})` : queueUrl;
  const failure = callFailure(error);
  const message =
    failure.kind === 'unreachable'
      ? `cannot reach SQS at ${where}: ${failure.reason.replace(/^could not reach SQS: /, '')}`
      : `${failure.reason} (queue ${queueUrl})`;
  return new CliError(message, ExitCode.Unavailable, [], { cause: error });
}
