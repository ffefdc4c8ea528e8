/**
 * What `npm start` prints, fitted to the terminal (`width`: its columns, else COLUMNS, else 80;
 * functions/cli/terminal-width.ts): labelled lines wrap under their label, the live status line
 * drops its least useful parts first.
 */
import { fitParts, wrap } from '../../functions/cli/terminal-width';
import type { Pipeline } from './pipeline';
import { DEPLOYED_TICK_SECONDS } from './settings';
import type { Summary } from './summary';
import type { DemoWorkload } from './workload';

const LABEL_WIDTH = 23;

/** `label` then `text`, wrapped to `width` with continuation lines under the text. */
export function labelled(label: string, text: string, width: number, indent = ''): string[] {
  const start = `${indent}${label}`.padEnd(indent.length + LABEL_WIDTH);
  return wrap(text, width, start, ' '.repeat(start.length));
}

/** A `- ` item under a label, its continuation lines under its text. */
function item(text: string, width: number): string[] {
  const start = ' '.repeat(2 + LABEL_WIDTH);
  return wrap(text, width, `${start}- `, `${start}  `);
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The servers and every lane setting, and where each comes from. */
export function settingsText(pipeline: Pipeline, sqsEndpoint: string, seed: number, width: number): string {
  const { urgent, routine } = pipeline.settings;
  const tick = routine.tickShortened
    ? `every ${routine.tickSeconds} s (SHORTENED by --tick-seconds; deployed: every ${DEPLOYED_TICK_SECONDS} s)`
    : `every ${routine.tickSeconds} s (the deployed tick)`;
  return [
    ...labelled('SQS-compatible server', sqsEndpoint, width),
    ...labelled('Stack Exchange API', `${pipeline.simulator.url} (simulator, seed ${seed})`, width),
    ...labelled(
      'Routine lane',
      `one consumer ${tick}, timeout ${routine.functionTimeoutSeconds} s, ${routine.requestsPerSecond} requests/s; holds a partial call up to ${routine.maxHoldSeconds} s; ${routine.maxReceiveCount} receives`,
      width,
    ),
    ...labelled(
      'Urgent lane',
      `${urgent.maxConcurrency} instances at most, 5 pollers, batch ${urgent.batchSize}, window ${urgent.maxBatchingWindowSeconds} s, timeout ${urgent.functionTimeoutSeconds} s, visibility ${urgent.visibilityTimeoutSeconds} s, ${urgent.maxReceiveCount} receives`,
      width,
    ),
    ...labelled('', '(infra/settings.ts; each function runs in processes of its own)', width),
  ].join('\n');
}

/** What the demo sent, once it is sent. */
export function enqueuedText(workload: DemoWorkload, trickleSeconds: number, width: number): string {
  return labelled(
    'Enqueued',
    `${workload.routine.length} logouts one by one over ${trickleSeconds.toFixed(0)} s (routine); a leaked token, a compromised account and a token the API rejects (urgent); ${workload.hostileMessages} hostile bodies; one dead-lettered logout`,
    width,
  ).join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line of live progress, at most `width` characters. */
export function progressLine(
  pipeline: Pipeline,
  workload: DemoWorkload,
  startedAt: number,
  width: number,
): string {
  const { simulator } = pipeline;
  const revoked = workload.routine.filter((token) => simulator.tokenState(token) === 'invalidated').length;
  const routine = new Set(workload.routine);
  const calls = simulator.requests
    .filter((r) => r.status === 200 && r.tokens.some((token) => routine.has(token)))
    .map((r) => r.tokens.length);
  const urgentToken = workload.urgent[0];
  const sentAt = workload.urgentSentAt();
  const urgentCall = simulator.requests.find(
    (r) => r.status === 200 && urgentToken !== undefined && r.tokens.includes(urgentToken),
  );
  const urgent =
    sentAt === undefined
      ? 'not sent yet'
      : urgentCall === undefined
        ? `sent ${seconds(Date.now() - sentAt)} ago`
        : `revoked after ${seconds(urgentCall.at - sentAt)}`;
  const done = pipeline.routine.runs().length;
  const next = pipeline.routine.nextRunAt();
  const schedule = pipeline.routine.busy()
    ? '1 going'
    : next === undefined
      ? 'schedule paused'
      : `next in ${Math.ceil((next - Date.now()) / 1000)} s`;
  return fitParts(
    [
      { text: seconds(Date.now() - startedAt).padStart(8), keep: 9 },
      {
        text: `routine ${workload.routineSent()}/${workload.routine.length} sent, ${revoked} revoked`,
        keep: 8,
      },
      { text: `runs: ${done} done, ${schedule}`, keep: 7 },
      { text: `leak ${urgent}`, keep: 6 },
      ...(calls.length > 0 ? [{ text: `calls [${calls.join(' ')}]`, keep: 1 }] : []),
    ],
    width,
  );
}

/** The routine lane's calls, in words. */
function routineText(summary: Summary): string {
  const calls = summary.routineCalls;
  const full = calls.filter((n) => n === 20).length;
  const fill =
    full === calls.length
      ? `${plural(calls.length, 'call')}, all full (20 tokens)`
      : `${plural(calls.length, 'call')}: ${full} full (20 tokens), the others [${calls.filter((n) => n !== 20).join(' ')}]`;
  return `${summary.routineTokens} logouts revoked in ${fill}, over ${plural(summary.consumerRuns, 'consumer run')}`;
}

/** The summary, read from real state. */
export function summaryText(summary: Summary, elapsedSeconds: number, width: number): string {
  const { compromised } = summary;
  const lines = [
    '',
    `Summary (${elapsedSeconds.toFixed(1)} s)`,
    ...labelled('routine lane', routineText(summary), width, '  '),
    ...labelled(
      'urgent lane',
      `3 messages, ${plural(summary.urgentInvocations, 'invocation')} of the urgent function:`,
      width,
      '  ',
    ),
    ...item(
      `the leaked token: ${summary.urgentSecondsToRevoke === undefined ? 'NOT revoked' : `revoked ${summary.urgentSecondsToRevoke.toFixed(1)} s after it was sent`}`,
      width,
    ),
    ...item(
      `the compromised account: ${compromised.seconds === undefined ? `its ${compromised.tokens} tokens NOT de-authenticated` : `its ${compromised.tokens} tokens de-authenticated ${compromised.seconds.toFixed(1)} s after they were sent`}`,
      width,
    ),
    ...item(
      `the token the API rejects: ${summary.rejectedParked ? 'parked in the parked queue (rejected_by_api)' : 'NOT parked'}`,
      width,
    ),
    ...labelled(
      'tokens',
      `${summary.invalidated} invalidated; ${summary.deauthenticated} de-authenticated (the app removed from the compromised user's account, which kills all of that user's tokens for the app)`,
      width,
      '  ',
    ),
    ...labelled(
      'API calls',
      `${summary.apiCalls}; violations: ${summary.backoffViolations} backoff, ${summary.throttleViolations} throttle`,
      width,
      '  ',
    ),
    ...labelled('still queued', String(summary.stillQueued), width, '  '),
    '',
    `Set aside: the dead-letter and parked queues (${summary.deadLetters.length})`,
    ...summary.deadLetters.flatMap((letter) =>
      wrap(
        letter.fingerprints.length > 0 ? letter.fingerprints.join(' ') : '(original body kept)',
        width,
        `  ${letter.kind.padEnd(14)} ${(letter.lane ?? '').padEnd(8)} ${letter.reason.padEnd(22)} `,
        ' '.repeat(49),
      ),
    ),
    '',
    ...wrap(
      summary.problems.length === 0
        ? 'Consistent: every token is revoked, known dead, or set aside (dead-letter or parked queue) with a reason.'
        : `INCONSISTENT: ${summary.problems.join('; ')}`,
      width,
    ),
  ];
  return lines.join('\n');
}

/** The last lines of a run without --keep-running: what to try next. */
export function nextStepsText(width: number): string {
  return wrap(
    'Next: `npm start -- --keep-running` keeps both lanes up and prints the environment and the commands to try the CLI (npx token-revoker) and the library against them.',
    width,
    '',
    '  ',
  ).join('\n');
}
