import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { wrap } from '../../functions/cli/terminal-width';
import { LOCAL_CREDENTIALS } from '../local-sqs';
import { FunctionKind, logGroupName } from './function-protocol';
import type { Pipeline } from './pipeline';

/** The functions' log groups on the local logs stand-in (AUDIT_LOG_GROUPS). */
export const LOCAL_LOG_GROUPS = [
  logGroupName(FunctionKind.Urgent),
  logGroupName(FunctionKind.Routine),
] as const;

/**
 * Writes tokens to `path` with mode 0600, whether or not the file exists: they go to a new file
 * (created 0600, never readable by others) that then replaces `path`, so an existing 0644 file, or
 * a link, is replaced rather than written through.
 */
export function writeSecretFile(path: string, lines: readonly string[]): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * The environment another terminal needs: the SDK's standard variables (so the README's
 * `new SQSClient({})` reaches the local server), the queue variables the CLI and the library example
 * read, and the simulator's URL for `inspect`.
 */
export function clientEnvironment(
  pipeline: Pipeline,
  sqsEndpoint: string,
  logsEndpoint?: string,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    REVOCATION_QUEUE_URL: pipeline.routineQueueUrl,
    REVOCATION_URGENT_QUEUE_URL: pipeline.urgentQueueUrl,
    DEAD_LETTER_QUEUE_URL: pipeline.deadLetterQueueUrl,
    PARKED_QUEUE_URL: pipeline.parkedQueueUrl,
    STACKEXCHANGE_API_URL: pipeline.simulator.url,
    // `token-revoker audit` searches the functions' log groups on the local CloudWatch Logs stand-in.
    ...(logsEndpoint === undefined
      ? {}
      : {
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logsEndpoint,
          AUDIT_LOG_GROUPS: LOCAL_LOG_GROUPS.join(','),
        }),
    PARKED_MESSAGE_KEY: pipeline.environment.PARKED_MESSAGE_KEY ?? '',
    // `token-revoker pause`, `resume` and `status`: the control table, the urgent mapping, the budget.
    CONTROL_TABLE_NAME: pipeline.control.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: pipeline.control.endpoint,
    URGENT_EVENT_SOURCE_MAPPING_UUID: pipeline.lambda.urgentMappingUuid,
    AWS_ENDPOINT_URL_LAMBDA: pipeline.lambda.endpoint,
    DAILY_CALL_BUDGET: String(pipeline.settings.budget.dailyCallBudget),
    URGENT_RESERVE_CALLS: String(pipeline.settings.budget.urgentReserveCalls),
  };
}

/**
 * What `--keep-running` prints: the environment and the commands to try against the running pipeline.
 * Prose wraps to `width`; the export and command lines stay whole, to be copied.
 */
export function keepRunningText(
  environment: Readonly<Record<string, string>>,
  tokensFile: string,
  maxHoldSeconds: number,
  width: number,
): string {
  const exports = Object.entries(environment).map(([name, value]) => `  export ${name}=${value}`);
  const commands: readonly (readonly [string, string])[] = [
    [`enqueue --file ${tokensFile}`, `routine: held up to ${maxHoldSeconds} s to fill a call of 20`],
    [`enqueue --urgent --file ${tokensFile}`, 'urgent: revoked at once'],
    [`inspect --file ${tokensFile}`, 'not_found once revoked'],
    [`audit --file ${tokensFile}`, "revoked when and how, from the functions' logs (audit trail)"],
    ['dlq list', 'the parked demo input and one dead-lettered logout'],
    ['dlq redrive', 'replays the dead-lettered logout to its own lane (routine)'],
    ['pause --lane all --reason "trying pause"', 'both lanes receive nothing until resume'],
    ['status', 'pauses, budget, queue depths, oldest pending, dead letters by kind and reason'],
    ['resume --lane all', 'both lanes take work again'],
  ];
  const prose = (text: string) => wrap(text, width).join('\n');
  return [
    '',
    prose("Keep running: Ctrl-C (or SIGTERM to npm's process) stops everything. In another terminal:"),
    ...exports,
    ...commands.flatMap(([command, comment]) => [`  # ${comment}`, `  npx token-revoker ${command}`]),
    prose(
      "With these variables, the README's library example (new SQSClient({}) and REVOCATION_QUEUE_URL) enqueues here too.",
    ),
    prose(
      'From now on, one line per event: routine runs, urgent invocations, settled tokens (fingerprints only), arrivals in the dead-letter and parked queues, and replays.',
    ),
  ].join('\n');
}
