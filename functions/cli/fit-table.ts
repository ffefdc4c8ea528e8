/**
 * A plain-text table that fits the terminal (./terminal-width.ts): columns separated by two spaces,
 * a header row, one row per record. When the columns do not fit at their natural widths, the least
 * useful give way first: the `detail` column leaves the row for wrapped lines of its own under it,
 * then the `shrink` columns are cut (with an ellipsis), in order, down to their minimum. A line that
 * still does not fit is cut. Scripts use `--json`, which keeps every value whole.
 */
import { truncate, wrap } from './terminal-width';

export interface FitTableOptions {
  /** The column that moves under its row when the table is too wide. @default none */
  readonly detail?: number;
  /** Columns cut when the table is still too wide, first first, each down to `min` characters. @default none */
  readonly shrink?: readonly { readonly column: number; readonly min: number }[];
}

const GAP = '  ';

export function fitTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  width: number,
  options: FitTableOptions = {},
): string[] {
  // One line per cell: a newline inside one would break the table.
  rows = rows.map((row) => row.map((cell) => cell.replace(/\s*\n\s*/g, ' ')));
  const natural = head.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const total = (columns: readonly number[]) =>
    columns.reduce((sum, column) => sum + (natural[column] ?? 0), 0) + GAP.length * (columns.length - 1);
  let shown = head.map((_, column) => column);
  const detail = options.detail !== undefined && total(shown) > width ? options.detail : undefined;
  if (detail !== undefined) shown = shown.filter((column) => column !== detail);
  for (const { column, min } of options.shrink ?? []) {
    const excess = total(shown) - width;
    if (excess <= 0) break;
    if (!shown.includes(column)) continue;
    natural[column] = Math.max(min, (natural[column] ?? 0) - excess);
  }
  const line = (cells: readonly string[]) =>
    truncate(
      shown
        .map((column) => truncate(cells[column] ?? '', natural[column] ?? 0).padEnd(natural[column] ?? 0))
        .join(GAP)
        .trimEnd(),
      width,
    );
  const detailLines = (row: readonly string[]) =>
    detail === undefined ? [] : wrap(`${head[detail]}: ${row[detail] ?? ''}`, width, '    ', '      ');
  return [line(head), ...rows.flatMap((row) => [line(row), ...detailLines(row)])];
}
