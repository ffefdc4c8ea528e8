/**
 * Text that came from a queue (message ids, attributes, SQS error messages, anything read from a
 * body) can hold terminal control sequences: a title change, hidden text, a cursor move that
 * overwrites earlier lines. Everything the CLI prints goes through here first.
 */

/**
 * Escape sequences, removed whole so that their parameters do not show as text: CSI (`ESC [` or
 * U+009B, parameters, a final byte), OSC / DCS / SOS / PM / APC strings (`ESC ]`, `ESC P`, `ESC X`,
 * `ESC ^`, `ESC _` or their C1 forms, up to BEL or ST), and any other `ESC x` pair.
 */
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\s\S]?/g;

/**
 * C0 controls but newline, DEL, C1 controls, and the Unicode bidirectional controls that can make a
 * line read differently from what it holds (U+061C, U+200E/F, U+202A-E, U+2066-9).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without escape sequences and control characters; newlines are kept. */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/** A copy of a JSON-able value with every string (keys too) made printable. */
export function printableValue(value: unknown): unknown {
  if (typeof value === 'string') return printable(value);
  if (Array.isArray(value)) return value.map(printableValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [printable(key), printableValue(entry)]),
    );
  }
  return value;
}
