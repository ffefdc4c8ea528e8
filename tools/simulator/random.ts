/** A source of numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast, seedable PRNG. Same seed, same sequence. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw from [min, max]. */
export function uniform(random: Random, min: number, max: number): number {
  return min + random() * (max - min);
}

/** A uniform pick from a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick needs at least one item');
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))] as T;
}
