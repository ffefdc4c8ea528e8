import fc from 'fast-check';

/** `[[[...]]]` or `{"a":{"a":...}}`, `depth` levels around `leaf`, as JSON text (built without recursion). */
export function nestedText(depth: number, shape: 'array' | 'object', leaf = '1'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/**
 * The security review's 19 KB message: `tokens` holds `valid` valid-looking values, then a value nested
 * `depth` deep (an array or an object), at position `valid` + 1.
 */
export function poisonBody(
  options: { valid?: number; depth?: number; shape?: 'array' | 'object'; prefix?: string } = {},
): string {
  const { valid = 1000, depth = 6000, shape = 'array', prefix = 'p' } = options;
  const tokens = Array.from({ length: valid }, (_, i) => JSON.stringify(`${prefix}${i}`));
  return `{"tokens":[${[...tokens, nestedText(depth, shape)].join(',')}]}`;
}

/** Where a hostile value sits in a message. */
export type Placement = 'token' | 'first' | 'excess' | 'body' | 'parked' | 'sns' | 'field';

/** A hostile shape: nested deep, wide (many keys or items), or large (a long string). */
export interface HostileShape {
  readonly kind: 'deep' | 'wide' | 'large';
  readonly shape: 'array' | 'object';
  /** Depth, width (items or keys) or length (characters). */
  readonly size: number;
  readonly placement: Placement;
}

/** The shape's JSON text, at most about 200 KB (a message is at most 256 KiB). */
export function hostileText({ kind, shape, size }: HostileShape): string {
  if (kind === 'deep') return nestedText(size, shape);
  if (kind === 'large') return JSON.stringify('x'.repeat(size));
  return shape === 'array'
    ? `[${Array.from({ length: size }, () => '0').join(',')}]`
    : `{${Array.from({ length: size }, (_, i) => `"k${i}":0`).join(',')}}`;
}

/**
 * A message body holding the hostile text at its placement, next to `tokens` (valid ones, sent as they
 * are): as `token`, as the first value of `tokens`, past the per-message limit, as the whole body,
 * inside a body that looks like a parked wrapper, inside an SNS envelope, or as an optional field.
 */
export function hostileBody(hostile: HostileShape, tokens: readonly string[]): string {
  const value = hostileText(hostile);
  const list = tokens.map((token) => JSON.stringify(token));
  switch (hostile.placement) {
    case 'token':
      return `{"token":${value},"tokens":[${list.join(',')}]}`;
    case 'first':
      return `{"tokens":[${[value, ...list].join(',')}]}`;
    case 'excess': {
      const filler = Array.from({ length: 1000 - list.length }, (_, i) => `"f${i}"`);
      return `{"tokens":[${[...list, ...filler, value].join(',')}]}`;
    }
    case 'body':
      return value;
    case 'parked':
      return `{"parkedAt":"2026-01-01T00:00:00.000Z","reason":"invalid_token","sourceMessageId":"m","tokens":[${[...list, value].join(',')}]}`;
    case 'sns':
      return JSON.stringify({ Type: 'Notification', Message: `{"tokens":[${[...list, value].join(',')}]}` });
    case 'field':
      return `{"tokens":[${list.join(',')}],"reason":${value},"source":${value}}`;
  }
}

/** Hostile shapes: depth up to 100,000, width up to 20,000, length up to 200,000 characters. */
export const hostileShape: fc.Arbitrary<HostileShape> = fc
  .record({
    kind: fc.constantFrom('deep', 'wide', 'large'),
    shape: fc.constantFrom('array', 'object'),
    size: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 5000, max: 20_000 })),
    placement: fc.constantFrom<Placement>('token', 'first', 'excess', 'body', 'parked', 'sns', 'field'),
  })
  .chain((shape) =>
    shape.kind === 'deep' && shape.size > 100
      ? fc.integer({ min: 5000, max: 100_000 }).map((size) => ({ ...shape, size }))
      : shape.kind === 'large' && shape.size > 100
        ? fc.integer({ min: 5000, max: 200_000 }).map((size) => ({ ...shape, size }))
        : fc.constant(shape),
  );
