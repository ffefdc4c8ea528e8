import { cpus, totalmem } from 'node:os';
import { RECEIVE_WAIT_SECONDS } from '../../functions/lib/limits';
import { DEFAULT_RECEIVE_JITTER_MS } from '../event-source';
import { type BurstFigures, Implementation } from './bursts';
import type { ColdStartFigures } from './cold-start';
import { type CostPerMillionTokens, costPerMillionTokens, monthlyRunsCost, PRICES } from './cost';
import type { CpuFigures } from './cpu';
import type { DeployedSettings } from './deployed';
import { type EdgeResults, edgeMarkdown } from './edge-report';
import { callCeiling, type PerTickFlush, type TimeToRevoke } from './figures';
import type { IdleFigures } from './idle';
import { billMarkdown, type MonthlyBill } from './monthly-bill';
import { Design, type TrickleFigures } from './trickle';

export interface Target {
  readonly target: string;
  readonly met: boolean;
  readonly measured: string;
}

export interface BenchResults {
  readonly date: string;
  readonly wallSeconds: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly node: string;
  };
  readonly settings: DeployedSettings;
  /** The two designs the issue compares. */
  readonly trickle: readonly TrickleFigures[];
  /** Alternatives run on the same arrivals, for the decision record. */
  readonly alternatives: readonly TrickleFigures[];
  /** A per-tick-only consumer, modelled from the same arrivals. */
  readonly perTickFlush: readonly PerTickFlush[];
  /** The same model over a whole day, at more rates. */
  readonly perTickFlushDay: readonly PerTickFlush[];
  readonly bursts: readonly BurstFigures[];
  readonly idle: IdleFigures;
  readonly cpu: CpuFigures;
  readonly coldStart: ColdStartFigures;
  readonly costs: readonly { workload: string; implementation: string; cost: CostPerMillionTokens }[];
  /** The monthly bill of what `cdk synth` deploys: idle and at BILL_RATES. */
  readonly bills: readonly MonthlyBill[];
  /** The quota-edge scenarios (issue 16) through the local pipeline. */
  readonly edge: EdgeResults;
  readonly targets: readonly Target[];
}

const fixed = (value: number | undefined, digits = 1) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

export function machine(): BenchResults['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  };
}

/** The routine p95 the issue allows: maxHold + 10 s. */
export const routineP95LimitSeconds = (settings: DeployedSettings) => settings.consumer.maxHoldSeconds + 10;
export const URGENT_P95_LIMIT_SECONDS = 10;

/** The issue's trickle targets, for the two-lane design at each rate. */
export function trickleTargets(trickle: readonly TrickleFigures[], settings: DeployedSettings): Target[] {
  const routineLimit = routineP95LimitSeconds(settings);
  return trickle
    .filter((f) => f.design === Design.TwoLanes)
    .flatMap((f) => {
      const rate = `trickle ${f.tokensPerSecond} tokens/s`;
      const tokens = f.routineTokens + f.urgentTokens;
      return [
        {
          target: `${rate}: calls <= 1.15 x floor + 1`,
          met: f.apiCalls <= f.ceiling,
          measured: `${f.apiCalls} calls, floor ${f.floor}, limit ${fixed(f.ceiling, 2)}`,
        },
        {
          target: `${rate}: routine p95 <= ${routineLimit} s`,
          met: f.routine.p95 !== undefined && f.routine.p95 <= routineLimit,
          measured: `${fixed(f.routine.p95)} s (${f.routine.confirmed} tokens)`,
        },
        {
          target: `${rate}: urgent p95 <= ${URGENT_P95_LIMIT_SECONDS} s`,
          met: f.urgent.p95 !== undefined && f.urgent.p95 <= URGENT_P95_LIMIT_SECONDS,
          measured: `${fixed(f.urgent.p95)} s (${f.urgent.confirmed} tokens)`,
        },
        {
          target: `${rate}: every token confirmed, nothing in the dead-letter queue`,
          met: f.confirmed === tokens && f.deadLetters === 0,
          measured: `${f.confirmed} / ${tokens}, ${f.deadLetters} dead letters`,
        },
        {
          target: `${rate}: 0 throttle or backoff violations`,
          met: f.throttleViolations + f.backoffViolations === 0,
          measured: `${f.throttleViolations} throttle, ${f.backoffViolations} backoff`,
        },
      ];
    });
}

