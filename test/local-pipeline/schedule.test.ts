import { Schedule } from '../../tools/local-pipeline/schedule';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('schedule (EventBridge Scheduler to a function with reserved concurrency 1)', () => {
  let schedule: Schedule | undefined;
  afterEach(() => schedule?.stop());

  it('invokes once per tick, never two at once; a late tick runs when the function is free', async () => {
    // Prepare: each run lasts 1.5 ticks
    let running = 0;
    let overlapped = false;
    const started: number[] = [];
    schedule = new Schedule({
      tickMs: 100,
      invoke: async (tick) => {
        if (running > 0) overlapped = true;
        running += 1;
        started.push(tick);
        await sleep(150);
        running -= 1;
      },
    });
    // Act
    schedule.resume();
    await sleep(1000);
    await schedule.stop();
    // Assess
    expect(overlapped).toBe(false);
    expect(started.length).toBeGreaterThanOrEqual(4);
    expect(schedule.stats().runs).toBe(started.length);
    expect(schedule.stats().ticks).toBeGreaterThan(started.length);
  });

  it('drops ticks older than the maximum event age once the function is free', async () => {
    // Prepare: one run that lasts 10 ticks
    const started: number[] = [];
    schedule = new Schedule({
      tickMs: 50,
      maxEventAgeMs: 60,
      invoke: async (tick) => {
        started.push(tick);
        if (tick === 1) await sleep(500);
      },
    });
    // Act
    schedule.resume();
    await sleep(530);
    schedule.pause();
    await sleep(100);
    // Assess: the ticks during the long run waited in turn, each replaced by the next
    const { ticks, runs, dropped } = schedule.stats();
    expect(started[0]).toBe(1);
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(runs + dropped).toBe(ticks);
  });

  it('does not fire while paused, and fires again after resume', async () => {
    // Prepare
    let runs = 0;
    schedule = new Schedule({
      tickMs: 50,
      invoke: async () => {
        runs += 1;
      },
    });
    schedule.resume();
    await sleep(180);
    // Act
    schedule.pause();
    const atPause = runs;
    await sleep(300);
    const whilePaused = runs - atPause;
    schedule.resume();
    await sleep(180);
    // Assess
    expect(atPause).toBeGreaterThanOrEqual(2);
    expect(whilePaused).toBe(0);
    expect(runs).toBeGreaterThan(atPause);
  });
});
