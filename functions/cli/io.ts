import { printable, printableValue } from './printable';

/** What a command reads and writes: the real process in production, the same shape in tests. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * Writes results: one JSON document on stdout with --json, else lines of text. Everything written is
 * made printable first (no escape sequences or control characters): output holds text from queues.
 */
export class Output {
  readonly json: boolean;
  readonly #io: Io;

  constructor(io: Io, json: boolean) {
    this.#io = io;
    this.json = json;
  }

  /** A line of the human-readable result (stdout); ignored with --json. */
  line(text = ''): void {
    if (!this.json) this.#io.stdout.write(`${printable(text)}\n`);
  }

  /** A note for the person at the terminal (stderr); ignored with --json. */
  note(text: string): void {
    if (!this.json) this.#io.stderr.write(`${printable(text)}\n`);
  }

  /** The result document of a --json run. */
  document(value: unknown): void {
    if (this.json) this.#io.stdout.write(`${JSON.stringify(printableValue(value), null, 2)}\n`);
  }
}