/** The burst targets, for the routine consumer (the lane that now takes bursts of routine tokens). */
export function burstTargets(bursts: readonly BurstFigures[]): Target[] {
  return bursts
    .filter((f) => f.implementation === Implementation.Consumer)
    .flatMap((f) => {
      const steady = !f.workload.includes('faults');
      const share = f.tokensPerSecond / f.budgetTokensPerSecond;
      return [
        ...(steady
          ? [
              {
                target: `${f.workload} (consumer): >= 19.5 tokens per call`,
                met: f.tokensPerCall >= 19.5,
                measured: fixed(f.tokensPerCall, 2),
              },
              {
                target: `${f.workload} (consumer): throughput >= 90% of ${f.budgetTokensPerSecond} tokens/s`,
                met: share >= 0.9,
                measured: `${fixed(f.tokensPerSecond)} tokens/s (${fixed(100 * share)}%)`,
              },
            ]
          : []),
        {
          target: `${f.workload} (consumer): 0 throttle or backoff violations`,
          met: f.throttleViolations + f.backoffViolations === 0,
          measured: `${f.throttleViolations} throttle, ${f.backoffViolations} backoff`,
        },
        {
          target: `${f.workload} (consumer): nothing left or lost`,
          met: f.unfinished === 0 && f.deadLetters === 0,
          measured: `${f.unfinished} unfinished, ${f.deadLetters} dead letters`,
        },
      ];
    });
}

export function otherTargets(idle: IdleFigures, cpu: CpuFigures, cold: ColdStartFigures): Target[] {
  return [
    {
      target: 'consumer idle cost < $1 a month',
      met: idle.monthly.usd < 1,
      measured: `$${fixed(idle.monthly.usd, 2)} a month`,
    },
    {
      target: 'handler CPU per 1,000 records <= 1.2x the floor',
      met: cpu.ratio.median <= 1.2,
      measured: `${fixed(cpu.productMs)} ms vs ${fixed(cpu.floorMs)} ms (${fixed(cpu.ratio.median, 2)}x, median of ${cpu.repetitions} rounds; quartiles ${fixed(cpu.ratio.lower, 2)}-${fixed(cpu.ratio.upper, 2)}x; load average ${fixed(cpu.loadAverage, 2)})`,
    },
    {
      target: 'bundle <= 80 KB minified',
      met: cold.handlerBundleBytes <= 80 * 1024,
      measured: `${fixed(cold.handlerBundleBytes / 1024)} KB`,
    },
    {
      target: 'initialisation <= 1.25x the ky-only floor',
      met: cold.handlerInitMs <= 1.25 * cold.floorInitMs,
      measured: `${fixed(cold.handlerInitMs)} ms vs ${fixed(cold.floorInitMs)} ms (${fixed(cold.handlerInitMs / cold.floorInitMs, 2)}x)`,
    },
  ];
}

/** The idle bill's target, first year and once the keys have rotated twice. */
export const IDLE_BILL_TARGET_USD = 6;

export function billTargets(bills: readonly MonthlyBill[]): Target[] {
  const idle = bills.find((bill) => bill.tokensPerSecond === 0);
  if (idle === undefined) return [];
  const keys = idle.lines.find((item) => item.item === 'KMS keys');
  return [
    {
      target: `idle bill <= $${IDLE_BILL_TARGET_USD} a month with the defaults (first year)`,
      met: idle.totalUsd <= IDLE_BILL_TARGET_USD,
      measured: `$${fixed(idle.totalUsd, 2)} a month`,
    },
    {
      target: `idle bill <= $${IDLE_BILL_TARGET_USD} a month with the defaults (from the third year)`,
      met: idle.totalAfterRotationsUsd <= IDLE_BILL_TARGET_USD,
      measured: `$${fixed(idle.totalAfterRotationsUsd, 2)} a month (${fixed(keys?.quantity, 0)} KMS keys, each billed $3 after two yearly rotations)`,
    },
  ];
}

export function burstCosts(bursts: readonly BurstFigures[], memoryMb: number) {
  return bursts.map((f) => ({
    workload: f.workload,
    implementation: f.implementation,
    cost: costPerMillionTokens(
      {
        tokens: Math.max(1, f.tokensConfirmed),
        apiCalls: f.apiCalls,
        invocations: f.invocations,
        invocationMs: f.invocationMs,
        sqsRequests: f.sqsRequests,
        schedulerInvocations: f.schedulerInvocations,
      },
      memoryMb,
    ),
  }));
}

