import type { FaultKind } from '../simulator';

/** Messages that arrive together. */
export interface Burst {
  /** Delay from the start of the run. */
  readonly atMs: number;
  readonly bodies: readonly string[];
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Builds the bursts from the simulator's live tokens. */
  readonly bursts: (issue: (count: number) => string[], random: () => number) => Burst[];
  /** Token occurrences enqueued (duplicates included). */
  readonly tokens: number;
  readonly faults?: { readonly rate: number; readonly kinds: readonly FaultKind[] };
  /** Steady workloads are held to the tokens-per-call target. */
  readonly steady: boolean;
}

const BURST_SIZE = 500;
const BURST_EVERY_MS = 1000;

function logoutBursts(tokens: readonly string[]): Burst[] {
  const bursts: Burst[] = [];
  for (let start = 0, n = 0; start < tokens.length; start += BURST_SIZE, n++) {
    bursts.push({
      atMs: n * BURST_EVERY_MS,
      bodies: tokens
        .slice(start, start + BURST_SIZE)
        .map((token) => JSON.stringify({ token, reason: 'logout' })),
    });
  }
  return bursts;
}

/** The four workloads of the issue, scaled by `tokens` (10,000 by default). */
export function workloads(tokens = 10_000): Workload[] {
  return [
    {
      name: 'logouts',
      description: `${tokens} logouts, one token per message, in bursts of ${BURST_SIZE} every ${BURST_EVERY_MS} ms`,
      tokens,
      steady: true,
      bursts: (issue) => logoutBursts(issue(tokens)),
    },
    {
      name: 'logouts-30pct-duplicates',
      description: `${tokens} logout messages, 30% of them repeating an earlier token`,
      tokens,
      steady: true,
      bursts: (issue, random) => {
        const unique = issue(Math.round(tokens * 0.7));
        const all = [...unique];
        while (all.length < tokens) all.push(unique[Math.floor(random() * unique.length)] as string);
        for (let i = all.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [all[i], all[j]] = [all[j] as string, all[i] as string];
        }
        return logoutBursts(all);
      },
    },
    {
      name: 'bulk-100',
      description: `${tokens / 100} bulk messages of 100 tokens, in 10 bursts`,
      tokens,
      steady: true,
      bursts: (issue) => {
        const messages: string[] = [];
        const all = issue(tokens);
        for (let i = 0; i < all.length; i += 100)
          messages.push(JSON.stringify({ tokens: all.slice(i, i + 100), reason: 'account_closed' }));
        const per = Math.ceil(messages.length / 10);
        return Array.from({ length: 10 }, (_, n) => ({
          atMs: n * BURST_EVERY_MS,
          bodies: messages.slice(n * per, (n + 1) * per),
        }));
      },
    },
    {
      name: 'logouts-5pct-faults',
      description: `${tokens} logouts with 5% transient faults (5xx errors, HTML 503 pages, connection resets)`,
      tokens,
      steady: false,
      faults: {
        rate: 0.05,
        kinds: ['internal_error', 'temporarily_unavailable', 'html_503', 'connection_reset'],
      },
      bursts: (issue) => logoutBursts(issue(tokens)),
    },
  ];
}
