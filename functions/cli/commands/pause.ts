import { Command, Option } from 'commander';
import type { OperatorPause } from '../../lib/control/store';
import { Lane } from '../../lib/telemetry-names';
import {
  addControlOptions,
  type ControlFlags,
  describeAwsFailure,
  type LaneChoice,
  laneChoice,
  lanesOf,
  type MappingState,
  openControlStore,
  openMappingSwitch,
  operatorName,
  urgentMappingSetting,
  withRegion,
} from '../control-settings';
import { CliError, EXIT_CODES_HELP, ExitCode } from '../exit-codes';
import { type Io, Output } from '../io';
import { type FromCommandLine, fromCommandLineOf } from '../setting-error';

type PauseFlags = ControlFlags & {
  readonly lane?: string;
  readonly reason?: string;
  readonly by?: string;
  readonly json?: boolean;
  readonly waitSeconds: string;
};

/** The longest reason kept: it is logged by the paused lane on every run. */
export const MAX_REASON_LENGTH = 500;

/** `--reason`: required, one line of printable text, at most MAX_REASON_LENGTH characters. */
export function reasonSetting(value: string | undefined): string {
  const reason = value?.trim() ?? '';
  if (reason === '')
    throw new CliError(
      '--reason is required: say why (status shows it, the paused lane logs it)',
      ExitCode.Usage,
    );
  if (reason.length > MAX_REASON_LENGTH)
    throw new CliError(`--reason: at most ${MAX_REASON_LENGTH} characters`, ExitCode.Usage);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(reason))
    throw new CliError('--reason: one line of text, without control characters', ExitCode.Usage);
  return reason;
}

function waitSecondsSetting(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isInteger(seconds) || seconds < 0 || seconds > 900)
    throw new CliError('--wait-seconds: an integer from 0 to 900', ExitCode.Usage);
  return seconds;
}

/** One lane's outcome, as printed and in --json. */
interface LaneOutcome {
  readonly lane: Lane;
  readonly paused: boolean;
  /** The pause written (pause) or ended (resume); undefined when resume found none. */
  readonly pause?: { readonly reason: string; readonly at: string; readonly by?: string };
  /** The urgent lane's event source mapping after the change. */
  readonly mapping?: MappingState;
}

const shown = (pause: OperatorPause) => ({
  reason: pause.reason,
  at: new Date(pause.at).toISOString(),
  ...(pause.by === undefined ? {} : { by: pause.by }),
});

/**
 * Pauses or resumes lanes. Order matters: pausing, the urgent mapping is disabled first (what it hands
 * out meanwhile is still revoked), then every pause is written; resuming, the pauses are removed first,
 * then the mapping is enabled (a batch it hands out must not find the pause and be held 12 hours).
 */
async function run(
  action: 'pause' | 'resume',
  flags: PauseFlags,
  io: Io,
  fromCommandLine: FromCommandLine,
): Promise<number> {
  const output = new Output(io, flags.json === true);
  const choice: LaneChoice = laneChoice(flags.lane);
  const lanes = lanesOf(choice);
  const reason = action === 'pause' ? reasonSetting(flags.reason) : undefined;
  const waitMs = waitSecondsSetting(flags.waitSeconds) * 1000;
  // The mapping is touched only when the urgent lane is: pausing routine leaves it as it is.
  const uuid = lanes.includes(Lane.Urgent)
    ? urgentMappingSetting(
        flags,
        fromCommandLine,
        `to ${action} the urgent lane: it stops or starts its event source`,
      )
    : undefined;
  const control = await openControlStore(flags, fromCommandLine);
  const mapping = uuid === undefined ? undefined : await openMappingSwitch(flags, uuid, fromCommandLine);
  const outcomes: LaneOutcome[] = [];
  const problems: CliError[] = [];
  try {
    let mappingState: MappingState | undefined;
    const switchMapping = async (enabled: boolean) => {
      if (mapping === undefined) return;
      try {
        mappingState = await mapping.set(enabled, waitMs);
      } catch (error) {
        problems.push(
          describeAwsFailure(
            error,
            `${enabled ? 'enabling' : 'disabling'} the urgent event source mapping ${uuid}`,
          ),
        );
      }
    };
    if (action === 'pause') await switchMapping(false);
    const by = operatorName(flags.by);
    const pause: OperatorPause | undefined =
      reason === undefined ? undefined : { reason, at: Date.now(), ...(by === undefined ? {} : { by }) };
    for (const lane of lanes) {
      try {
        if (pause !== undefined) {
          await control.store.pauseLane(lane, pause);
          outcomes.push({ lane, paused: true, pause: shown(pause) });
        } else {
          const ended = await control.store.resumeLane(lane);
          outcomes.push({ lane, paused: false, ...(ended ? { pause: shown(ended) } : {}) });
        }
      } catch (error) {
        problems.push(describeAwsFailure(error, `writing the ${lane} lane's pause to ${control.tableName}`));
      }
    }
    // A mapping enabled while the urgent pause is still written would have its batches held 12 hours.
    if (action === 'resume' && outcomes.some((outcome) => outcome.lane === Lane.Urgent))
      await switchMapping(true);
    const withMapping = outcomes.map((outcome) =>
      outcome.lane === Lane.Urgent && mappingState !== undefined
        ? { ...outcome, mapping: mappingState }
        : outcome,
    );

    for (const outcome of withMapping) output.line(lineOf(action, outcome));
    const wanted = action === 'pause' ? 'Disabled' : 'Enabled';
    if (mappingState !== undefined && mappingState.state !== wanted) {
      output.note(
        `${action}: the urgent event source mapping is ${mappingState.state}, not yet ${wanted}: token-revoker status shows when it is`,
      );
    }
    for (const problem of problems) output.note(`${action}: ${problem.message}`);
    if (problems.length > 0 && action === 'pause' && withMapping.some((o) => o.lane === Lane.Urgent))
      output.note(
        'pause: the urgent lane is paused in the control table: a batch its event source still hands out is held, not revoked',
      );
    const exitCode = problems.length > 0 ? ExitCode.Unavailable : ExitCode.Ok;
    output.document({
      command: action,
      exitCode,
      lane: choice,
      controlTable: control.tableName,
      lanes: withMapping,
      ...(problems.length === 0 ? {} : { errors: problems.map((problem) => problem.message) }),
    });
    return exitCode;
  } finally {
    control.destroy();
    mapping?.destroy();
  }
}

