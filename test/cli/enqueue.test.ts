import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { parseMessageBody } from '../../functions/lib/message';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { expectNoTokens, runCli } from './run-cli';

interface Row {
  fingerprint: string;
  where: string;
  status: string;
  failure?: string;
}

describe('token-revoker enqueue against a local SQS server', () => {
  let sqs: LocalSqs;
  let count = 0;
  const newQueue = async (attributes?: Record<string, string>) => {
    count += 1;
    return (await sqs.createQueue(`cli-enqueue-${count}`, { attributes })).queueUrl;
  };
  // Queue URLs of the local server (http://127.0.0.1:PORT/...) name no region: give it, as `npm start` prints it.
  const env = () => ({ AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_REGION: 'us-east-1' });
  const bodiesIn = async (queueUrl: string) => {
    const response = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    return (response.Messages ?? []).map((m) => m.Body ?? '');
  };
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  it('sends tokens from a file in the handler format and prints a summary, exit 0', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const tokens = Array.from({ length: 45 }, (_, i) => `cliToken${i}))`);
    // Act
    const run = await runCli(['enqueue', '--queue-url', queueUrl, '--file', '-', '--reason', 'leak'], {
      env: env(),
      stdin: `# leaked\n${tokens.join('\r\n')}\n`,
    });
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'enqueue: 45 of 45 token(s) accepted by SQS in 3 message(s) to the routine queue; 0 failed',
    );
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    const bodies = (received.Messages ?? []).map((m) => parseMessageBody(m.Body ?? ''));
    expect(bodies.map((b) => (b.ok ? b.tokens.length : 0)).sort()).toEqual([20, 20, 5]);
    expect(bodies.every((b) => b.ok && b.reason === 'leak' && b.source === 'token-revoker-cli')).toBe(true);
    expectNoTokens(run, tokens);
  });

  it('--json reports one outcome per token with its input position', async () => {
    const queueUrl = await newQueue();
    const run = await runCli(['enqueue', '--json', '--allow-token-args', 'argToken1', 'argToken2'], {
      env: { ...env(), REVOCATION_QUEUE_URL: queueUrl },
    });
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { sent: number; messages: number; tokens: Row[] };
    expect(document).toMatchObject({ sent: 2, messages: 1 });
    expect(document.tokens.map((t) => [t.where, t.status])).toEqual([
      ['argument 1', 'sent'],
      ['argument 2', 'sent'],
    ]);
    expectNoTokens(run, ['argToken1', 'argToken2']);
  });

  it('exits 1 when SQS refuses a message over the size limit and accepts the others', async () => {
    // Prepare: a queue whose messages may not exceed 1 KiB; 20 long tokens make a 5 KiB message
    const queueUrl = await newQueue({ MaximumMessageSize: '1024' });
    const long = Array.from({ length: 20 }, (_, i) => `${'L'.repeat(240)}${String(i).padStart(3, '0')}`);
    const short = ['shortToken1', 'shortToken2'];
    // Act
    const run = await runCli(['enqueue', '--queue-url', queueUrl, '--json'], {
      env: env(),
      stdin: [...long, ...short].join('\n'),
    });
    // Assess
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout) as { sent: number; failed: number; tokens: Row[] };
    expect(document).toMatchObject({ sent: 2, failed: 20 });
    expect(document.tokens[0]).toMatchObject({ status: 'failed', failure: 'refused' });
    expect(document.tokens[21]).toMatchObject({ status: 'sent', where: 'stdin line 22' });
    expectNoTokens(run, [...long, ...short]);
  });

  it('exits 3 when SQS is unreachable', async () => {
    const run = await runCli(
      [
        'enqueue',
        '--queue-url',
        'http://sqs.us-east-1.localhost:9/000000000000/q',
        '--allow-token-args',
        'oneToken',
      ],
      { env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' } },
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/failed .*could not reach SQS: ECONNREFUSED/);
    expectNoTokens(run, ['oneToken']);
  });

  it('exits 3 without retrying when the queue does not exist', async () => {
    const missing = (await newQueue()).replace(/cli-enqueue-\d+$/, 'no-such-queue');
    const run = await runCli(['enqueue', '--queue-url', missing, '--allow-token-args', 'oneToken'], {
      env: env(),
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('QueueDoesNotExist');
  });

  it('exits 2 without --queue-url, and for deauthenticate without confirmation', async () => {
    const noQueue = await runCli(['enqueue', '--allow-token-args', 'oneToken']);
    const unconfirmed = await runCli([
      'enqueue',
      '--queue-url',
      'https://sqs.eu-west-1.amazonaws.com/1/q',
      '--action',
      'deauthenticate',
      '--allow-token-args',
      'oneToken',
    ]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain('--queue-url / REVOCATION_QUEUE_URL is required');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--confirm-remove-app');
  });

  it('--urgent sends to the urgent queue with priority urgent in the body, not to the routine queue', async () => {
    // Prepare
    const queueUrl = await newQueue();
    const urgentQueueUrl = await newQueue();
    // Act
    const run = await runCli(['enqueue', '--urgent', '--json', '--reason', 'leak'], {
      env: { ...env(), REVOCATION_QUEUE_URL: queueUrl, REVOCATION_URGENT_QUEUE_URL: urgentQueueUrl },
      stdin: 'leakedToken1\nleakedToken2\n',
    });
    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ queueUrl: urgentQueueUrl, priority: 'urgent', sent: 2 });
    const [urgent] = await bodiesIn(urgentQueueUrl);
    expect(JSON.parse(urgent as string)).toMatchObject({
      tokens: ['leakedToken1', 'leakedToken2'],
      priority: 'urgent',
      reason: 'leak',
    });
    expect(await bodiesIn(queueUrl)).toEqual([]);
  });

  it('--urgent without an urgent queue URL exits 2 and sends nothing, not even to the routine queue', async () => {
    const queueUrl = await newQueue();
    const run = await runCli(['enqueue', '--urgent', '--queue-url', queueUrl], {
      env: env(),
      stdin: 'leakedToken3\n',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--urgent needs the urgent queue: pass --urgent-queue-url (or set REVOCATION_URGENT_QUEUE_URL)',
    );
    expect(run.stderr).toContain('never sent to the routine queue');
    expect(await bodiesIn(queueUrl)).toEqual([]);
  });

  it('refuses cleartext toward SQS: exit 2 for a flag, 3 for the environment, nothing sent', async () => {
    // Act
    const flag = await runCli(
      ['enqueue', '--queue-url', 'http://sqs.eu-west-1.amazonaws.com/123456789012/q'],
      {
        stdin: 'someToken\n',
      },
    );
    const variable = await runCli(['enqueue'], {
      env: { REVOCATION_QUEUE_URL: 'http://sqs.eu-west-1.amazonaws.com/123456789012/q' },
      stdin: 'someToken\n',
    });
    const endpoint = await runCli(
      [
        'enqueue',
        '--queue-url',
        'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
        '--sqs-endpoint',
        'http://sqs.eu-west-1.example.invalid',
      ],
      { stdin: 'someToken\n' },
    );
    // Assess
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--queue-url / REVOCATION_QUEUE_URL: the queue URL must use https');
    expect(variable.code).toBe(3);
    expect(variable.stderr).toContain('--queue-url / REVOCATION_QUEUE_URL: the queue URL must use https');
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain(
      '--sqs-endpoint / AWS_ENDPOINT_URL_SQS: the SQS endpoint must use https',
    );
  });

  it('refuses tokens given as arguments unless --allow-token-args, saying why', async () => {
    const queueUrl = await newQueue();
    const refused = await runCli(['enqueue', '--queue-url', queueUrl, 'argToken3'], { env: env() });
    const allowed = await runCli(['enqueue', '--queue-url', queueUrl, '--allow-token-args', 'argToken3'], {
      env: env(),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('1 token(s) given as arguments');
    expect(refused.stderr).toMatch(/show in ps .* shell history: nothing was sent/);
    expect(refused.stderr).toContain('--allow-token-args');
    expectNoTokens(refused, ['argToken3']);
    expect(allowed.code).toBe(0);
    expect((await bodiesIn(queueUrl)).map((b) => JSON.parse(b).tokens)).toEqual([['argToken3']]);
  });

  it('says a failed request once with its count, not once per token', async () => {
    // Prepare: 60 tokens for a queue that does not exist
    const missing = (await newQueue()).replace(/cli-enqueue-\d+$/, 'no-such-queue');
    const tokens = Array.from({ length: 60 }, (_, i) => `lostToken${i}`);
    // Act
    const run = await runCli(['enqueue', '--queue-url', missing], { env: env(), stdin: tokens.join('\n') });
    // Assess
    expect(run.code).toBe(3);
    expect(run.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^failed {2}60 token\(s\): SQS rejected the request: QueueDoesNotExist/),
    ]);
    expectNoTokens(run, tokens);
  });

  it('names --region and AWS_REGION when no region can be found (exit 2, not "cannot reach SQS")', async () => {
    const run = await runCli(['enqueue', '--queue-url', 'http://127.0.0.1:9/000000000000/q'], {
      env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9', AWS_CONFIG_FILE: '/nonexistent/aws-config' },
      stdin: 'someToken\n',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no AWS region: pass --region REGION or set AWS_REGION');
    expect(run.stdout).toBe('');
  });

  it('draws a progress bar on stderr when asked, with counts only', async () => {
    const queueUrl = await newQueue();
    const tokens = Array.from({ length: 150 }, (_, i) => `barToken${i}`);
    const run = await runCli(['enqueue', '--queue-url', queueUrl, '--progress'], {
      env: env(),
      stdin: tokens.join('\n'),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/enqueue \[.*\] 100% \| 150\/150/);
    expectNoTokens(run, tokens);
  });
});
