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
    expect(refused).toMatchObject({ reason: 'deadline', category: ErrorCategory.Transient });
  });

  it('keeps the longer pause of a method, and pauses only that method', () => {
    const now = Date.now();
    const pacer = new Pacer(5);
    pacer.pause(ApiMethod.Invalidate, now + 5000, 'backoff');
    pacer.pause(ApiMethod.Invalidate, now + 1000, 'circuit_open');
    expect(pacer.pausedUntil(ApiMethod.Invalidate)).toEqual({ until: now + 5000, reason: 'backoff' });
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
    expect(refused).toMatchObject({ name: 'CallNotAttemptedError', reason, category });
  });

  it('waits out a short pause, then lets the request go', async () => {
    const pacer = new Pacer(5);
    pacer.pause(ApiMethod.Read, Date.now() + 150, 'backoff');
    const started = Date.now();
    await pacer.acquire(ApiMethod.Read, started + 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses a rate of zero', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});

describe('retryDelayMs', () => {
  it('draws full jitter below min(cap, base x 2^attempt)', () => {
    expect(retryDelayMs(1, 250, 5000, () => 0.999)).toBe(499);
    expect(retryDelayMs(10, 250, 5000, () => 0.5)).toBe(2500);
    expect(retryDelayMs(3, 250, 5000, () => 0)).toBe(0);
  });
});
