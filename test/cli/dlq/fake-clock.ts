import type { Clock } from '../../../functions/cli/dlq/pacer';

/** A clock that only moves when slept on; records every sleep. */
export function fakeClock(): Clock & { readonly sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
