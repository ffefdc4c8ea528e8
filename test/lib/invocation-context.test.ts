import type { Context } from 'aws-lambda';
import { readConfig } from '../../functions/lib/config';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import { FAST } from '../routine-consumer/support';
import { captureOutput, lambdaContext, sqsEvent } from '../support/lambda';
import { useLocalServers } from '../support/servers';

type Line = Record<string, unknown>;

const jsonLines = (output: string): Line[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);

const contextOf = (requestId: string, functionName: string, remainingMs = 5000): Context => ({
  ...lambdaContext(remainingMs),
  awsRequestId: requestId,
  functionName,
});

/** Runs two invocations of one instance; returns each one's JSON lines. */
async function twoInvocations(invoke: (context: Context) => Promise<unknown>, functionName: string) {
  const first = await captureOutput(() => invoke(contextOf('request-1', functionName)));
  const second = await captureOutput(() => invoke(contextOf('request-2', functionName)));
  expect([first.error, second.error]).toEqual([undefined, undefined]);
  return [jsonLines(first.output), jsonLines(second.output)] as const;
}

describe('the Lambda context in every log line, and the ColdStart metric', () => {
  const servers = useLocalServers({ seed: 61 });
  // Lambda sets this for on-demand instances; Powertools reports a cold start only then.
  const saved = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  beforeAll(() => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = saved;
  });

  const expectContext = (lines: readonly Line[], requestId: string, coldStart: boolean, name: string) => {
    const logs = lines.filter((line) => typeof line.message === 'string');
    const audit = logs.filter((line) => line.message === 'Token settled');
    expect(logs.length).toBeGreaterThan(audit.length);
    // Audit lines, one per token, carry the request id only (bytes are money under traffic).
    for (const line of audit) {
      expect(line.function_request_id).toBe(requestId);
      expect(line).not.toHaveProperty('function_arn');
    }
    for (const line of logs.filter((candidate) => !audit.includes(candidate))) {
      expect(line).toMatchObject({
        function_request_id: requestId,
        cold_start: coldStart,
        function_name: name,
      });
    }
  };
  const coldStarts = (lines: readonly Line[]) => lines.filter((line) => 'ColdStart' in line);

  it('urgent lane: request id and cold start in each line (audit lines: the request id); ColdStart once', async () => {
    // Prepare
    const { queueUrl } = await servers.sqs.createQueue('context-dlq');
    const config = {
      ...readConfig({ STACKEXCHANGE_API_URL: servers.sim.url }),
      parkedQueueUrl: queueUrl,
    };
    const handler = createHandler(config, { sqs: servers.sqs.client });
    const tokens = servers.sim.issueTokens(2);
    // Act
    const [first, second] = await twoInvocations(
      (context) => handler(sqsEvent([{ token: tokens.shift() }]), context),
      'urgent-fn',
    );
    // Assess
    expectContext(first, 'request-1', true, 'urgent-fn');
    expectContext(second, 'request-2', false, 'urgent-fn');
    expect(first.some((line) => line.message === 'Token settled')).toBe(true);
    expect(coldStarts(first)).toEqual([
      expect.objectContaining({ ColdStart: 1, function_name: 'urgent-fn', service: 'token-revoker' }),
    ]);
    expect(coldStarts(second)).toEqual([]);
  });

  it('routine lane: the same for the scheduled consumer', async () => {
    // Prepare
    const dlq = await servers.sqs.createQueue('context-routine-dlq');
    const { queueUrl } = await servers.sqs.createQueue('context-routine');
    const consumer = createConsumer(
      {
        ...readConfig({ STACKEXCHANGE_API_URL: servers.sim.url }),
        ...FAST,
        routineQuotaFloorFraction: 0.2,
        parkedQueueUrl: dlq.queueUrl,
        routineQueueUrl: queueUrl,
      },
      { sqs: servers.sqs.client },
    );
    // Act
    const [first, second] = await twoInvocations((context) => consumer({}, context), 'routine-fn');
    // Assess
    expectContext(first, 'request-1', true, 'routine-fn');
    expectContext(second, 'request-2', false, 'routine-fn');
    expect(first.some((line) => line.message === 'Run finished')).toBe(true);
    expect(coldStarts(first)).toEqual([
      expect.objectContaining({ ColdStart: 1, function_name: 'routine-fn' }),
    ]);
    expect(coldStarts(second)).toEqual([]);
  });
});
