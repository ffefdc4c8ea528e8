/**
 * `JSON.stringify` for values of any depth. V8's `JSON.parse` reads any nesting (it is iterative), but
 * its `JSON.stringify` recurses and throws `RangeError: Maximum call stack size exceeded` a few
 * thousand levels down: a 19 KB body (`[[[[...]]]]` 6,000 deep) was enough to make parking,
 * fingerprinting and so whole batches throw. Everything that writes back a value read from a message
 * body goes through `stringifyJson`.
 */

/** Values JSON leaves out of an object and writes as `null` in an array. */
const isSkipped = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** A value as JSON.stringify sees it: after its `toJSON`, if it has one. */
function prepared(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null) {
    const toJson = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJson === 'function') return toJson.call(value, key);
  }
  return value;
}

interface Frame {
  readonly source: Readonly<Record<string, unknown>> | readonly unknown[];
  /** The object's keys; undefined for an array. */
  readonly keys: readonly string[] | undefined;
  index: number;
  written: number;
}

/**
 * The same text as `JSON.stringify(value)` (no replacer, no indentation), built with an explicit
 * stack instead of recursion: any depth, any width, memory linear in the output.
 */
export function stringifyWithoutRecursion(value: unknown): string | undefined {
  const root = prepared(value, '');
  if (isSkipped(root)) return undefined;
  const out: string[] = [];
  const stack: Frame[] = [];
  const write = (item: unknown): void => {
    if (item === null || typeof item !== 'object') {
      out.push(JSON.stringify(item) ?? 'null');
    } else if (Array.isArray(item)) {
      out.push('[');
      stack.push({ source: item, keys: undefined, index: 0, written: 0 });
    } else {
      out.push('{');
      stack.push({ source: item as Record<string, unknown>, keys: Object.keys(item), index: 0, written: 0 });
    }
  };
  write(root);
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const { keys, source } = frame;
    const length = keys === undefined ? (source as readonly unknown[]).length : keys.length;
    if (frame.index >= length) {
      out.push(keys === undefined ? ']' : '}');
      stack.pop();
      continue;
    }
    const index = frame.index;
    frame.index += 1;
    if (keys === undefined) {
      const item = prepared((source as readonly unknown[])[index], String(index));
      if (frame.written > 0) out.push(',');
      frame.written += 1;
      if (isSkipped(item)) out.push('null');
      else write(item);
    } else {
      const key = keys[index] as string;
      const item = prepared((source as Readonly<Record<string, unknown>>)[key], key);
      if (isSkipped(item)) continue;
      if (frame.written > 0) out.push(',');
      frame.written += 1;
      out.push(JSON.stringify(key), ':');
      write(item);
    }
  }
  return out.join('');
}

/**
 * `JSON.stringify(value)`, whatever the value's depth: the native function when it copes (fast), else
 * the same text without recursion. Values read with `JSON.parse` never make it throw.
 */
export function stringifyJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // Too deep for the native recursion; anything else (a cycle, a BigInt) is not JSON and rethrown.
    if (!(error instanceof RangeError)) throw error;
  }
  return stringifyWithoutRecursion(value);
}