const seconds = (t: TimeToRevoke) =>
  t.confirmed === 0 ? 'none' : `${fixed(t.p50)} / ${fixed(t.p95)} / ${fixed(t.max)}`;

function trickleRows(trickle: readonly TrickleFigures[]): string[] {
  return trickle.map(
    (f) =>
      `| ${f.tokensPerSecond} | ${f.design} | ${f.routineTokens} + ${f.urgentTokens} | ${f.apiCalls} | ${f.floor} | ${fixed(f.apiCalls / f.floor, 2)}x | ${fixed(f.tokensPerCall, 2)} | ${grouped(f.callsPerDay)} | ${fixed(f.hoursUntilQuotaSpent)} | ${seconds(f.routine)} | ${seconds(f.urgent)} | ${f.confirmed} / ${f.routineTokens + f.urgentTokens} | ${f.throttleViolations} / ${f.backoffViolations} | ${fixed(f.lambdaGbSeconds, 2)} | ${fixed(f.cost.lambdaGbSeconds, 0)} | ${fixed(f.cost.usd, 2)} |`,
  );
}

/** What the consumer's runs cost in a month of steady traffic at each rate (Lambda and scheduler). */
function consumerMonth(results: BenchResults): string {
  const rows = results.trickle.flatMap((f) =>
    f.meanRunMs === undefined
      ? []
      : [
          {
            rate: f.tokensPerSecond,
            seconds: f.meanRunMs / 1000,
            month: monthlyRunsCost({
              tickSeconds: results.settings.consumer.tickSeconds,
              runMs: f.meanRunMs,
              sqsRequestsPerRun: 0,
              memoryMb: results.settings.memoryMb,
            }),
          },
        ],
  );
  return `**Price of holding.** A run that holds tokens stays up in rounds until its deadline, so Lambda bills
most of each minute while traffic lasts: mean run ${rows.map((r) => `${fixed(r.seconds)} s at ${r.rate} tokens/s`).join(', ')},
that is ${rows.map((r) => `$${fixed(r.month.usd, 2)}`).join(', ')} a month of Lambda time, requests and scheduler invocations
under steady traffic (SQS requests come on top: see USD per M tokens). Today's design bills only its
short invocations, and its pollers' receives.
`;
}

function alternativeRows(results: BenchResults): string[] {
  const measured = [...results.trickle, ...results.alternatives].map(
    (f) =>
      `| ${f.tokensPerSecond} | ${f.design} | run | ${f.apiCalls} | ${f.floor} | ${fixed(f.apiCalls / f.floor, 2)}x | ${fixed(f.tokensPerCall, 2)} | ${seconds(f.routine)} | ${fixed(f.cost.usd, 2)} |`,
  );
  const modelled = results.perTickFlush.map(
    (f) =>
      `| ${f.tokensPerSecond} | consumer run per tick only | modelled | ${f.calls} | ${f.floor} | ${fixed(f.calls / f.floor, 2)}x | ${fixed(f.tokensPerCall, 2)} | ${fixed(f.routine.p50)} / ${fixed(f.routine.p95)} / ${fixed(f.routine.max)} | |`,
  );
  return [...measured, ...modelled].sort((a, b) => rateOf(a) - rateOf(b));
}

const rateOf = (row: string) => Number(row.split('|')[1]);

function burstRows(bursts: readonly BurstFigures[]): string[] {
  return bursts.map(
    (f) =>
      `| ${f.workload} | ${f.implementation} | ${f.tokensConfirmed} / ${f.tokensEnqueued} | ${fixed(f.apiCallsPer1000Tokens)} | ${fixed(f.tokensPerCall, 2)} | ${fixed(f.tokensPerSecond)} | ${fixed((100 * f.tokensPerSecond) / f.budgetTokensPerSecond)}% of ${f.budgetTokensPerSecond} | ${fixed(f.firstCallAfterMs === undefined ? undefined : f.firstCallAfterMs / 1000)} | ${f.throttleViolations} / ${f.backoffViolations} | ${f.unfinished} | ${f.deadLetters} | ${fixed(f.peakRssMb)} |`,
  );
}

const limitOf = (bursts: readonly BurstFigures[], implementation: string) =>
  fixed((bursts.find((f) => f.implementation === implementation)?.timeLimitMs ?? Number.NaN) / 1000, 0);

