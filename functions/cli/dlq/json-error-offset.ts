/**
 * Where a text stops being JSON, without quoting it: the parser's own messages quote the text around
 * the error (which may be a token) and give a position only for some errors.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const LITERALS = ['true', 'false', 'null'];

type State = 'value' | 'firstValueOrEnd' | 'key' | 'firstKeyOrEnd' | 'colon' | 'afterValue';

/** End of the string that starts at `start` (a `"`), or the offset of its first error as `{ error }`. */
function scanString(text: string, start: number): number | { error: number } {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return i + 1;
    if (c === '\\') {
      ESCAPE.lastIndex = i;
      const sequence = ESCAPE.exec(text);
      if (sequence === null) return { error: i };
      i += sequence[0].length;
    } else if (c < ' ') return { error: i };
    else i += 1;
  }
  return { error: text.length };
}

/**
 * The offset of the first character at which `text` is not JSON (`text.length` when it ends too
 * early), or undefined when it is JSON. Iterative: any nesting depth.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const containers: ('{' | '[')[] = [];
  let state: State = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i += 1;
    if (i >= text.length) return state === 'afterValue' && containers.length === 0 ? undefined : text.length;
    const c = text[i] as string;
    if (state === 'afterValue') {
      const open = containers[containers.length - 1];
      if (open === undefined) return i;
      if (c === ',') state = open === '{' ? 'key' : 'value';
      else if (c === (open === '{' ? '}' : ']')) containers.pop();
      else return i;
      i += 1;
    } else if (state === 'colon') {
      if (c !== ':') return i;
      state = 'value';
      i += 1;
    } else if (state === 'key' || state === 'firstKeyOrEnd') {
      if (state === 'firstKeyOrEnd' && c === '}') {
        containers.pop();
        state = 'afterValue';
        i += 1;
        continue;
      }
      if (c !== '"') return i;
      const end = scanString(text, i);
      if (typeof end !== 'number') return end.error;
      state = 'colon';
      i = end;
    } else if (state === 'firstValueOrEnd' && c === ']') {
      containers.pop();
      state = 'afterValue';
      i += 1;
    } else if (c === '{' || c === '[') {
      containers.push(c);
      state = c === '{' ? 'firstKeyOrEnd' : 'firstValueOrEnd';
      i += 1;
    } else if (c === '"') {
      const end = scanString(text, i);
      if (typeof end !== 'number') return end.error;
      state = 'afterValue';
      i = end;
    } else {
      NUMBER.lastIndex = i;
      const length =
        NUMBER.exec(text)?.[0].length ?? LITERALS.find((literal) => text.startsWith(literal, i))?.length ?? 0;
      if (length === 0) return i;
      state = 'afterValue';
      i += length;
    }
  }
}
