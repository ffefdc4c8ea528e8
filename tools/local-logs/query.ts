/**
 * The part of the CloudWatch Logs Insights query language the local server understands: what
 * `token-revoker audit` sends, parsed strictly (anything else is a MalformedQueryException, as an
 * unparsable query is for Insights).
 *
 *   fields f1, f2, ...
 *   | filter f = "text" and g in ["a", "b"]
 *   | sort @timestamp asc|desc
 *   | limit N
 */

/** A query the server can run. */
export interface ParsedQuery {
  readonly fields: readonly string[];
  readonly conditions: readonly Condition[];
  readonly sort?: { readonly field: string; readonly order: 'asc' | 'desc' };
  readonly limit?: number;
}

type Condition =
  | { readonly kind: 'equals'; readonly field: string; readonly value: string }
  | { readonly kind: 'in'; readonly field: string; readonly values: ReadonlySet<string> };

/** The query could not be parsed: the server answers MalformedQueryException with this message. */
export class MalformedQueryError extends Error {
  override name = 'MalformedQueryError';
}

/** Insights' hard limit on rows a query returns. */
export const MAX_QUERY_RESULTS = 10_000;

const FIELD = '[@A-Za-z_][\\w.@-]*';
const STRING = `"(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*'`;

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

function parseCondition(text: string): Condition {
  const equals = new RegExp(`^(${FIELD})\\s*=\\s*(${STRING})$`).exec(text);
  if (equals) return { kind: 'equals', field: equals[1] as string, value: unquote(equals[2] as string) };
  const list = new RegExp(`^(${FIELD})\\s+in\\s*\\[(.*)\\]$`, 's').exec(text);
  if (list) {
    const items = (list[2] as string).trim();
    const values = new Set<string>();
    const item = new RegExp(`\\s*(${STRING})\\s*(,|$)`, 'gy');
    let matched = 0;
    for (let match = item.exec(items); match !== null && matched < items.length; match = item.exec(items)) {
      values.add(unquote(match[1] as string));
      matched = item.lastIndex;
    }
    if (items !== '' && matched !== items.length) throw new MalformedQueryError(`bad list in: ${text}`);
    return { kind: 'in', field: list[1] as string, values };
  }
  throw new MalformedQueryError(`unsupported condition: ${text}`);
}

/** Parses a query; throws MalformedQueryError saying which part it does not understand. */
export function parseQuery(queryString: string): ParsedQuery {
  const stages = queryString.split(/\|(?=(?:[^"'[\]]|"[^"]*"|'[^']*'|\[[^\]]*\])*$)/).map((s) => s.trim());
  let fields: string[] = [];
  const conditions: Condition[] = [];
  let sort: ParsedQuery['sort'];
  let limit: number | undefined;
  for (const stage of stages) {
    const [command = '', ...rest] = stage.split(/\s+/);
    const argument = stage.slice(command.length).trim();
    if (command === 'fields' && rest.length > 0) {
      fields = argument.split(',').map((field) => field.trim());
      if (!fields.every((field) => new RegExp(`^${FIELD}$`).test(field)))
        throw new MalformedQueryError(`bad fields: ${argument}`);
    } else if (command === 'filter') {
      for (const part of argument.split(/\s+and\s+(?=(?:[^"'[\]]|"[^"]*"|'[^']*'|\[[^\]]*\])*$)/)) {
        conditions.push(parseCondition(part.trim()));
      }
    } else if (command === 'sort') {
      const match = new RegExp(`^(${FIELD})(?:\\s+(asc|desc))?$`).exec(argument);
      if (!match) throw new MalformedQueryError(`bad sort: ${argument}`);
      sort = { field: match[1] as string, order: (match[2] as 'asc' | 'desc' | undefined) ?? 'desc' };
    } else if (command === 'limit') {
      const value = Number(argument);
      if (!Number.isInteger(value) || value < 1 || value > MAX_QUERY_RESULTS)
        throw new MalformedQueryError(`limit must be 1 to ${MAX_QUERY_RESULTS}: ${argument}`);
      limit = value;
    } else {
      throw new MalformedQueryError(`unsupported command: ${stage.slice(0, 40)}`);
    }
  }
  if (fields.length === 0) throw new MalformedQueryError('the query names no fields');
  return { fields, conditions, ...(sort ? { sort } : {}), ...(limit ? { limit } : {}) };
}

/** A log event's fields as Insights discovers them: JSON keys flattened with dots, plus the @ fields. */
export function eventFields(event: {
  readonly timestamp: number;
  readonly message: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}): Map<string, string> {
  const fields = new Map<string, string>([
    ['@timestamp', insightsTime(event.timestamp)],
    ['@message', event.message],
    ['@log', event.logGroupName],
    ['@logStream', event.logStreamName],
  ]);
  const flatten = (value: unknown, prefix: string) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key);
    } else if (prefix !== '' && value !== null && value !== undefined) {
      fields.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
    }
  };
  try {
    flatten(JSON.parse(event.message.trim()), '');
  } catch {
    // not JSON: only the @ fields
  }
  return fields;
}

/** `2026-12-03 08:00:00.000`: how Insights prints @timestamp. */
export function insightsTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

/** True when the event's fields meet every condition. */
export function matches(query: ParsedQuery, fields: ReadonlyMap<string, string>): boolean {
  return query.conditions.every((condition) => {
    const value = fields.get(condition.field);
    if (value === undefined) return false;
    return condition.kind === 'equals' ? value === condition.value : condition.values.has(value);
  });
}