function bulkSentence(bursts: readonly BurstFigures[], visibilitySeconds: number): string {
  const find = (implementation: string) =>
    bursts.find((f) => f.workload === 'bulk-100' && f.implementation === implementation);
  const consumer = find(Implementation.Consumer);
  const today = find(Implementation.PerBatch);
  if (consumer === undefined || today === undefined) return '';
  const share = (f: BurstFigures) => fixed((100 * f.tokensPerSecond) / f.budgetTokensPerSecond);
  return `**Bulk at the full budget.** A leak of 10,000 tokens in messages of 100 goes through the routine
consumer at ${fixed(consumer.tokensPerSecond)} tokens/s, ${share(consumer)}% of its ${consumer.budgetTokensPerSecond} tokens/s
(${fixed(consumer.tokensPerSecond / 20, 1)} of its ${consumer.budgetTokensPerSecond / 20} requests/s), ${fixed(consumer.tokensPerCall, 2)} tokens per call, in one run.
Today's per-batch handler revokes ${today.tokensConfirmed} of the 10,000 at ${fixed(today.tokensPerSecond)} tokens/s, ${share(today)}% of its ${today.budgetTokensPerSecond} tokens/s
(36% in the issue), with ${today.unfinished} messages still waiting for their visibility timeout: a batch of a few
messages holds thousands of tokens, one function sends what its quarter of the budget allows before
its timeout and reports the rest failed, and they come back only after the ${visibilitySeconds} s visibility timeout.
`;
}

