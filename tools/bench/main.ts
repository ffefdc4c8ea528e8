/**
 * `npm run bench`: the trickle (both designs, every rate at once, in the background), the quota-edge
 * scenarios of issue 16 through the local pipeline (quota exhausted in the background; then backlogs at
 * 15 and 30 ms per SQS call, leaks on the urgent lane, the urgent reserve), the burst workloads through
 * the routine consumer (and, with --burst-designs, today's per-batch handler and the baseline), the
 * consumer's idle cost, handler CPU against its floor, cold start against a ky-only bundle. Writes
 * BENCHMARKS.md and tools/bench/results.json. Progress goes to stderr; stdout (the functions' EMF) is muted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalSqs } from '../local-sqs';
import { runBacklog } from './backlog';
import { billsFor } from './bill';
import { type BurstFigures, Implementation, runConsumerBurst, runEventSourceBurst } from './bursts';
import { measureColdStart } from './cold-start';
import { measureCpu } from './cpu';
import { deployedSettings } from './deployed';
import { type EdgeResults, edgeTargets } from './edge-report';
import { measureIdle } from './idle';
import { runLeak } from './leak';
import { perTickFlushDay } from './per-tick';
import { QuotaSpender, runQuotaExhausted } from './quota-edge';
import { MISS_REASONS } from './reasons';
import {
  type BenchResults,
  billTargets,
  burstCosts,
  burstTargets,
  machine,
  markdown,
  otherTargets,
  trickleTargets,
} from './report';
import { runReserve } from './reserve';
import { ALTERNATIVE_DESIGNS, COMPARED_DESIGNS, runTrickle } from './trickle';
import { workloads } from './workloads';

const root = join(__dirname, '..', '..');
const { values } = parseArgs({
  options: {
    /** Tokens of each burst workload: one run's worth at the routine lane's 100 tokens/s. */
    tokens: { type: 'string', default: '4000' },
    'burst-designs': { type: 'string', default: Implementation.Consumer },
    /** Tokens of the quota-edge backlogs and leaks (the issue's 10,000). */
    'edge-tokens': { type: 'string', default: '10000' },
    'baseline-seconds': { type: 'string', default: '15' },
    'trickle-seconds': { type: 'string', default: '180' },
    rates: { type: 'string', default: '0.2,0.5,2' },
    seed: { type: 'string', default: '42' },
    /** Writes BENCHMARKS.md again from tools/bench/results.json (after a reason was diagnosed), running nothing. */
    render: { type: 'boolean', default: false },
  },
});

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  if (values.render) {
    const results = JSON.parse(readFileSync(join(root, 'tools/bench/results.json'), 'utf8')) as BenchResults;
    writeFileSync(join(root, 'BENCHMARKS.md'), markdown(results, MISS_REASONS));
    log('Wrote BENCHMARKS.md from tools/bench/results.json');
    return;
  }
  const started = Date.now();
  const seed = Number(values.seed);
  const settings = deployedSettings();
  const trickleSqs = await startLocalSqs();
  const burstSqs = await startLocalSqs();
  const edgeSqs = await startLocalSqs();
  const bursts: BurstFigures[] = [];
  const edgeTokens = Number(values['edge-tokens']);
  try {
    log('trickle: every rate and both designs at once, in the background ...');
    const trickle = Promise.all(
      String(values.rates)
        .split(',')
        .map(Number)
        .map((tokensPerSecond) =>
          runTrickle({
            sqs: trickleSqs,
            settings,
            tokensPerSecond,
            durationSeconds: Number(values['trickle-seconds']),
            urgentFraction: 0.02,
            seed,
            log,
          }),
        ),
    );
    log('quota exhausted: by the own calls and from outside, in the background ...');
    const quotaExhausted = Promise.all(
      [QuotaSpender.Deployment, QuotaSpender.Outside].map((spentBy) =>
        runQuotaExhausted({
          sqsEndpoint: edgeSqs.endpoint,
          name: spentBy === QuotaSpender.Deployment ? 'quota-own' : 'quota-outside',
          spentBy,
          seed,
          // quota_max 10,000 with most of the day spent. Own calls: 40 left, below routine's floor (2,000),
          // spent by urgent arrivals and a leak (50 calls); from outside: 3,000 left, routine sends its
          // backlog (150 calls) and the rest is spent from outside while it does.
          quotaLeftAtStart: spentBy === QuotaSpender.Deployment ? 40 : 3000,
          quotaResetSeconds: 80_000,
          routineBacklogTokens: 3000,
          trickle: { tokensPerSecond: 0.5, urgentFraction: 0.2 },
          exhaustAtMs: spentBy === QuotaSpender.Deployment ? 75_000 : 70_000,
          leakTokens: 1000,
          // Runs at 60, 120, 180 and 240 s: the quota runs out in the first, the other three find it paused.
          durationMs: 250_000,
          log,
        }),
      ),
    );
    log(`backlogs of ${edgeTokens} single-token routine messages at 15 and 30 ms per SQS call ...`);
    const backlogs = await Promise.all(
      [15, 30].map((sqsLatencyMs) => runBacklog({ sqsLatencyMs, tokens: edgeTokens, seed })),
    );
    for (const b of backlogs)
      log(
        `  ${b.sqsLatencyMs} ms: ${b.confirmed}/${b.tokens} in ${b.runs} runs, ${b.tokensPerRunSecond.toFixed(1)} tokens/s while running, ${b.tokensSentTwice} sent twice, ${b.timedOutRuns} timed out`,
      );
    const leaks = [];
    for (const tokensPerMessage of [100, 1]) {
      log(`leak of ${edgeTokens} urgent tokens in messages of ${tokensPerMessage} ...`);
      const leak = await runLeak({ sqs: edgeSqs, tokens: edgeTokens, tokensPerMessage, seed });
      log(
        `  ${leak.confirmed}/${leak.tokens} in ${leak.secondsToRevokeAll?.toFixed(1)} s, ${leak.tokensSentTwice} sent twice`,
      );
      leaks.push(leak);
    }
    log(
      'urgent reserve: a routine backlog of 20,000 tokens against a budget of 100 calls, then 20 urgent tokens ...',
    );
    const reserve = await runReserve({ sqs: edgeSqs, seed });
    log(
      `  routine ${reserve.routineCalls} calls; urgent ${reserve.urgentConfirmed}/${reserve.urgentTokens}, slowest ${reserve.urgentMaxSeconds?.toFixed(1)} s`,
    );
    const designs = String(values['burst-designs']).split(',');
    for (const workload of workloads(Number(values.tokens))) {
      for (const implementation of [
        Implementation.Consumer,
        Implementation.PerBatch,
        Implementation.Baseline,
      ].filter((design) => designs.includes(design))) {
        log(`${workload.name} / ${implementation} ...`);
        const options = { seed, sqs: burstSqs, settings };
        const figures =
          implementation === Implementation.Consumer
            ? await runConsumerBurst(workload, {
                ...options,
                timeLimitMs: 5 * settings.consumer.tickSeconds * 1000,
              })
            : await runEventSourceBurst(workload, implementation, {
                ...options,
                timeLimitMs:
                  implementation === Implementation.Baseline
                    ? Number(values['baseline-seconds']) * 1000
                    : 120_000,
              });
        log(
          `  ${figures.tokensConfirmed} tokens, ${figures.apiCalls} calls, ${figures.tokensPerCall.toFixed(2)} tokens/call, ${figures.tokensPerSecond.toFixed(0)} tokens/s of ${figures.budgetTokensPerSecond}, violations ${figures.throttleViolations}/${figures.backoffViolations}`,
        );
        bursts.push(figures);
      }
    }
    const rates = await trickle;
    const edge: EdgeResults = { quotaExhausted: await quotaExhausted, reserve, backlogs, leaks };
    for (const q of edge.quotaExhausted)
      log(
        `  quota exhausted (${q.spentBy}): ${q.callsWhilePaused} calls while paused, ${q.routineReceivesWhilePaused} routine receives, ${q.deadLetters} dead letters`,
      );
    const measured = rates.flatMap((rate) => rate.measured);
    const trickleFigures = measured.filter((f) => COMPARED_DESIGNS.includes(f.design));
    log('consumer idle cost ...');
    const idle = await measureIdle(burstSqs, settings);
    log(`  ${idle.runMs} ms a run, $${idle.monthly.usd.toFixed(2)} a month`);
    log('monthly bill ...');
    const { bills } = await billsFor(burstSqs, { idle, trickle: trickleFigures });
    for (const bill of bills)
      log(
        `  ${bill.tokensPerSecond === 0 ? 'idle' : `${bill.tokensPerSecond} tokens/s`}: $${bill.totalUsd.toFixed(2)} a month (first year), $${bill.totalAfterRotationsUsd.toFixed(2)} from the third year`,
      );
    log('handler CPU ...');
    const cpu = await measureCpu(root);
    log(`  product ${cpu.productMs.toFixed(1)} ms, floor ${cpu.floorMs.toFixed(1)} ms per 1,000 records`);
    log('cold start ...');
    const coldStart = await measureColdStart(root, join(root, '.bench-tmp'));
    log(
      `  bundle ${(coldStart.handlerBundleBytes / 1024).toFixed(1)} KB, init ${coldStart.handlerInitMs.toFixed(1)} ms (floor ${coldStart.floorInitMs.toFixed(1)} ms)`,
    );

    const results: BenchResults = {
      date: new Date().toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      machine: machine(),
      settings,
      trickle: trickleFigures,
      alternatives: measured.filter((f) => ALTERNATIVE_DESIGNS.includes(f.design)),
      perTickFlush: rates.map((rate) => rate.perTickFlush),
      perTickFlushDay: perTickFlushDay(settings, seed),
      bursts,
      idle,
      cpu,
      coldStart,
      costs: burstCosts(bursts, settings.memoryMb),
      bills,
      edge,
      targets: [
        ...billTargets(bills),
        ...trickleTargets(trickleFigures, settings),
        ...edgeTargets(edge),
        ...burstTargets(bursts),
        ...otherTargets(idle, cpu, coldStart),
      ],
    };
    writeFileSync(join(root, 'tools/bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(root, 'BENCHMARKS.md'), markdown(results, MISS_REASONS));
    for (const target of results.targets)
      log(`${target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.measured}`);
    log(
      `Wrote BENCHMARKS.md and tools/bench/results.json (${((Date.now() - started) / 60_000).toFixed(1)} minutes)`,
    );
  } finally {
    await Promise.all([trickleSqs.stop(), burstSqs.stop(), edgeSqs.stop()]);
  }
}

// The functions publish EMF blocks on stdout; the bench reports on stderr and in its files.
const write = process.stdout.write;
process.stdout.write = (() => true) as typeof process.stdout.write;
main()
  .catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  })
  .finally(() => {
    process.stdout.write = write;
  });
