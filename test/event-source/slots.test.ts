import { Slots } from '../../tools/event-source/slots';

describe('concurrency slots', () => {
  it('gives a freed slot to one waiter only, and the other keeps waiting', async () => {
    // Prepare: one slot, taken; two waiters
    const slots = new Slots(1);
    const never = new AbortController();
    await slots.acquire(never.signal);
    const taken: string[] = [];
    const a = slots.acquire(never.signal).then(() => taken.push('a'));
    const b = slots.acquire(never.signal).then(() => taken.push('b'));
    // Act
    slots.release();
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect(taken).toEqual(['a']);
    expect(slots.busy).toBe(1);
    slots.release();
    await b;
    expect(taken).toEqual(['a', 'b']);
    expect(slots.peak).toBe(1);
  });

  it('ends waits with false when stopped, without taking a slot', async () => {
    // Prepare
    const slots = new Slots(2);
    const stop = new AbortController();
    await slots.acquire(stop.signal);
    await slots.acquire(stop.signal);
    const waiting = [slots.acquire(stop.signal), slots.whenFree(stop.signal)];
    // Act
    stop.abort();
    // Assess
    expect(await Promise.all(waiting)).toEqual([false, false]);
    expect(slots.busy).toBe(2);
    expect(slots.full).toBe(true);
  });
});
