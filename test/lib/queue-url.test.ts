import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../../functions/lib/errors';
import {
  checkQueueUrl,
  checkSqsEndpoint,
  isLoopbackQueueHost,
  REFUSE_CLEARTEXT_STEP,
  refuseCleartext,
} from '../../functions/lib/queue-url';
import { LOCAL_CREDENTIALS, type LocalSqs, startLocalSqs } from '../../tools/local-sqs';

const errorOf = (check: () => unknown): unknown => {
  try {
    check();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('checkQueueUrl', () => {
  it.each([
    'https://sqs.eu-west-1.amazonaws.com/123456789012/revocations',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/revocations.fifo',
    'http://127.0.0.1:9324/000000000000/local',
    'http://localhost:4566/000000000000/local',
    'http://[::1]:9324/000000000000/local',
    'http://sqs.us-east-1.localhost:9324/000000000000/local',
    'http://sqs.us-east-1.127.0.0.1:41039/000000000000/local',
    'http://127.0.0.1:9324',
  ])('accepts %s', (url) => {
    expect(checkQueueUrl(url, 'queueUrl')).toBe(url);
  });

  it.each([
    [
      'http://sqs.eu-west-1.amazonaws.com/123456789012/q',
      /must use https: SQS would carry the tokens in cleartext/,
    ],
    ['http://10.0.0.5:9324/000000000000/q', /must use https/],
    ['http://127.evil.example/000000000000/q', /must use https/],
    ['http://sqs.127.0.0.1.evil.example/000000000000/q', /must use https/],
    ['ftp://sqs.eu-west-1.amazonaws.com/123456789012/q', /must be an https URL/],
    ['https://user:pass@sqs.eu-west-1.amazonaws.com/1/q', /not an SQS queue URL/],
    ['https://sqs.eu-west-1.amazonaws.com/1/q?x=1', /not an SQS queue URL/],
    ['queue', /not an SQS queue URL/],
    ['', /a queue URL is required/],
  ])('refuses %s with a ConfigurationError naming the setting', (url, message) => {
    const error = errorOf(() => checkQueueUrl(url, '--queue-url / REVOCATION_QUEUE_URL'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).setting).toBe('--queue-url / REVOCATION_QUEUE_URL');
    expect((error as Error).message).toMatch(message);
  });

  it('never quotes the value, which may be a mistyped token', () => {
    const error = errorOf(() => checkQueueUrl('http://leakedTokenValue42/1/q', 'queueUrl'));
    expect((error as Error).message).not.toContain('leakedTokenValue42');
  });
});

describe('isLoopbackQueueHost', () => {
  it('knows loopback names and the local servers queue hosts, and nothing else', () => {
    expect(
      ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'a.localhost', 'sqs.x.127.0.0.1'].every(
        isLoopbackQueueHost,
      ),
    ).toBe(true);
    expect(
      ['10.0.0.1', 'localhost.example', '127.0.0.1.nip.io', 'example.com', ''].some(isLoopbackQueueHost),
    ).toBe(false);
  });
});

describe('checkSqsEndpoint', () => {
  it('accepts https and loopback http, without a trailing slash', () => {
    expect(checkSqsEndpoint('https://sqs.eu-west-1.amazonaws.com/', 'AWS_ENDPOINT_URL_SQS')).toBe(
      'https://sqs.eu-west-1.amazonaws.com',
    );
    expect(checkSqsEndpoint('http://127.0.0.1:4566', 'AWS_ENDPOINT_URL_SQS')).toBe('http://127.0.0.1:4566');
  });

  it.each([
    ['http://sqs.eu-west-1.amazonaws.com', /must use https/],
    ['https://sqs.eu-west-1.amazonaws.com?x=1', /query/],
    ['not a url', /not a URL/],
  ])('refuses %s', (endpoint, message) => {
    const error = errorOf(() => checkSqsEndpoint(endpoint, 'AWS_ENDPOINT_URL_SQS'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).setting).toBe('AWS_ENDPOINT_URL_SQS');
    expect((error as Error).message).toMatch(message);
  });
});

describe('refuseCleartext', () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it('stops a plain-http request to another host before it is sent, and lets loopback through', async () => {
    // Prepare: one client for an http endpoint that is not loopback, one for the local server
    const remote = new SQSClient({
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      endpoint: 'http://sqs.eu-west-1.example.invalid', // never resolves: nothing can leave if the guard fails
      maxAttempts: 1,
    });
    const local = new SQSClient({
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      endpoint: sqs.endpoint,
    });
    for (const client of [remote, local])
      client.middlewareStack.add(refuseCleartext('DEAD_LETTER_QUEUE_URL'), REFUSE_CLEARTEXT_STEP);
    const { queueUrl } = await sqs.createQueue('cleartext-guard');
    // Act
    const refused = await remote.send(new GetQueueUrlCommand({ QueueName: 'q' })).catch((e: unknown) => e);
    const allowed = await local.send(new GetQueueUrlCommand({ QueueName: 'cleartext-guard' }));
    // Assess
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).setting).toBe('DEAD_LETTER_QUEUE_URL');
    expect(allowed.QueueUrl).toBe(queueUrl);
    remote.destroy();
    local.destroy();
  });
});
