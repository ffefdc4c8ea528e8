/**
 * `npm run bench`: the trickle (both designs, every rate at once, in the background), the burst
 * workloads through today's per-batch handler, the baseline and the routine consumer, the consumer's
 * idle cost, handler CPU against its floor, cold start against a ky-only bundle. Writes BENCHMARKS.md
 * and tools/bench/results.json. Progress goes to stderr; stdout (the functions' EMF) is muted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalSqs } from '../local-sqs';
import { billsFor } from './bill';
import { type BurstFigures, Implementation, runConsumerBurst, runEventSourceBurst } from './bursts';
import { measureColdStart } from './cold-start';
import { measureCpu } from './cpu';
import { deployedSettings } from './deployed';
import { measureIdle } from './idle';
import { perTickFlushDay } from './per-tick';
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
import { ALTERNATIVE_DESIGNS, COMPARED_DESIGNS, runTrickle } from './trickle';
import { workloads } from './workloads';

const root = join(__dirname, '..', '..');
const { values } = parseArgs({
  options: {
    tokens: { type: 'string', default: '10000' },
    'baseline-seconds': { type: 'string', default: '15' },
    'trickle-seconds': { type: 'string', default: '180' },
    rates: { type: 'string', default: '0.2,0.5,2' },
    seed: { type: 'string', default: '42' },
  },
});

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const started = Date.now();
  const seed = Number(values.seed);
  const settings = deployedSettings();
  const trickleSqs = await startLocalSqs();
  const burstSqs = await startLocalSqs();
  const bursts: BurstFigures[] = [];
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
    for (const workload of workloads(Number(values.tokens))) {
      for (const implementation of [
        Implementation.Consumer,
        Implementation.PerBatch,
        Implementation.Baseline,
      ]) {
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
      targets: [
        ...billTargets(bills),
        ...trickleTargets(trickleFigures, settings),
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
    await Promise.all([trickleSqs.stop(), burstSqs.stop()]);
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
