/** Counters of a schedule. */
export interface ScheduleStats {
  /** Times the schedule fired. */
  readonly ticks: number;
  /** Invocations started. */
  readonly runs: number;
  /** Ticks that found the function busy and grew older than the maximum event age: never run. */
  readonly dropped: number;
}

export interface ScheduleOptions {
  /** The rate of the schedule. */
  readonly tickMs: number;
  /**
   * How long a tick that finds the function busy may wait (reserved concurrency 1 throttles it; the
   * asynchronous invocation's maximum event age ends its retries). @default tickMs
   */
  readonly maxEventAgeMs?: number;
  /** Invokes the function; resolves when the invocation ended, however it ended. */
  readonly invoke: (tick: number) => Promise<void>;
}

/**
 * EventBridge Scheduler with a fixed rate and no flexible window, invoking a function with reserved
 * concurrency 1: one invocation at a time; a tick that finds it busy waits until it is free, unless
 * it is older than the maximum event age by then (dropped); only the newest waiting tick is kept.
 * `pause` disables the schedule, `resume` enables it again (the next tick one period later).
 */
export class Schedule {
  readonly #options: ScheduleOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #waiting: { readonly tick: number; readonly at: number } | undefined;
  #ticks = 0;
  #runs = 0;
  #dropped = 0;

  constructor(options: ScheduleOptions) {
    this.#options = options;
  }

  get paused(): boolean {
    return this.#timer === undefined;
  }

  stats(): ScheduleStats {
    return { ticks: this.#ticks, runs: this.#runs, dropped: this.#dropped };
  }

  /** True while an invocation runs. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  resume(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#options.tickMs);
  }

  pause(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Disables the schedule and waits for the running invocation. */
  async stop(): Promise<void> {
    this.pause();
    this.#waiting = undefined;
    await this.#running;
  }

  #tick(): void {
    this.#ticks += 1;
    const tick = this.#ticks;
    if (this.#running === undefined) {
      this.#run(tick);
      return;
    }
    if (this.#waiting !== undefined) this.#dropped += 1;
    this.#waiting = { tick, at: Date.now() };
  }

  #run(tick: number): void {
    this.#runs += 1;
    const invocation = this.#options.invoke(tick).catch(() => undefined);
    this.#running = invocation.finally(() => {
      this.#running = undefined;
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting === undefined) return;
      if (Date.now() - waiting.at <= (this.#options.maxEventAgeMs ?? this.#options.tickMs))
        this.#run(waiting.tick);
      else this.#dropped += 1;
    });
  }
}
