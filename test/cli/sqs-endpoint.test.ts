import { endpointServesQueue } from '../../functions/cli/sqs-settings';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { runCli } from './run-cli';

const SDK_WARNING = /differs from SQSClient resolved endpoint/;
const notes = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('SQS endpoint:'));

describe('which SQS endpoint the CLI uses (#19 point 4)', () => {
  let sqs: LocalSqs;
  let queueUrl: string;
  beforeAll(async () => {
    sqs = await startLocalSqs();
    ({ queueUrl } = await sqs.createQueue('endpoint-dlq'));
  }, 30_000);
  afterAll(() => sqs?.stop());

  it('knows which queue URLs an endpoint serves', () => {
    expect(endpointServesQueue('http://127.0.0.1:4566', 'http://127.0.0.1:4566/000000000000/q')).toBe(true);
    // fauxqs names its queues sqs.REGION.localhost: another loopback name of the same server.
    expect(endpointServesQueue('http://127.0.0.1:4566', 'http://sqs.us-east-1.localhost:4566/0/q')).toBe(
      true,
    );
    expect(endpointServesQueue('http://127.0.0.1:4566', 'http://127.0.0.1:4567/000000000000/q')).toBe(false);
    expect(endpointServesQueue('http://127.0.0.1:4566', 'https://sqs.eu-west-1.amazonaws.com/1/q')).toBe(
      false,
    );
    // A VPC endpoint serves AWS queue URLs.
    expect(
      endpointServesQueue(
        'https://vpce-0a1b-c2d3.sqs.eu-west-1.vpce.amazonaws.com',
        'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
      ),
    ).toBe(true);
  });

  it('with a loopback queue URL and no endpoint: uses its host, says so once, and the SDK never warns', async () => {
    // Act
    const run = await runCli(['dlq', 'list', '--dlq-url', queueUrl, '--region', 'us-east-1']);
    const down = await runCli([
      'dlq',
      'list',
      '--dlq-url',
      'http://127.0.0.1:9/000000000000/q',
      '--region',
      'us-east-1',
    ]);
    // Assess
    expect(run.code).toBe(0);
    expect(notes(run.stderr)).toEqual([
      `SQS endpoint: ${sqs.endpoint} (from --dlq-url's host, as no --sqs-endpoint or AWS_ENDPOINT_URL_SQS is set)`,
    ]);
    expect(down.code).toBe(3);
    expect(notes(down.stderr)).toHaveLength(1);
    expect(down.stderr).toContain('cannot reach SQS at http://127.0.0.1:9');
    expect(run.stderr + down.stderr).not.toMatch(SDK_WARNING);
  }, 30_000);

  it('with AWS_ENDPOINT_URL_SQS: says it once, and refuses a queue URL on another host before sending', async () => {
    // Act
    const env = { AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_REGION: 'us-east-1' };
    const same = await runCli(['dlq', 'list', '--dlq-url', queueUrl], { env });
    const elsewhere = await runCli(
      ['dlq', 'list', '--dlq-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq'],
      {
        env,
      },
    );
    const redriveElsewhere = await runCli(['dlq', 'redrive', '--to', 'http://127.0.0.1:9/000000000000/q'], {
      env: { ...env, DEAD_LETTER_QUEUE_URL: queueUrl },
    });
    // Assess
    expect(same.code).toBe(0);
    expect(notes(same.stderr)).toEqual([`SQS endpoint: ${sqs.endpoint} (from AWS_ENDPOINT_URL_SQS)`]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toBe(
      `token-revoker: --dlq-url / DEAD_LETTER_QUEUE_URL: the queue is on https://sqs.us-east-1.amazonaws.com, but the requests would go to the SQS endpoint ${sqs.endpoint} (from AWS_ENDPOINT_URL_SQS); use a queue URL of that endpoint, or unset AWS_ENDPOINT_URL_SQS\n`,
    );
    expect(redriveElsewhere.code).toBe(2);
    expect(redriveElsewhere.stderr).toContain('--to: the queue is on http://127.0.0.1:9');
    expect(redriveElsewhere.stderr).not.toContain('moved');
  }, 30_000);
});
