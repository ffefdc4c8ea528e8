/**
 * How wide output for a person may be: the terminal's columns, else `COLUMNS` from the environment
 * (set by shells, and by tests), else 80. Tables and status lines fit it; `--json` keeps everything.
 */

/** The width assumed when the output is not a terminal and COLUMNS is not set. */
export const DEFAULT_COLUMNS = 80;

export function terminalWidth(
  stream: { readonly isTTY?: boolean; readonly columns?: number },
  env: Readonly<Record<string, string | undefined>>,
): number {
  if (stream.isTTY && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_COLUMNS;
}

/** `text` cut to `width` characters, the last one an ellipsis when something was cut. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 0 ? '' : `${text.slice(0, width - 1)}…`;
}

/**
 * Words of `text` in lines of at most `width` characters (a longer word is cut); the first line
 * starts with `first`, the others with `indent` (both count in the width).
 */
export function wrap(text: string, width: number, first = '', indent = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let start = first.length;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const separator = line.length > start ? ' ' : '';
    if (line.length + separator.length + word.length <= width) {
      line += separator + word;
      continue;
    }
    if (line.length > start) {
      lines.push(line);
      line = indent;
      start = indent.length;
    }
    line += truncate(word, Math.max(1, width - line.length));
  }
  lines.push(line);
  return lines;
}

/**
 * A line made of parts, in order, that fits `width`: when they do not all fit, the parts with the
 * lowest `keep` go first (the order of the rest is kept), then what is left is cut.
 */
export function fitParts(
  parts: readonly { readonly text: string; readonly keep: number }[],
  width: number,
  separator = '  ',
): string {
  let kept = [...parts];
  const joined = () => kept.map((part) => part.text).join(separator);
  while (joined().length > width && kept.length > 1) {
    const least = Math.min(...kept.map((part) => part.keep));
    const index = kept.map((part) => part.keep).lastIndexOf(least);
    kept = kept.filter((_, i) => i !== index);
  }
  return truncate(joined(), width);
}
