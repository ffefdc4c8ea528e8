import type { SQSClient } from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import { callFailure } from '../enqueue/sqs-failure';
import {
  checkQueueUrl,
  checkSqsEndpoint,
  isLoopbackQueueHost,
  REFUSE_CLEARTEXT_STEP,
  refuseCleartext,
} from '../lib/queue-url';
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

/** `--dlq-url / DEAD_LETTER_QUEUE_URL`: SQS's redrive target, where requests that failed too often land. */
export const DLQ_URL_LABEL = '--dlq-url / DEAD_LETTER_QUEUE_URL';
/** `--parked-url / PARKED_QUEUE_URL`: where the functions park input they will never retry. */
export const PARKED_URL_LABEL = '--parked-url / PARKED_QUEUE_URL';

/** The queues that hold dead-letter work; commands read both when both are given. */
export interface DeadLetterFlags {
  /** --dlq-url / DEAD_LETTER_QUEUE_URL (stack output DeadLetterQueueUrl). */
  readonly dlqUrl?: string;
  /** --parked-url / PARKED_QUEUE_URL (stack output ParkedQueueUrl). */
  readonly parkedUrl?: string;
}

export function addDeadLetterOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--dlq-url <url>',
        'URL of the dead-letter queue: requests SQS dead-lettered (stack output DeadLetterQueueUrl)',
      ).env('DEAD_LETTER_QUEUE_URL'),
    )
    .addOption(
      new Option(
        '--parked-url <url>',
        'URL of the parked queue: input the functions parked (stack output ParkedQueueUrl)',
      ).env('PARKED_QUEUE_URL'),
    );
}

/**
 * The dead-letter queue and the parked queue as given: at least one (exit 2 without either), each
 * checked as `queueUrlSetting` checks it.
 */
export function deadLetterQueueUrls(
  flags: DeadLetterFlags,
  fromCommandLine: FromCommandLine,
): { readonly dlq?: string; readonly parked?: string } {
  const given = (value: string | undefined) => value !== undefined && value !== '';
  if (!given(flags.dlqUrl) && !given(flags.parkedUrl)) {
    throw new CliError(
      `${DLQ_URL_LABEL} or ${PARKED_URL_LABEL} is required (both may be given)`,
      ExitCode.Usage,
    );
  }
  return {
    ...(given(flags.dlqUrl)
      ? { dlq: queueUrlSetting(flags.dlqUrl, DLQ_URL_LABEL, fromCommandLine('dlqUrl')) }
      : {}),
    ...(given(flags.parkedUrl)
      ? { parked: queueUrlSetting(flags.parkedUrl, PARKED_URL_LABEL, fromCommandLine('parkedUrl')) }
      : {}),
  };
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

/** A queue URL a command sends to, with the setting it came from (for messages). */
export interface QueueUrlUse {
  readonly url: string;
  /** `--dlq-url / DEAD_LETTER_QUEUE_URL` */
  readonly label: string;
  readonly fromCommandLine: boolean;
}

/** `scheme://host[:port]...` -> its origin and host, port made explicit (local names the URL parser refuses). */
function originOf(url: string): { origin: string; host: string; port: string } {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s@]+)/.exec(url);
  const scheme = (match?.[1] ?? '').toLowerCase();
  const authority = (match?.[2] ?? '').toLowerCase();
  const [, host = authority, port] = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority) ?? [];
  return {
    origin: `${scheme}://${authority}`,
    host,
    port: port || (scheme === 'http' ? '80' : '443'),
  };
}

/** AWS's own SQS hosts: a queue URL there may go through any AWS endpoint (regional, FIPS, VPC endpoint). */
const AWS_HOST = /(^|\.)amazonaws\.com(\.cn)?$|(^|\.)api\.aws$/;

/**
 * Whether requests for `queueUrl` may go to `endpoint`: the same host and port; two loopback names
 * of one local server (`sqs.us-east-1.localhost:PORT` and `127.0.0.1:PORT`); or two AWS hosts.
 */
export function endpointServesQueue(endpoint: string, queueUrl: string): boolean {
  const a = originOf(endpoint);
  const b = originOf(queueUrl);
  if (a.host === b.host && a.port === b.port) return true;
  if (isLoopbackQueueHost(a.host) && isLoopbackQueueHost(b.host)) return a.port === b.port;
  return AWS_HOST.test(a.host) && AWS_HOST.test(b.host);
}

/**
 * The SQS endpoint a command uses, and why, said once: --sqs-endpoint / AWS_ENDPOINT_URL_SQS when set,
 * else the host of a queue URL outside AWS (a local server; without this the SDK warns on every
 * call that the queue URL differs from its regional endpoint), else the SDK's regional endpoint.
 * A queue URL on another host than the endpoint is refused: the SDK would send it to the endpoint,
 * which answers QueueDoesNotExist (or, worse, has a queue of that name).
 */
export function sqsEndpointFor(
  flags: SqsFlags,
  queues: readonly QueueUrlUse[],
  endpointFromCommandLine: boolean,
): { readonly endpoint: string | undefined; readonly note: string | undefined } {
  const given =
    flags.sqsEndpoint === undefined || flags.sqsEndpoint === ''
      ? undefined
      : checkSetting(
          () => checkSqsEndpoint(flags.sqsEndpoint as string, ENDPOINT_SETTING),
          endpointFromCommandLine,
        );
  const [primary] = queues;
  let endpoint = given;
  let source = endpointFromCommandLine ? '--sqs-endpoint' : 'AWS_ENDPOINT_URL_SQS';
  if (endpoint === undefined && primary !== undefined && !AWS_HOST.test(originOf(primary.url).host)) {
    endpoint = originOf(primary.url).origin;
    source = `${primary.label.split(' / ')[0]}'s host, as no --sqs-endpoint or AWS_ENDPOINT_URL_SQS is set`;
  }
  if (endpoint === undefined) return { endpoint: undefined, note: undefined };
  for (const queue of queues) {
    if (endpointServesQueue(endpoint, queue.url)) continue;
    throw new CliError(
      `${queue.label}: the queue is on ${originOf(queue.url).origin}, but the requests would go to the SQS endpoint ${endpoint} (from ${source}); use a queue URL of that endpoint${given === undefined ? '' : `, or unset ${source}`}`,
      queue.fromCommandLine || endpointFromCommandLine ? ExitCode.Usage : ExitCode.Unavailable,
    );
  }
  return { endpoint, note: `SQS endpoint: ${endpoint} (from ${source})` };
}

/**
 * An SQSClient for the CLI: the endpoint as `sqsEndpointFor` chooses it (and says once, through
 * `note`), the region from flags or environment, else the first queue URL's; credentials the SDK way
 * (environment, profile, SSO, instance role). Refuses an http endpoint other than loopback, a queue
 * URL the endpoint does not serve, and any request that would leave in cleartext.
 */
export async function createSqsClient(
  flags: SqsFlags,
  queues: readonly QueueUrlUse[],
  fromCommandLine: FromCommandLine,
  note: (text: string) => void,
): Promise<SQSClient> {
  const { endpoint, note: said } = sqsEndpointFor(flags, queues, fromCommandLine('sqsEndpoint'));
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  const region = flags.region || regionOf(queues[0]?.url ?? '');
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
  if (said !== undefined) note(said);
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