function lineOf(action: 'pause' | 'resume', outcome: LaneOutcome): string {
  const mapping = outcome.mapping === undefined ? '' : `; event source ${outcome.mapping.state}`;
  if (action === 'pause') {
    const { reason = '', at = '', by } = outcome.pause ?? {};
    return `${outcome.lane}: paused since ${at}${by === undefined ? '' : ` by ${by}`}: ${reason}${mapping}`;
  }
  const ended =
    outcome.pause === undefined
      ? 'was not paused'
      : `resumed (paused since ${outcome.pause.at}${outcome.pause.by === undefined ? '' : ` by ${outcome.pause.by}`}: ${outcome.pause.reason})`;
  return `${outcome.lane}: ${ended}${mapping}`;
}

const LANE_HELP = `Lanes:
  routine  the scheduled consumer: while paused, each run receives nothing and logs one line with
           the reason (metric OperatorPausedRuns)
  urgent   the SQS-triggered function: pause disables its event source mapping, so it receives
           nothing; resume enables it again. Each batch also reads the pause: if something enabled
           the mapping again (a deploy that changes it), batches are held (hidden up to 12 hours,
           never revoked) until resume; run pause --lane urgent again to disable it
  all      both

The pause is an item of the control table (pause#lane#routine, pause#lane#urgent), which both
functions read at every run and batch: it lasts until resume, across deploys and cold starts.`;

function pauseOptions(command: Command): Command {
  return withRegion(addControlOptions(command))
    .addOption(new Option('--lane <lane>', 'routine, urgent or all'))
    .option('--json', 'print one JSON document on stdout (for scripts) instead of text')
    .option(
      '--wait-seconds <n>',
      "how long to wait for the urgent event source mapping's new state (it is not instant)",
      '60',
    );
}

/** `token-revoker pause`: stops a lane until `resume`, across deploys. */
export function pauseCommand(io: Io, setExitCode: (code: number) => void): Command {
  return pauseOptions(new Command('pause'))
    .description('pause a lane (routine, urgent or all) until resume: it receives nothing, across deploys')
    .addOption(
      new Option('--reason <text>', 'why (shown by status, logged by the paused lane; never a token)'),
    )
    .addOption(new Option('--by <name>', 'who pauses (default: your user@host)'))
    .addHelpText(
      'after',
      `
${LANE_HELP}

Examples:
  $ token-revoker pause --lane all --reason "Stack Exchange incident 1234"
  $ token-revoker pause --lane routine --reason "bulk import running" --json

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: PauseFlags, self: Command) => {
      setExitCode(await run('pause', flags, io, fromCommandLineOf(self)));
    });
}

/** `token-revoker resume`: ends an operator's pause of a lane. */
export function resumeCommand(io: Io, setExitCode: (code: number) => void): Command {
  return pauseOptions(new Command('resume'))
    .description("end a lane's pause (routine, urgent or all): the next run or batch takes work again")
    .addHelpText(
      'after',
      `
${LANE_HELP}

Batches held while the urgent lane was paused with its mapping enabled come back when their hold
ends (at most 12 hours). Resuming a lane that is not paused changes nothing (exit 0).

Examples:
  $ token-revoker resume --lane all
  $ token-revoker resume --lane urgent --json

${EXIT_CODES_HELP}
`,
    )
    .action(async (flags: PauseFlags, self: Command) => {
      setExitCode(await run('resume', flags, io, fromCommandLineOf(self)));
    });
}