/** BENCHMARKS.md: the tables, the machine, the command to reproduce, and every target with met/missed and the reason of a miss. */
export function markdown(results: BenchResults, reasons: Readonly<Record<string, string>>): string {
  const { cpu, coldStart: cold, machine: m, settings: s, idle } = results;
  const c = s.consumer;
  const u = s.urgent;
  const p = s.perBatch;
  const rates = [...new Set(results.trickle.map((f) => f.tokensPerSecond))].join(', ');
  const trickleSeconds = results.trickle[0]?.seconds ?? 0;
  const costRows = results.costs.map(
    (row) =>
      `| ${row.workload} | ${row.implementation} | ${fixed(row.cost.usd, 4)} | ${fixed(row.cost.sqsRequests, 0)} | ${fixed(row.cost.lambdaGbSeconds, 1)} | ${fixed(row.cost.quotaDays, 2)} |`,
  );
  const targetRows = results.targets.map(
    (t) =>
      `| ${t.target} | ${t.met ? 'met' : '**missed**'} | ${t.measured} | ${t.met ? '' : (reasons[t.target] ?? 'not diagnosed yet')} |`,
  );
  return `# Benchmarks

Latest output of \`npm run bench\` (${results.date}) on ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}.
Raw figures: \`tools/bench/results.json\`. Reproduce with \`npm ci && npm run bench\` (this run: ${fixed(results.wallSeconds / 60)} minutes).

**Setup.** Everything runs against the project's Stack Exchange simulator (50-150 ms per call, the API's
30 requests/s throttle enforced, a violation bans the client for 30 s) and the local SQS server
(fauxqs), with the real functions built by \`createHandler\` and \`createConsumer\`. Lambda's SQS event
source is the model in \`tools/event-source\`: ${p.pollers} pollers each gathering its own batch, at most
\`maxConcurrency\` invocations, no reads at the cap, one handler instance (own client, own share of the
budget) per concurrent invocation. EventBridge Scheduler is the timer of \`tools/local-pipeline/schedule.ts\`.
Settings: the construct's defaults (\`resolveProps({})\`, the budget split by \`infra/settings.ts\`), memory ${s.memoryMb} MB:
- **two lanes** (the product): routine tokens go to the routine queue, drained by the single consumer,
  invoked every ${c.tickSeconds} s, each run with a ${c.functionTimeoutInSeconds} s function timeout, maxHold ${c.maxHoldSeconds} s, ${c.requestsPerSecond} requests/s,
  ${c.callConcurrency} calls in flight; urgent tokens go to the urgent queue: batch ${u.batchSize}, window ${u.maxBatchingWindowInSeconds} s, ${u.pollers} pollers,
  ${u.maxConcurrency} instances x ${u.requestsPerSecondPerFunction} requests/s.
- **per-batch (today)**: every token through the SQS-triggered handler: batch ${p.batchSize}, window
  ${p.maxBatchingWindowInSeconds} s, ${p.pollers} pollers, ${p.maxConcurrency} instances x ${p.requestsPerSecondPerFunction} requests/s.
- **baseline**: the handler a typical team writes first (\`tools/bench/baseline-handler.ts\`): one call per
  token, batches of 10, no window, no backoff handling; it is banned within its first second and keeps
  calling, so it revokes almost nothing. Its runs stop after a fixed time.

The trickle rates run at the same time (each design and rate with its own simulator and queues), in the
background of the burst runs: the machine has ${m.cores} cores and the trickle needs almost no CPU.
Time to revoke runs from the send of the message (within milliseconds of its SentTimestamp) to the
answer that confirms the token. Cost: SQS requests as counted on the wire (sends, receives including
empty long polls, deletes, visibility changes), Lambda wall time x ${s.memoryMb} MB at the arm64 price,
Lambda and scheduler invocations (\`tools/bench/cost.ts\`: SQS $0.40/M requests, Lambda $${PRICES.lambdaArmPerGbSecondUsd}/GB-s + $0.20/M
invocations, EventBridge Scheduler $1.00/M).

## Trickle: single-token logouts (Poisson, ${rates} tokens/s, ${trickleSeconds} s each, 2% urgent)

The floor is \`max(ceil(R/20), ceil(T/L)) + U\` for R routine and U urgent tokens over T = ${trickleSeconds} s with
L = maxHold = ${c.maxHoldSeconds} s. Urgent tokens are 2% of the arrivals, at least one per rate. Calls per day and
the hours until a ${grouped(PRICES.dailyQuota)}-call quota is spent assume the rate all day. A waiting poller of the event
source takes each new message at random, as SQS hands a message to any one of the receives waiting on
it (\`tools/event-source\`: a random pause of 0-${DEFAULT_RECEIVE_JITTER_MS} ms before each receive of the pollers). Left to itself the
local server gives the next message to the poller that has just received, which gathers a trickle into one
poller's batch and flatters the per-batch designs (in one such run today's design made 1.5-5.5x the floor).

| tokens/s | design | tokens (routine + urgent) | calls | floor | calls / floor | tokens per call | calls per day | hours until 10,000 calls | routine time to revoke p50 / p95 / max s | urgent p50 / p95 / max s | confirmed | throttle / backoff violations | Lambda GB-s | Lambda GB-s per M tokens | USD per M tokens |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${trickleRows(results.trickle).join('\n')}

${consumerMonth(results)}

### Alternatives on the same arrivals (for the decision record)

Today's handler with a batching window of maxHold (60 s), with Lambda's 5 pollers and with 2 pollers
(provisioned mode's minimum; also what EventBridge Pipes does with a 60 s window) were run beside the
two designs above. The consumer that runs once per tick and must flush every run (no rounds) is
modelled from the same arrivals: each run at a tick sends what arrived since the last one.

| tokens/s | design | how | calls | floor | calls / floor | tokens per call | routine time to revoke p50 / p95 / max s | USD per M tokens |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${alternativeRows(results).join('\n')}

Three minutes hold three ticks; over a modelled day (routine tokens only) the per-tick-only consumer
pays one partial call per tick, most where a tick's tokens are just above a multiple of 20:

| tokens/s | calls per day | floor | calls / floor | within 1.15 x floor + 1 |
| --- | --- | --- | --- | --- |
${results.perTickFlushDay.map((f) => `| ${f.tokensPerSecond} | ${grouped(f.calls)} | ${grouped(f.floor)} | ${fixed(f.calls / f.floor, 2)}x | ${f.calls <= callCeiling(f.floor) ? 'yes' : 'no'} |`).join('\n')}

${edgeMarkdown(results.edge)}
## Bursts (${grouped(results.bursts[0]?.tokensEnqueued ?? 0)} tokens)

Each workload holds about one run's worth of tokens for the routine lane (5 requests/s, 100 tokens/s, in a
50 s run); backlogs of 10,000 tokens, which take more than one run, are in the quota-edge section above.
Today's per-batch handler and the baseline run with \`npm run bench -- --burst-designs "routine consumer,per-batch (today),baseline"\`.
The per-batch handler and the baseline take the bursts as they arrive (bursts of 500 messages every
second, or 10 bulk messages a second) and get ${limitOf(results.bursts, Implementation.PerBatch)} s (the baseline ${limitOf(results.bursts, Implementation.Baseline)} s); the queue has the deployed
visibility timeout (${p.visibilityTimeoutInSeconds} s), so a batch reported failed is still waiting when the run ends ("unfinished").
The routine consumer finds the whole workload waiting (a backlog a run finds): its first run starts
at once, later runs come every tick. Throughput: tokens resolved per second from the start to the
last successful call (to the end of the run when messages are unfinished); the share is of the
implementation's own request budget. Peak RSS is the bench process's, the trickle's pipelines included.

| workload | implementation | tokens revoked / enqueued | API calls per 1,000 tokens (ideal 50) | tokens per call | tokens resolved/s | of the budget (tokens/s) | first call after s | throttle / backoff violations | messages unfinished | dead letters | bench peak RSS MB |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${burstRows(results.bursts).join('\n')}

${bulkSentence(results.bursts, p.visibilityTimeoutInSeconds)}
## Idle cost of the routine consumer

A run on an empty routine queue makes ${fixed(idle.sqsRequestsPerRun, 0)} SQS request (a ${RECEIVE_WAIT_SECONDS.default} s long poll that answers empty) and ends:
${fixed(idle.runMs, 0)} ms (median of ${idle.runs} warm runs). A month has ${grouped(idle.monthly.runs)} runs at one per ${idle.tickSeconds} s:
${grouped(idle.monthly.lambdaGbSeconds)} GB-s ($${fixed(idle.monthly.lambdaGbSeconds * PRICES.lambdaArmPerGbSecondUsd, 3)}) + ${grouped(idle.monthly.lambdaRequests)} Lambda requests ($${fixed(idle.monthly.lambdaRequests * PRICES.lambdaPerRequestUsd, 3)})
+ ${grouped(idle.monthly.sqsRequests)} SQS receives ($${fixed(idle.monthly.sqsRequests * PRICES.sqsPerRequestUsd, 3)}) + ${grouped(idle.monthly.schedulerInvocations)} scheduler invocations ($${fixed(idle.monthly.schedulerInvocations * PRICES.schedulerPerInvocationUsd, 3)})
= **$${fixed(idle.monthly.usd, 2)} a month** at list prices, before the free tiers (which cover all of it in most accounts).

## Handler CPU (per 1,000 single-token records, medians of ${cpu.repetitions} interleaved runs, simulator in another process, no latency)

Each round runs the product and the floor back to back; the target compares them round by round:
${fixed(cpu.ratio.median, 2)}x the floor (quartiles ${fixed(cpu.ratio.lower, 2)}-${fixed(cpu.ratio.upper, 2)}x), one-minute load average ${fixed(cpu.loadAverage, 2)} at the end.

| implementation | CPU ms |
| --- | --- |
| product handler | ${fixed(cpu.productMs)} |
| floor: parse the records + ${cpu.apiCallsPerRun} bare ky calls | ${fixed(cpu.floorMs)} |
| baseline handler (1,000 calls) | ${fixed(cpu.baselineMs)} |

## Cold start (esbuild, minified ESM for Node 24, as \`npm run build\` bundles the deployed handler)

| bundle | size | module initialisation (median of ${cold.runs} fresh processes) |
| --- | --- | --- |
| handler as deployed: the entry a cold start loads (${fixed(cold.deployedCodeBytes / 1024)} KB with the AWS SDK chunks it loads on first use) | ${fixed(cold.deployedBundleBytes / 1024)} KB | ${fixed(cold.handlerInitMs)} ms |
| handler's own code (AWS SDK left out; not deployed) | ${fixed(cold.handlerBundleBytes / 1024)} KB | – |
| floor: ky only | ${fixed(cold.floorBundleBytes / 1024)} KB | ${fixed(cold.floorInitMs)} ms |

## The monthly bill (what \`cdk synth\` deploys with the defaults, list prices, us-east-1)

\`npm run bill\` prints this table alone (run times from this file's last run, log bytes and metrics measured on the functions).

${billMarkdown(results.bills)}

## Cost per million tokens of the bursts (from the measured figures)

| workload | implementation | USD | SQS requests | Lambda GB-s | quota-days |
| --- | --- | --- | --- | --- | --- |
${costRows.join('\n')}

## Targets

| target | result | measured | reason when missed |
| --- | --- | --- | --- |
${targetRows.join('\n')}
`;
}
