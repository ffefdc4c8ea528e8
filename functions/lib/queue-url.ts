import { ConfigurationError } from './errors';
import { isLoopbackHost } from './stackexchange/api-url';

/**
 * Checks for the SQS side of the pipeline: the twin of `checkApiUrl`. Tokens travel in message
 * bodies, so a queue URL or SQS endpoint must be https; plain http is accepted for loopback hosts
 * only (local servers in tests and `npm start`). Error messages never quote the value: a mistyped
 * setting may hold a token.
 */

const QUEUE_URL_EXAMPLE = 'https://sqs.REGION.amazonaws.com/ACCOUNT/NAME';

/**
 * `scheme://authority[/path]` without credentials, query or fragment, parsed by hand: local servers
 * name queues `http://sqs.us-east-1.127.0.0.1:PORT/000000000000/NAME`, which the URL parser refuses.
 * The path is optional so that the same check serves SQS endpoints.
 */
const QUEUE_URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\s@]+)(?:\/[^?#\s]*)?$/;

/** `host`, `host:port`, `[v6]` or `[v6]:port` -> the host name without the port. */
function hostnameOf(authority: string): string {
  const bracketed = /^(\[[^\]]*\])(?::\d*)?$/.exec(authority);
  if (bracketed) return bracketed[1] as string;
  return authority.replace(/:\d*$/, '').toLowerCase();
}

/**
 * True for a loopback host (127.0.0.0/8, ::1, localhost), a name under `.localhost` (RFC 6761: it
 * resolves to loopback only) and a local server's queue host that ends in a loopback address
 * (`sqs.us-east-1.127.0.0.1`: no DNS name ends in a number, so it reaches no other machine).
 */
export function isLoopbackQueueHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    isLoopbackHost(host) || host.endsWith('.localhost') || /(^|\.)127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * Refuses a scheme other than https, and plain http to a host other than loopback.
 * @param scheme `https`, `http:`, ... (a trailing colon is ignored)
 * @param what what is checked, for the message (`the queue URL`, `the SQS endpoint`)
 * @throws ConfigurationError naming `setting`.
 */
export function checkScheme(scheme: string, hostname: string, setting: string, what: string): void {
  const protocol = scheme.toLowerCase().replace(/:$/, '');
  if (protocol === 'https') return;
  if (protocol === 'http' && isLoopbackQueueHost(hostname)) return;
  throw new ConfigurationError(
    setting,
    protocol === 'http'
      ? `${what} must use https: SQS would carry the tokens in cleartext (plain http only for loopback hosts: 127.0.0.1, ::1, localhost)`
      : `${what} must be an https URL`,
  );
}

/**
 * Validates an SQS queue URL (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`) or endpoint: https,
 * or http to a loopback host; no credentials, query or fragment.
 * @param setting the flag, variable or option the value came from; named in the error.
 * @returns the URL unchanged.
 * @throws ConfigurationError naming `setting`.
 */
export function checkQueueUrl(value: string | undefined, setting: string): string {
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(setting, `a queue URL is required (${QUEUE_URL_EXAMPLE})`);
  }
  const match = QUEUE_URL_SHAPE.exec(value);
  if (match === null) {
    throw new ConfigurationError(setting, `not an SQS queue URL (expected ${QUEUE_URL_EXAMPLE})`);
  }
  checkScheme(match[1] as string, hostnameOf(match[2] as string), setting, 'the queue URL');
  return value;
}

/**
 * Validates an explicit SQS endpoint (`https://sqs.eu-west-1.amazonaws.com`, or
 * `http://127.0.0.1:PORT` for a local server): https, or http to a loopback host; no credentials,
 * query or fragment.
 * @returns the endpoint without a trailing slash.
 * @throws ConfigurationError naming `setting`.
 */
export function checkSqsEndpoint(value: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(setting, 'not a URL (expected e.g. https://sqs.eu-west-1.amazonaws.com)');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigurationError(setting, 'the endpoint must not carry a query, fragment or credentials');
  }
  checkScheme(url.protocol, url.hostname, setting, 'the SQS endpoint');
  return url.href.replace(/\/+$/, '');
}

/** The shape of an SDK handler at the finalizeRequest step (Smithy's FinalizeHandler). */
export type SdkHandler<Input extends object, Output extends object> = (args: {
  readonly input: Input;
  readonly request: unknown;
}) => Promise<{ readonly output: Output; readonly response: unknown }>;

/** Where refuseCleartext goes in an SDK middleware stack: the last step before the request is sent. */
export const REFUSE_CLEARTEXT_STEP = {
  step: 'finalizeRequest',
  name: 'tokenRevokerRefuseCleartext',
  override: true,
} as const;

/**
 * An SDK middleware that refuses, at the last moment before sending, any SQS request that would
 * leave in cleartext for a host other than loopback, wherever its endpoint came from (the queue URL,
 * the client's endpoint, AWS_ENDPOINT_URL_SQS, a shared config file). Add it to a client's or a
 * single command's stack: `stack.add(refuseCleartext('PARKED_QUEUE_URL'), REFUSE_CLEARTEXT_STEP)`.
 * @param setting named in the ConfigurationError the request fails with.
 */
export function refuseCleartext<Input extends object, Output extends object>(
  setting: string,
): (next: SdkHandler<Input, Output>) => SdkHandler<Input, Output> {
  return (next) => async (args) => {
    const request = args.request as { protocol?: unknown; hostname?: unknown };
    const protocol = typeof request.protocol === 'string' ? request.protocol : 'https';
    const hostname = typeof request.hostname === 'string' ? request.hostname : '';
    checkScheme(protocol, hostname, setting, 'the SQS endpoint');
    return next(args);
  };
}
