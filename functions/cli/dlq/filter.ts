import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes';
import type { ClassifiedMessage, DlqMessageKind } from './classify';
import type { MessageLane } from './lane';

/** Which messages a dlq command works on: all the given conditions hold. */
export interface DlqFilter {
  /** --lane: `routine`, `urgent` or `unknown`. @default any lane */
  readonly lane?: MessageLane;
  /** --kind. @default any kind */
  readonly kind?: DlqMessageKind;
  /** --reason: the reason code, exactly (`invalid_token`, `max_receives_exceeded`, ...). @default any reason */
  readonly reason?: string;
}

/** The filter flags as commander gives them. */
export interface FilterFlags {
  readonly lane?: string;
  readonly kind?: string;
  readonly reason?: string;
}

const LANES: readonly MessageLane[] = ['routine', 'urgent', 'unknown'];
/** Flag spellings of the kinds (the JSON output says `dead_lettered`; both are accepted). */
const KINDS: Readonly<Record<string, DlqMessageKind>> = {
  parked: 'parked',
  'dead-lettered': 'dead_lettered',
  dead_lettered: 'dead_lettered',
  unreadable: 'unreadable',
  unsealed: 'unsealed',
};
const REASON = /^[a-z0-9_]{1,64}$/;

export function addFilterOptions(command: Command): Command {
  return command
    .option('--lane <lane>', 'only messages of this lane: routine, urgent or unknown')
    .option('--kind <kind>', 'only messages of this kind: parked, dead-lettered, unreadable or unsealed')
    .option(
      '--reason <code>',
      'only messages with this reason code (invalid_token, max_receives_exceeded, ...)',
    );
}

/** The filter the flags ask for; a bad value is bad usage (exit 2) naming the flag. */
export function filterOf(flags: FilterFlags): DlqFilter {
  const lane = flags.lane;
  if (lane !== undefined && !LANES.includes(lane as MessageLane)) {
    throw new CliError(`--lane: not a lane (give ${LANES.join(', ')})`, ExitCode.Usage);
  }
  const kind = flags.kind === undefined ? undefined : KINDS[flags.kind];
  if (flags.kind !== undefined && kind === undefined) {
    throw new CliError(
      '--kind: not a kind (give parked, dead-lettered, unreadable or unsealed)',
      ExitCode.Usage,
    );
  }
  if (flags.reason !== undefined && !REASON.test(flags.reason)) {
    throw new CliError(
      '--reason: not a reason code (lower-case letters, digits and _, as dlq list shows them)',
      ExitCode.Usage,
    );
  }
  return {
    ...(lane === undefined ? {} : { lane: lane as MessageLane }),
    ...(kind === undefined ? {} : { kind }),
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
  };
}

/** True when the message meets every condition of the filter. */
export function selects(
  filter: DlqFilter,
  message: { readonly lane: MessageLane; readonly classified: Pick<ClassifiedMessage, 'kind' | 'reason'> },
): boolean {
  return (
    (filter.lane === undefined || filter.lane === message.lane) &&
    (filter.kind === undefined || filter.kind === message.classified.kind) &&
    (filter.reason === undefined || filter.reason === message.classified.reason)
  );
}

/** `lane urgent, kind parked` for notes; empty without conditions. */
export function describeFilter(filter: DlqFilter): string {
  return [
    filter.lane === undefined ? '' : `lane ${filter.lane}`,
    filter.kind === undefined ? '' : `kind ${filter.kind}`,
    filter.reason === undefined ? '' : `reason ${filter.reason}`,
  ]
    .filter((part) => part !== '')
    .join(', ');
}
