import { ConfigurationError } from '../../functions/lib/errors';
import type { ConsumerConfig } from '../../functions/routine-consumer/config';
import type { DrainReport } from '../../functions/routine-consumer/drain';
import { RuntimeExitedError } from '../event-source';
import { FunctionError, type FunctionProcess, startFunctionProcess } from './function-host';
import { FunctionKind } from './function-protocol';
import { Schedule, type ScheduleStats } from './schedule';

/** One scheduled invocation of the consumer. */
export interface RoutineRun {
  readonly tick: number;
  readonly startedAt: number;
  readonly durationMs: number;
  /** `exited`: the process died (killed); `timeout`: Lambda ended it at the function timeout. */
  readonly outcome: 'success' | 'error' | 'timeout' | 'exited' | 'init_error';
  readonly report?: DrainReport;
}

export interface RoutineLaneOptions {
  /** The consumer's configuration; `tickSeconds` is also the schedule's rate. */
  readonly config: ConsumerConfig;
  /** The consumer's function timeout, below the tick. */
  readonly functionTimeoutMs: number;
  /** The function process's logs. @default discarded */
  readonly onOutput?: (text: string) => void;
  readonly onRun?: (run: RoutineRun) => void;
  /** Called with each new consumer process (tests kill it). */
  readonly onProcess?: (fn: FunctionProcess) => void;
  /** Starts with the schedule disabled. @default false */
  readonly paused?: boolean;
}

/** The routine lane: a schedule invoking the single consumer, one process at a time (reserved concurrency 1). */
export interface RoutineLane {
  /** The consumer's process, if one is alive. */
  process(): FunctionProcess | undefined;
  runs(): readonly RoutineRun[];
  stats(): ScheduleStats;
  /** True while a run is going. */
  busy(): boolean;
  /** When the schedule fires next (epoch ms), or undefined while it is paused. */
  nextRunAt(): number | undefined;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function startRoutineLane(options: RoutineLaneOptions): RoutineLane {
  const tickMs = options.config.tickSeconds * 1000;
  if (options.functionTimeoutMs >= tickMs) {
    throw new ConfigurationError(
      'functionTimeoutMs',
      `${options.functionTimeoutMs} must be below the tick (${tickMs} ms) so that runs never overlap`,
    );
  }
  let current: FunctionProcess | undefined;
  const runs: RoutineRun[] = [];

  const instance = async (): Promise<FunctionProcess> => {
    if (current !== undefined) return current;
    const fn = await startFunctionProcess({
      kind: FunctionKind.Routine,
      config: options.config,
      onOutput: options.onOutput,
    });
    current = fn;
    void fn.exited.then(() => {
      if (current === fn) current = undefined;
    });
    options.onProcess?.(fn);
    return fn;
  };

  const invoke = async (tick: number, scheduledAt: number): Promise<void> => {
    const startedAt = Date.now();
    const finish = (outcome: RoutineRun['outcome'], report?: DrainReport) => {
      const run: RoutineRun = { tick, startedAt, durationMs: Date.now() - startedAt, outcome, report };
      runs.push(run);
      options.onRun?.(run);
    };
    let fn: FunctionProcess;
    try {
      fn = await instance();
    } catch {
      finish('init_error');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.functionTimeoutMs);
    });
    // The input the stack's schedule sends (infra/routine-lane.ts): the tick's scheduled time.
    const event = { scheduledTime: new Date(scheduledAt).toISOString() };
    try {
      const answer = await Promise.race([fn.invoke(event, startedAt + options.functionTimeoutMs), timedOut]);
      if (answer === 'timeout') {
        await fn.close(); // Lambda ends the runtime at the timeout
        finish('timeout');
      } else finish('success', answer as DrainReport);
    } catch (error) {
      if (error instanceof RuntimeExitedError) finish('exited');
      else finish(error instanceof FunctionError ? 'error' : 'exited');
    } finally {
      clearTimeout(timer);
    }
  };

  const schedule = new Schedule({ tickMs, invoke });
  if (options.paused !== true) schedule.resume();
  return {
    process: () => current,
    runs: () => runs,
    stats: () => schedule.stats(),
    busy: () => schedule.busy,
    nextRunAt: () => schedule.nextTickAt(),
    pause: () => schedule.pause(),
    resume: () => schedule.resume(),
    async stop() {
      await schedule.stop();
      await current?.close();
    },
  };
}
