import { CallNotAttemptedError, ErrorCategory } from '../../../functions/lib/errors';
import { ApiMethod } from '../../../functions/lib/stackexchange/api-method';
import { Pacer, retryDelayMs } from '../../../functions/lib/stackexchange/pacer';

describe('Pacer', () => {
  it('spaces requests evenly at the configured rate', async () => {
    // Prepare
    const pacer = new Pacer(20); // one slot every 50 ms
    const started = Date.now();
    // Act
    for (let i = 0; i < 5; i++) await pacer.acquire(ApiMethod.Invalidate, started + 10_000);
    // Assess: the 5th request waits for its slot, 4 x 50 ms after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('refuses a request whose slot is after the deadline, and reserves nothing', async () => {
    const pacer = new Pacer(1);
    const now = Date.now();
    await pacer.acquire(ApiMethod.Invalidate, now + 10_000);
    const refused = await pacer.acquire(ApiMethod.Invalidate, now + 500).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallNotAttemptedError);
    expect(refused).toMatchObject({ blockedBy: 'deadline', category: ErrorCategory.Transient });
  });

  it('keeps the longer pause of a method, and pauses only that method', () => {
    const now = Date.now();
    const pacer = new Pacer(5);
    pacer.pause(ApiMethod.Invalidate, now + 5000, 'backoff');
    pacer.pause(ApiMethod.Invalidate, now + 1000, 'circuit_open');
    expect(pacer.pausedUntil(ApiMethod.Invalidate)).toEqual({ until: now + 5000, cause: 'backoff' });
    expect(pacer.pausedUntil(ApiMethod.Read)).toBeUndefined();
  });

  it.each([
    ['backoff', ErrorCategory.Throttled],
    ['throttled', ErrorCategory.Throttled],
    ['configuration', ErrorCategory.Configuration],
    ['circuit_open', ErrorCategory.Transient],
  ] as const)('does not wait out a %s pause past the deadline (%s)', async (reason, category) => {
    const pacer = new Pacer(5);
    pacer.pause(ApiMethod.Deauthenticate, Date.now() + 60_000, reason);
    const refused = await pacer.acquire(ApiMethod.Deauthenticate, Date.now() + 1000).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'CallNotAttemptedError', blockedBy: reason, category });
  });

  it('waits out a short pause, then lets the request go', async () => {
    const pacer = new Pacer(5);
    pacer.pause(ApiMethod.Read, Date.now() + 150, 'backoff');
    const started = Date.now();
    await pacer.acquire(ApiMethod.Read, started + 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it.each([0, -1, Number.NaN])('refuses a rate of %p, saying what it got', (rate) => {
    expect(() => new Pacer(rate)).toThrow(new RangeError(`requestsPerSecond must be > 0, got ${rate}`));
  });
});

describe('Pacer on a fake clock', () => {
  const T0 = 1_700_000_000_000;
  const method = ApiMethod.Invalidate;
  /** Whether a promise has settled yet, without running any timer. */
  const track = (promise: Promise<unknown>) => {
    const state: { done: boolean; error: unknown } = { done: false, error: undefined };
    promise.then(
      () => {
        state.done = true;
      },
      (error: unknown) => {
        state.error = error;
      },
    );
    return state;
  };
  /** Lets pending promise callbacks run; fake timers do not fire. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate', 'nextTick'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('takes a later, longer pause over a shorter one in force', () => {
    const pacer = new Pacer(5, () => Date.now());
    pacer.pause(method, T0 + 1000, 'circuit_open');
    pacer.pause(method, T0 + 5000, 'backoff');
    expect(pacer.pausedUntil(method)).toEqual({ until: T0 + 5000, cause: 'backoff' });
  });

  it('keeps the pause in force when another ends at the same time', () => {
    const pacer = new Pacer(5, () => Date.now());
    pacer.pause(method, T0 + 1000, 'throttled');
    pacer.pause(method, T0 + 1000, 'backoff');
    expect(pacer.pausedUntil(method)).toEqual({ until: T0 + 1000, cause: 'throttled' });
  });

  it('ends a pause at its end time', async () => {
    const pacer = new Pacer(5, () => Date.now());
    pacer.pause(method, T0 + 1000, 'backoff');
    await jest.advanceTimersByTimeAsync(999);
    expect(pacer.pausedUntil(method)).toEqual({ until: T0 + 1000, cause: 'backoff' });
    await jest.advanceTimersByTimeAsync(1);
    expect(pacer.pausedUntil(method)).toBeUndefined();
  });

  it('lets a request go at the end of a pause, not before', async () => {
    // Prepare
    const pacer = new Pacer(5, () => Date.now());
    pacer.pause(method, T0 + 150, 'backoff');
    // Act
    const request = track(pacer.acquire(method, T0 + 5000));
    // Assess
    await jest.advanceTimersByTimeAsync(149);
    expect(request.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(request).toEqual({ done: true, error: undefined });
  });

  it('waits out a pause that ends minimumMs before the deadline, and refuses one that ends later', async () => {
    // Prepare
    const pacer = new Pacer(5, () => Date.now());
    pacer.pause(method, T0 + 1000, 'throttled');
    // Act
    const refused = await pacer.acquire(method, T0 + 1199, 200).catch((error: unknown) => error);
    const accepted = track(pacer.acquire(method, T0 + 1200, 200));
    // Assess
    expect(refused).toBeInstanceOf(CallNotAttemptedError);
    expect(refused).toMatchObject({
      method,
      blockedBy: 'throttled',
      retryAt: T0 + 1000,
      category: ErrorCategory.Throttled,
    });
    await jest.advanceTimersByTimeAsync(1000);
    expect(accepted).toEqual({ done: true, error: undefined });
  });

  it('gives a slot that ends minimumMs before the deadline, refuses a later one, and reserves nothing when it refuses', async () => {
    // Prepare: one slot a second; the first is taken now.
    const pacer = new Pacer(1, () => Date.now());
    await pacer.acquire(method, T0 + 10_000);
    // Act
    const refused = await pacer.acquire(method, T0 + 1099, 100).catch((error: unknown) => error);
    const second = track(pacer.acquire(method, T0 + 1100, 100));
    // Assess: the refused request left the slot at T0 + 1 s to the next one.
    expect(refused).toMatchObject({
      name: 'CallNotAttemptedError',
      method,
      blockedBy: 'deadline',
      retryAt: undefined,
      category: ErrorCategory.Transient,
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(second.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(second).toEqual({ done: true, error: undefined });
  });

  it('takes a free slot, or one less than 1 ms away, at once; waits for a slot 1 ms away', async () => {
    // Prepare: one slot every 0.5 ms.
    const pacer = new Pacer(2000, () => Date.now());
    // Act
    const first = track(pacer.acquire(method, T0 + 1000));
    await settle();
    const second = track(pacer.acquire(method, T0 + 1000));
    await settle();
    const third = track(pacer.acquire(method, T0 + 1000));
    await settle();
    // Assess: slots at T0, T0 + 0.5 ms (taken now) and T0 + 1 ms (after a 1 ms timer).
    expect([first.done, second.done, third.done]).toEqual([true, true, false]);
    await jest.advanceTimersByTimeAsync(1);
    expect(third.done).toBe(true);
  });

  it('checks again for a pause that started while the request waited for its slot', async () => {
    // Prepare: one slot every 100 ms; the first is taken now, the second waits for T0 + 100.
    const pacer = new Pacer(10, () => Date.now());
    await pacer.acquire(method, T0 + 10_000);
    const waiting = track(pacer.acquire(method, T0 + 10_000));
    // Act: a backoff arrives at T0 + 50, until T0 + 300.
    await jest.advanceTimersByTimeAsync(50);
    pacer.pause(method, T0 + 300, 'backoff');
    // Assess: the request does not go at its slot, but at the end of the pause.
    await jest.advanceTimersByTimeAsync(50);
    expect(waiting.done).toBe(false);
    await jest.advanceTimersByTimeAsync(199);
    expect(waiting.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(waiting).toEqual({ done: true, error: undefined });
  });

  it('refuses a request when a pause that started while it waited outlasts its deadline', async () => {
    const pacer = new Pacer(10, () => Date.now());
    await pacer.acquire(method, T0 + 10_000);
    const waiting = track(pacer.acquire(method, T0 + 1000));
    await jest.advanceTimersByTimeAsync(50);
    pacer.pause(method, T0 + 60_000, 'configuration');
    await jest.advanceTimersByTimeAsync(50);
    expect(waiting.error).toMatchObject({
      blockedBy: 'configuration',
      retryAt: T0 + 60_000,
      category: ErrorCategory.Configuration,
    });
  });
});

describe('retryDelayMs', () => {
  it('draws full jitter below min(cap, base x 2^attempt)', () => {
    expect(retryDelayMs(1, 250, 5000, () => 0.999)).toBe(499);
    expect(retryDelayMs(10, 250, 5000, () => 0.5)).toBe(2500);
    expect(retryDelayMs(3, 250, 5000, () => 0)).toBe(0);
  });
});
