import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

let sequence = 0;

/** An SQS record as Lambda delivers it (test factory). */
export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  sequence += 1;
  return {
    messageId: `msg-${sequence}`,
    receiptHandle: `receipt-${sequence}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:token-revocations',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** An SQS event with one record per body; objects are JSON-encoded. */
export function sqsEvent(bodies: readonly (string | object)[]): SQSEvent {
  return { Records: bodies.map((body) => sqsRecord(typeof body === 'string' ? body : JSON.stringify(body))) };
}

/** A Lambda context whose deadline is `remainingMs` from now. */
export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'revoke-tokens',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:revoke-tokens',
    memoryLimitInMB: '256',
    awsRequestId: `req-${Date.now()}`,
    logGroupName: '/aws/lambda/revoke-tokens',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Captures everything written to stdout and stderr while `run` runs. */
export async function captureOutput<T>(
  run: () => Promise<T>,
): Promise<{ result: T | undefined; error: unknown; output: string }> {
  const chunks: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
    }),
  );
  try {
    const result = await run();
    return { result, error: undefined, output: chunks.join('') };
  } catch (error) {
    return { result: undefined, error, output: chunks.join('') };
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
    for (const spy of consoleSpies) spy.mockRestore();
  }
}
