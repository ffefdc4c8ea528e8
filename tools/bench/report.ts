import { cpus, totalmem } from 'node:os';
import type { ColdStartFigures } from './cold-start';
import { type CostPerMillionTokens, costPerMillionTokens } from './cost';
import type { CpuFigures } from './cpu';
import { BUDGET, type ThroughputFigures } from './throughput';

export interface BenchResults {
  readonly date: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly node: string;
  };
  readonly throughput: readonly ThroughputFigures[];
  readonly cpu: CpuFigures;
  readonly coldStart: ColdStartFigures;
  readonly costs: readonly { workload: string; implementation: string; cost: CostPerMillionTokens }[];
  readonly targets: readonly { target: string; met: boolean; measured: string; reason?: string }[];
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  };
}

/** Checks the targets against the measured figures. */
export function checkTargets(
  throughput: readonly ThroughputFigures[],
  cpu: CpuFigures,
  cold: ColdStartFigures,
) {
  const product = throughput.filter((f) => f.implementation === 'product');
  const budgetTokensPerSecond = BUDGET.totalRequestsPerSecond * 20;
  const targets: { target: string; met: boolean; measured: string; reason?: string }[] = [];
  for (const f of product) {
    const steady = !f.workload.includes('faults');
    if (steady) {
      targets.push({
        target: `${f.workload}: >= 19.5 tokens per call`,
        met: f.tokensPerCall >= 19.5,
        measured: fixed(f.tokensPerCall, 2),
      });
    }
    targets.push({
      target: `${f.workload}: 0 throttle or backoff violations`,
      met: f.throttleViolations + f.backoffViolations === 0,
      measured: `${f.throttleViolations} throttle, ${f.backoffViolations} backoff`,
    });
    if (steady) {
      targets.push({
        target: `${f.workload}: throughput >= 90% of ${budgetTokensPerSecond} tokens/s`,
        met: f.tokensPerSecond >= 0.9 * budgetTokensPerSecond,
        measured: `${fixed(f.tokensPerSecond)} tokens/s (${fixed((100 * f.tokensPerSecond) / budgetTokensPerSecond)}%)`,
      });
    }
  }
  targets.push({
    target: 'handler CPU per 1,000 records <= 1.2x the floor',
    met: cpu.productMs <= 1.2 * cpu.floorMs,
    measured: `${fixed(cpu.productMs)} ms vs ${fixed(cpu.floorMs)} ms (${fixed(cpu.productMs / cpu.floorMs, 2)}x)`,
  });
  targets.push({
    target: 'bundle <= 80 KB minified',
    met: cold.handlerBundleBytes <= 80 * 1024,
    measured: `${fixed(cold.handlerBundleBytes / 1024)} KB`,
  });
  targets.push({
    target: 'initialisation <= 1.25x the ky-only floor',
    met: cold.handlerInitMs <= 1.25 * cold.floorInitMs,
    measured: `${fixed(cold.handlerInitMs)} ms vs ${fixed(cold.floorInitMs)} ms (${fixed(cold.handlerInitMs / cold.floorInitMs, 2)}x)`,
  });
  return targets;
}

export function costs(throughput: readonly ThroughputFigures[]) {
  return throughput.map((f) => ({
    workload: f.workload,
    implementation: f.implementation,
    cost: costPerMillionTokens({
      tokens: Math.max(1, f.tokensConfirmed),
      messages: f.messages,
      apiCalls: f.apiCalls,
      invocations: f.eventSource.invocations,
      invocationMs: f.eventSource.invocationMs,
      deliveries: f.eventSource.deliveries,
      parked: 0,
    }),
  }));
}

