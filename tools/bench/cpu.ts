import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SQSEvent } from 'aws-lambda';
import ky from 'ky';
import pLimit from 'p-limit';
import { sqsParker } from '../../functions/lib/park';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { chunk, MAX_TOKENS_PER_CALL } from '../../functions/lib/tokens';
import { PIPELINE_DEFAULTS } from '../../infra/settings';
import { createBaselineHandler } from './baseline-handler';
import { invokeProduct } from './product';

export interface CpuFigures {
  readonly records: number;
  readonly repetitions: number;
  /** Median process CPU (user + system) per 1,000 records, ms. */
  readonly productMs: number;
  readonly floorMs: number;
  readonly baselineMs: number;
  /** Product over floor, round by round (each round runs both back to back): median and quartiles. */
  readonly ratio: { readonly median: number; readonly lower: number; readonly upper: number };
  /** One-minute load average when the measurement ended (other work on the machine moves it). */
  readonly loadAverage: number;
  readonly apiCallsPerRun: number;
}

/** Starts the simulator in a child process so that this process's CPU is the handler's alone. */
async function startRemoteSimulator(root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      require.resolve('tsx/cli'),
      join(root, 'tools/simulator/cli.ts'),
      '--max-requests-per-second',
      '1000000',
      // Rounds of 1,000 baseline calls spend far more than a day's 10,000: CPU is measured, not quota.
      '--quota-max',
      '1000000000',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** The value below which `fraction` of the values lie (nearest rank). */
const quantile = (values: readonly number[], fraction: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * fraction + 0.5)] ?? 0;
const median = (values: readonly number[]) => quantile(values, 0.5);

/** Valid, unknown tokens: the API leaves them out of items, the same answer for every implementation. */
function records(count: number, round: number): SQSEvent['Records'] {
  return Array.from({ length: count }, (_, i) => ({
    messageId: `cpu-${round}-${i}`,
    receiptHandle: '',
    body: JSON.stringify({ token: `cpu${round}x${i}Tok))`, reason: 'logout' }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: '',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: '',
    awsRegion: 'us-east-1',
  }));
}

/**
 * Handler CPU per 1,000 records against the floor: parsing the same records plus the same number of
 * bare ky calls (20 tokens each). Zero API latency, the simulator in another process, repetitions
 * interleaved, medians reported.
 */
export async function measureCpu(root: string, count = 1000, repetitions = 15): Promise<CpuFigures> {
  const { url, child } = await startRemoteSimulator(root);
  const client = new StackExchangeClient({ apiUrl: url, requestsPerSecond: 100_000 });
  const park = sqsParker({
    queueUrl: undefined,
    sqs: () => Promise.reject(new Error('no parking in the CPU run')),
  });
  const floorHttp = ky.create({ prefixUrl: `${url}/`, retry: 0, timeout: 10_000 });
  const baseline = createBaselineHandler(url);
  const calls = Math.ceil(count / MAX_TOKENS_PER_CALL);
  const product: number[] = [];
  const floor: number[] = [];
  const baselineRuns: number[] = [];
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let round = 0; round < repetitions + 1; round++) {
      const input = records(count, round);
      let start = process.cpuUsage();
      for (const batch of chunk(input, PIPELINE_DEFAULTS.batchSize)) {
        await invokeProduct({ Records: batch }, client, park, 30_000);
      }
      const productRun = cpuMs(start);

      start = process.cpuUsage();
      const tokens = input.map((record) => (JSON.parse(record.body) as { token: string }).token);
      const limit = pLimit(PIPELINE_DEFAULTS.callConcurrency);
      await Promise.all(
        chunk(tokens, MAX_TOKENS_PER_CALL).map((group) =>
          limit(() => floorHttp.get(`access-tokens/${group.join(';')}/invalidate`).json()),
        ),
      );
      const floorRun = cpuMs(start);

      start = process.cpuUsage();
      for (const batch of chunk(input, 10)) await baseline({ Records: batch });
      const baselineRun = cpuMs(start);

      if (round === 0) continue; // warm-up: JIT and connection pools
      product.push(productRun);
      floor.push(floorRun);
      baselineRuns.push(baselineRun);
    }
  } finally {
    process.stdout.write = write;
    child.stdin?.end();
    child.kill('SIGTERM');
  }
  const per1000 = 1000 / count;
  const ratios = product.map((ms, round) => ms / (floor[round] ?? Number.NaN));
  return {
    records: count,
    repetitions,
    productMs: median(product) * per1000,
    floorMs: median(floor) * per1000,
    baselineMs: median(baselineRuns) * per1000,
    ratio: { median: median(ratios), lower: quantile(ratios, 0.25), upper: quantile(ratios, 0.75) },
    loadAverage: loadavg()[0] ?? 0,
    apiCallsPerRun: calls,
  };
}
