import { RevocationPriority } from '../../functions/lib/message';
import type { FunctionProcess } from '../../tools/local-pipeline/function-host';
import { seededRandom } from '../../tools/simulator';
import { accountFor, enqueue, leaks, queued, sleep, usePipelines, waitFor } from './support';

/**
 * Kills the functions' processes with SIGKILL, as a Lambda timeout or a crash of the runtime does,
 * at fixed-seed random points, and checks that every token still ends revoked or parked with a reason.
 */
describe('local pipeline with killed functions', () => {
  const pipelines = usePipelines();

  /**
   * Watches invocations: for each new one, a seeded draw decides whether it dies and when (`atMs`
   * after it started); `onStart` sees it start, `mayKill` can veto at that moment, which postpones
   * the kill until `mayKill` agrees or the invocation ends; `onKill` sees each kill. Stops after
   * `kills` kills.
   */
  function killer(options: {
    readonly processes: () => readonly FunctionProcess[];
    readonly seed: number;
    readonly probability: number;
    readonly atMs: { readonly min: number; readonly max: number };
    readonly kills: number;
    readonly onStart?: () => Promise<void>;
    readonly mayKill?: () => Promise<boolean>;
    readonly onKill?: () => void;
  }) {
    const random = seededRandom(options.seed);
    const planned = new Map<string, number | undefined>();
    const killed: { pid: number; afterMs: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running && killed.length < options.kills) {
        for (const fn of options.processes()) {
          const since = fn.busySince();
          if (since === undefined) continue;
          const key = `${fn.pid}:${since}`;
          if (!planned.has(key)) {
            await options.onStart?.();
            const kill = random() < options.probability;
            const at = options.atMs.min + random() * (options.atMs.max - options.atMs.min);
            planned.set(key, kill ? since + at : undefined);
          }
          const due = planned.get(key);
          if (due === undefined || Date.now() < due) continue;
          // A veto postpones the kill to the next look, for as long as this invocation runs.
          if (!((await options.mayKill?.()) ?? true)) continue;
          if (fn.busySince() !== since) continue; // it ended while mayKill looked
          planned.set(key, undefined);
          fn.kill('SIGKILL');
          options.onKill?.();
          killed.push({ pid: fn.pid, afterMs: Date.now() - since });
        }
        await sleep(5);
      }
    })();
    return {
      killed,
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  it("loses nothing when the consumer's process is killed while it holds received messages (seed 41)", async () => {
    // Prepare
    const started = await pipelines.start('kill-consumer', { simulator: { seed: 41 } });
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    const tokens: string[] = [];
    // A run holds received messages when more are in flight than when it started.
    let atStart = 0;
    let held = 0;
    const holding: number[] = [];
    const kills = killer({
      processes: () => [p.routine.process()].filter((fn): fn is FunctionProcess => fn !== undefined),
      seed: 41,
      probability: 0.8,
      atMs: { min: 100, max: 1000 },
      kills: 5,
      onStart: async () => {
        atStart = (await p.depth(p.routineQueueUrl)).inFlight;
      },
      mayKill: async () => {
        held = (await p.depth(p.routineQueueUrl)).inFlight - atStart;
        return held > 0;
      },
      onKill: () => holding.push(held),
    });
    pipelines.onCleanup(kills.stop);
    // Act: logouts at about 5 a second until five runs were killed while holding messages (runs send
    // full calls while they receive, so a run holds messages for about a second: how many runs that
    // takes depends on the machine), at most 600 (two minutes).
    const random = seededRandom(41);
    while (kills.killed.length < 5 && tokens.length < 600) {
      const [token] = p.simulator.issueTokens(1);
      tokens.push(token as string);
      await enqueue(sqs, p, RevocationPriority.Routine, [token as string]);
      await sleep(-Math.log(1 - random()) * 200);
    }
    await waitFor('five kills', () => kills.killed.length === 5, 60_000);
    await kills.stop();
    await waitFor(
      'every token revoked',
      async () =>
        tokens.every((t) => p.simulator.tokenState(t) === 'invalidated') &&
        !p.routine.busy() &&
        (await queued(p)) === 0,
      120_000,
    );
    // Assess: each kill hit a run holding messages; nothing lost, parked or dead-lettered
    expect(holding).toHaveLength(5);
    expect(p.routine.runs().filter((run) => run.outcome === 'exited')).toHaveLength(5);
    const { lost, parked } = await accountFor(p, tokens);
    expect(lost).toEqual([]);
    expect(parked).toEqual([]);
    expect((await p.deadLetters()).length).toBe(0);
    expect(leaks(started.output, tokens)).toBe(0);
  }, 360_000);

  it("loses nothing when the urgent handler's process is killed at 20 points across invocations (seed 42)", async () => {
    // Prepare: calls of 100 to 250 ms, so an invocation lasts long enough to die in the middle
    const started = await pipelines.start('kill-urgent', {
      simulator: { seed: 42, latencyMs: { min: 100, max: 250 } },
    });
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    const tokens = p.simulator.issueTokens(200);
    const kills = killer({
      processes: () => p.urgent.processes(),
      seed: 42,
      probability: 0.7,
      atMs: { min: 0, max: 150 },
      kills: 20,
    });
    pipelines.onCleanup(kills.stop);
    // Act: 100 urgent messages of 2 tokens over 20 s; killed batches come back after 13 s
    for (let i = 0; i < tokens.length; i += 2) {
      await enqueue(sqs, p, RevocationPriority.Urgent, tokens.slice(i, i + 2), 2);
      await sleep(200);
    }
    await waitFor('twenty kills', () => kills.killed.length === 20, 90_000);
    await kills.stop();
    await waitFor(
      'the urgent lane to drain',
      async () => p.urgent.source.idle() && (await queued(p)) === 0,
      90_000,
    );
    // Assess: every token revoked or parked with a reason; each kill cost a cold start
    const { lost, letters } = await accountFor(p, tokens);
    expect(lost).toEqual([]);
    expect(letters.every((letter) => letter.reason !== '')).toBe(true);
    const stats = p.urgent.source.stats();
    expect(stats.handlerErrors).toBeGreaterThanOrEqual(20);
    expect(stats.instancesCreated).toBeGreaterThanOrEqual(21);
    expect(p.simulator.stats().backoffViolations + p.simulator.stats().throttleViolations).toBe(0);
    expect(leaks(started.output, tokens)).toBe(0);
  }, 240_000);
});
