import { Pacer } from '../../../functions/cli/dlq/pacer';
import { fakeClock } from './fake-clock';

describe('Pacer', () => {
  it('sends message k no sooner than k / rate seconds after the first, in batches of at most the rate', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = new Pacer(4, clock);
    const sentAt: number[] = [];
    // Act: 10 messages in batches of the pacer's size
    for (let sent = 0; sent < 10; sent += pacer.batchSize) {
      const count = Math.min(pacer.batchSize, 10 - sent);
      await pacer.take(count);
      sentAt.push(clock.now());
    }
    // Assess
    expect(pacer.batchSize).toBe(4);
    expect(sentAt).toEqual([0, 1000, 2000]);
  });

  it('paces slower than one a second one message at a time, and does not wait without a rate', async () => {
    const clock = fakeClock();
    const slow = new Pacer(0.5, clock);
    for (let i = 0; i < 3; i++) await slow.take(1);
    const free = new Pacer(undefined, clock);
    for (let i = 0; i < 5; i++) await free.take(10);
    expect(slow.batchSize).toBe(1);
    expect(clock.sleeps).toEqual([2000, 2000]);
    expect(free.batchSize).toBe(10);
    expect(new Pacer(25, clock).batchSize).toBe(10);
  });

  it('does not make up for time lost elsewhere with a burst', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(1, clock);
    await pacer.take(1);
    await clock.sleep(5000); // a slow receive
    await pacer.take(1);
    await pacer.take(1);
    expect(clock.sleeps).toEqual([5000, 1000]);
  });
});