/** BENCHMARKS.md: the table, the machine, the command to reproduce, and every missed target with its reason. */
export function markdown(results: BenchResults, reasons: Readonly<Record<string, string>>): string {
  const rows = results.throughput.map((f) => {
    const product = results.throughput.find(
      (p) => p.workload === f.workload && p.implementation === 'product',
    );
    const ratio =
      f.implementation === 'baseline' && product
        ? `${fixed(f.apiCallsPer1000Tokens / product.apiCallsPer1000Tokens)}x calls`
        : '';
    return `| ${f.workload} | ${f.implementation} | ${f.tokensConfirmed} / ${f.tokensEnqueued} | ${fixed(f.apiCallsPer1000Tokens)} | ${fixed(f.tokensPerCall, 2)} | ${fixed(f.tokensPerSecond)} | ${f.throttleViolations} / ${f.backoffViolations} | ${f.eventSource.unfinished} | ${fixed(f.peakRssMb)} | ${ratio} |`;
  });
  const costRows = results.costs.map(
    (c) =>
      `| ${c.workload} | ${c.implementation} | ${fixed(c.cost.usd, 4)} | ${fixed(c.cost.sqsRequests, 0)} | ${fixed(c.cost.lambdaGbSeconds, 1)} | ${fixed(c.cost.quotaDays, 2)} |`,
  );
  const targetRows = results.targets.map(
    (t) =>
      `| ${t.target} | ${t.met ? 'met' : '**missed**'} | ${t.measured} | ${t.met ? '' : (reasons[t.target] ?? t.reason ?? '')} |`,
  );
  const { cpu, coldStart: cold, machine: m } = results;
  return `# Benchmarks

Latest output of \`npm run bench\` (${results.date}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}.
Raw figures: \`tools/bench/results.json\`. Reproduce with \`npm ci && npm run bench\` (about 3 minutes).

**Setup.** Both implementations run in one process against the project's Stack Exchange simulator
with 50-150 ms latency per call and the API's 30 requests/s throttle enforced (a violation bans the
client for 30 s). The product runs with the deployment defaults of \`infra/settings.ts\`: batches of
${100} records, ${BUDGET.concurrency} concurrent functions with ${BUDGET.perFunction} requests/s each
(${BUDGET.totalRequestsPerSecond} requests/s in all). The **baseline** is the handler a typical team
writes first (\`tools/bench/baseline-handler.ts\`): one API call per token of each record, records of a
batch in parallel, batches of 10, no backoff handling, the same ${BUDGET.concurrency} concurrent
functions. Baseline runs are capped in time; their figures are per token actually revoked: the
baseline exceeds 30 requests/s within its first second, the API bans it, and since it ignores the ban
it keeps calling, so nearly all its calls are throttle violations and it revokes almost nothing. The event
source is modelled in-process (\`tools/bench/event-source.ts\`): reported failures come back after 2 s,
up to 5 receives.

## Throughput and quota

| workload | implementation | tokens revoked / enqueued | API calls per 1,000 tokens (ideal 50) | tokens per call | tokens resolved/s | throttle / backoff violations | messages unfinished | peak RSS MB | baseline vs product |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## Handler CPU (per 1,000 single-token records, medians of ${cpu.repetitions} interleaved runs, simulator in another process, no latency)

| implementation | CPU ms |
| --- | --- |
| product handler | ${fixed(cpu.productMs)} |
| floor: parse the records + ${cpu.apiCallsPerRun} bare ky calls | ${fixed(cpu.floorMs)} |
| baseline handler (1,000 calls) | ${fixed(cpu.baselineMs)} |

## Cold start (bundle as deployed: esbuild, minified ESM, AWS SDK external)

| bundle | size | module initialisation (median of ${cold.runs} fresh processes) |
| --- | --- | --- |
| handler | ${fixed(cold.handlerBundleBytes / 1024)} KB | ${fixed(cold.handlerInitMs)} ms |
| floor: ky only | ${fixed(cold.floorBundleBytes / 1024)} KB | ${fixed(cold.floorInitMs)} ms |

## Cost per million tokens (from the measured figures; \`tools/bench/cost.ts\`: SQS $0.40/M requests, Lambda arm64 256 MB $0.0000133334/GB-s + $0.20/M invocations, quota 10,000 calls/day)

| workload | implementation | USD | SQS requests | Lambda GB-s | quota-days |
| --- | --- | --- | --- | --- | --- |
${costRows.join('\n')}

## Targets

| target | result | measured | reason when missed |
| --- | --- | --- | --- |
${targetRows.join('\n')}
`;
}
