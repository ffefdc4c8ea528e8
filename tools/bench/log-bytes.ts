import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { AUDIT_MESSAGE } from '../../functions/lib/audit';
import { readConfig } from '../../functions/lib/config';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import type { LocalSqs } from '../local-sqs';
import { startSimulator } from '../simulator';
import type { MeasuredFigures } from './monthly-bill';

/** What the functions write, measured: bytes per run, invocation and audit line, and the custom metrics published. */
export type LogFigures = Pick<MeasuredFigures, 'logBytes' | 'customMetrics'>;

/** Runs `act` with stdout captured (the functions' logs and EMF go there, as in Lambda). */
async function captured(act: () => Promise<unknown>): Promise<string[]> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    await act();
  } finally {
    process.stdout.write = write;
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line !== '');
}

const bytes = (lines: readonly string[]) => lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
const isAudit = (line: string) => line.includes(`"message":"${AUDIT_MESSAGE}"`);

/** The custom metrics of EMF lines: name and dimension values, as CloudWatch counts them. */
function metricKeys(lines: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const emf = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
    };
    for (const directive of emf._aws.CloudWatchMetrics) {
      const dimensions = (directive.Dimensions[0] ?? [])
        .map((name) => `${name}=${String(emf[name])}`)
        .join(',');
      for (const metric of directive.Metrics) keys.add(`${metric.Name}{${dimensions}}`);
    }
  }
  return keys;
}

/**
 * Measures what the real functions write with their real telemetry, as Lambda would see it (an
 * on-demand instance, so cold starts are reported): a consumer's cold and warm idle runs, a run
 * that revokes 20 single-token logouts, and an urgent invocation of one message.
 */
export async function measureLogBytes(sqs: LocalSqs): Promise<LogFigures & { metricNames: string[] }> {
  const saved = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  const simulator = await startSimulator({ seed: 5 });
  try {
    const dlq = await sqs.createQueue('log-bytes-dlq');
    const { queueUrl } = await sqs.createQueue('log-bytes-routine');
    const config = {
      ...readConfig({ STACKEXCHANGE_API_URL: simulator.url }),
      parkedQueueUrl: dlq.queueUrl,
    };
    const consumer = createConsumer(
      {
        ...config,
        routineQueueUrl: queueUrl,
        tickSeconds: 6,
        maxHoldSeconds: 0,
        maxDeferSeconds: 900,
        quotaReserveFraction: 0.5,
        receiveWaitSeconds: 1,
        routineQuotaFloorFraction: 0.2,
        safetyMarginMs: 500,
      },
      { sqs: sqs.client },
    );
    const context = (name: string) => ({
      functionName: name,
      awsRequestId: '8f2c1f4e-6f1e-4bd4-9a3c-1f0c2b7d9e10',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      getRemainingTimeInMillis: () => 4000,
    });
    const cold = await captured(() => consumer({}, context('TokenRevoker-RoutineConsumer')));
    const idle = await captured(() => consumer({}, context('TokenRevoker-RoutineConsumer')));
    const tokens = simulator.issueTokens(20);
    for (let start = 0; start < tokens.length; start += 10) {
      await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: tokens.slice(start, start + 10).map((token, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ token, reason: 'logout', source: 'web' }),
          })),
        }),
      );
    }
    const busy = await captured(() => consumer({}, context('TokenRevoker-RoutineConsumer')));
    const handler = createHandler(config, { sqs: sqs.client });
    const [urgentToken] = simulator.issueTokens(1);
    const record = {
      messageId: '3b1d0e5c-8a4f-4c61-9f0e-6d2a7b9c1e22',
      receiptHandle: 'r',
      body: JSON.stringify({ token: urgentToken, reason: 'leak', source: 'scanner' }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 's',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:urgent',
      awsRegion: 'us-east-1',
    };
    const urgent = await captured(() =>
      handler({ Records: [record] }, {
        ...context('TokenRevoker-Revoker'),
        callbackWaitsForEmptyEventLoop: false,
      } as never),
    );
    const audit = [...busy, ...urgent].filter(isAudit);
    const traffic = metricKeys([...cold, ...busy, ...urgent]);
    return {
      logBytes: {
        idleRun: bytes(idle),
        busyRun: bytes(busy.filter((line) => !isAudit(line))),
        urgentInvocation: bytes(urgent.filter((line) => !isAudit(line))),
        auditLine: audit.length === 0 ? 0 : bytes(audit) / audit.length,
      },
      customMetrics: { idle: metricKeys([...cold, ...idle]).size, traffic: traffic.size },
      metricNames: [...traffic].sort(),
    };
  } finally {
    await simulator.close();
    if (saved === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = saved;
  }
}
