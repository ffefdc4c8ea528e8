import { request } from 'node:http';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../tools/simulator';

/** The parts of a response wrapper the tests look at. */
export interface Body {
  items?: { access_token: string; account_id: number; expires_on_date?: number; scope?: string[] }[];
  has_more?: boolean;
  quota_max?: number;
  quota_remaining?: number;
  backoff?: number;
  page?: number;
  page_size?: number;
  total?: number;
  type?: string;
  error_id?: number;
  error_name?: string;
  error_message?: string;
}

export interface Answer {
  readonly status: number;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  readonly body: Body | undefined;
  readonly text: string;
  readonly type: string | null;
}

/** A simulator started before each test and closed after it; `restart` swaps in one with other options. */
export function useSimulator(defaults: SimulatorOptions = {}) {
  let current: Simulator | undefined;
  beforeEach(async () => {
    current = await startSimulator({ seed: 7, ...defaults });
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get sim(): Simulator {
      if (current === undefined) throw new Error('no simulator outside a test');
      return current;
    },
    async restart(options: SimulatorOptions): Promise<Simulator> {
      await current?.close();
      current = await startSimulator({ seed: 7, ...defaults, ...options });
      return current;
    },
  };
}

/** GET `{sim.url}/{path}` with fetch (which decompresses), reading the body as text and, if it parses, JSON. */
export async function get(sim: Simulator, path: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(`${sim.url}/${path}`, init);
  const text = await response.text();
  let body: Body | undefined;
  try {
    body = JSON.parse(text) as Body;
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, type: response.headers.get('content-type') };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent, not decompressed. */
  readonly bytes: Buffer;
}

/**
 * A request through node:http to a path sent exactly as given (no URL normalisation, so `..` stays), and
 * without decompression: the tests see the bytes on the wire.
 */
export function rawRequest(
  sim: Simulator,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(sim.origin);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            bytes: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
