import { hostname, userInfo } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type Command, Option } from 'commander';
import { dynamoControlStore } from '../lib/control/dynamo-store';
import type { ControlStore } from '../lib/control/store';
import { ConfigurationError } from '../lib/errors';
import { checkScheme, REFUSE_CLEARTEXT_STEP, refuseCleartext } from '../lib/queue-url';
import { Lane } from '../lib/telemetry-names';
import { CliError, ExitCode } from './exit-codes';
import { checkSetting, type FromCommandLine } from './setting-error';

/** Settings of `pause`, `resume` and `status`: the control table and the urgent lane's event source mapping. */
export interface ControlFlags {
  /** --control-table / CONTROL_TABLE_NAME (stack output ControlTableName). Required. */
  readonly controlTable?: string;
  /** --dynamodb-endpoint / AWS_ENDPOINT_URL_DYNAMODB. @default the SDK's regional endpoint */
  readonly dynamodbEndpoint?: string;
  /** --urgent-mapping / URGENT_EVENT_SOURCE_MAPPING_UUID (stack output UrgentEventSourceMappingUuid). */
  readonly urgentMapping?: string;
  /** --lambda-endpoint / AWS_ENDPOINT_URL_LAMBDA. @default the SDK's regional endpoint */
  readonly lambdaEndpoint?: string;
  /** --region / AWS_REGION. @default the SDK's configuration */
  readonly region?: string;
}

export const CONTROL_TABLE_LABEL = '--control-table / CONTROL_TABLE_NAME';
export const URGENT_MAPPING_LABEL = '--urgent-mapping / URGENT_EVENT_SOURCE_MAPPING_UUID';
const DYNAMODB_ENDPOINT_LABEL = '--dynamodb-endpoint / AWS_ENDPOINT_URL_DYNAMODB';
const LAMBDA_ENDPOINT_LABEL = '--lambda-endpoint / AWS_ENDPOINT_URL_LAMBDA';

/** The lanes a command acts on: `routine`, `urgent` or both (`all`). */
export type LaneChoice = 'routine' | 'urgent' | 'all';

/** The control table and mapping options (`--region` comes from addSqsOptions, or add it with `withRegion`). */
export function addControlOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--control-table <name>', 'the control table (stack output ControlTableName)').env(
        'CONTROL_TABLE_NAME',
      ),
    )
    .addOption(
      new Option(
        '--urgent-mapping <uuid>',
        "the urgent lane's event source mapping (stack output UrgentEventSourceMappingUuid)",
      ).env('URGENT_EVENT_SOURCE_MAPPING_UUID'),
    )
    .addOption(
      new Option(
        '--dynamodb-endpoint <url>',
        'explicit DynamoDB endpoint (local servers; https unless loopback)',
      ).env('AWS_ENDPOINT_URL_DYNAMODB'),
    )
    .addOption(
      new Option(
        '--lambda-endpoint <url>',
        'explicit Lambda endpoint (local servers; https unless loopback)',
      ).env('AWS_ENDPOINT_URL_LAMBDA'),
    );
}

/** `--region` / AWS_REGION, for commands without the SQS options. */
export const withRegion = (command: Command): Command =>
  command.addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'));

/** `--lane`: routine, urgent or all; anything else is bad usage naming the flag. */
export function laneChoice(value: string | undefined): LaneChoice {
  if (value === 'routine' || value === 'urgent' || value === 'all') return value;
  throw new CliError(
    value === undefined
      ? '--lane is required: routine, urgent or all'
      : '--lane must be routine, urgent or all',
    ExitCode.Usage,
  );
}

export const lanesOf = (choice: LaneChoice): readonly Lane[] =>
  choice === 'all' ? [Lane.Routine, Lane.Urgent] : [choice];

/** An event source mapping's UUID, as Lambda prints it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The urgent mapping's UUID: checked when given; `required` says why it must be given. */
export function urgentMappingSetting(
  flags: ControlFlags,
  fromCommandLine: FromCommandLine,
  required: string | undefined,
): string | undefined {
  const value = flags.urgentMapping?.trim() || undefined;
  if (value === undefined) {
    if (required === undefined) return undefined;
    throw new CliError(
      `${URGENT_MAPPING_LABEL} is required ${required} (stack output UrgentEventSourceMappingUuid)`,
      ExitCode.Usage,
    );
  }
  if (!UUID.test(value)) {
    throw new CliError(
      `${URGENT_MAPPING_LABEL}: not an event source mapping UUID (8-4-4-4-12 hex digits)`,
      fromCommandLine('urgentMapping') ? ExitCode.Usage : ExitCode.Unavailable,
    );
  }
  return value;
}

/** The control table's name: required. */
export function controlTableSetting(flags: ControlFlags): string {
  const value = flags.controlTable?.trim();
  if (!value) {
    throw new CliError(`${CONTROL_TABLE_LABEL} is required (stack output ControlTableName)`, ExitCode.Usage);
  }
  return value;
}

/** An explicit service endpoint: a URL, https unless loopback. */
function endpointSetting(value: string | undefined, label: string, what: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(label, 'not a URL');
  }
  checkScheme(url.protocol, url.hostname, label, what);
  return url.href.replace(/\/+$/, '');
}

/** Region, endpoint, and no cleartext but to loopback: what every CLI client of these commands shares. */
async function configured<Client extends DynamoDBClient | LambdaClient>(
  client: Client,
  label: string,
): Promise<Client> {
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new CliError('no AWS region: pass --region REGION or set AWS_REGION', ExitCode.Usage);
  }
  client.middlewareStack.add(refuseCleartext(label), REFUSE_CLEARTEXT_STEP);
  return client;
}

/** The control table, through a DynamoDB client made for this command (destroy it after). */
export async function openControlStore(
  flags: ControlFlags,
  fromCommandLine: FromCommandLine,
): Promise<{ readonly store: ControlStore; readonly tableName: string; readonly destroy: () => void }> {
  const tableName = controlTableSetting(flags);
  const endpoint = checkSetting(
    () => endpointSetting(flags.dynamodbEndpoint, DYNAMODB_ENDPOINT_LABEL, 'the DynamoDB endpoint'),
    fromCommandLine('dynamodbEndpoint'),
  );
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const client = await configured(
    new DynamoDBClient({
      ...(flags.region ? { region: flags.region } : {}),
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: 2,
    }),
    DYNAMODB_ENDPOINT_LABEL,
  );
  return { store: dynamoControlStore(client, tableName), tableName, destroy: () => client.destroy() };
}

/** What GetEventSourceMapping says of the urgent mapping. */
export interface MappingState {
  readonly uuid: string;
  /** `Enabled`, `Disabling`, `Disabled`, `Enabling`, `Updating`, ... */
  readonly state: string;
}

/** The urgent lane's event source mapping: read its state, enable or disable it. */
export interface MappingSwitch {
  get(): Promise<MappingState>;
  /** UpdateEventSourceMapping Enabled, then waits up to `waitMs` for `Enabled` / `Disabled`. */
  set(enabled: boolean, waitMs: number): Promise<MappingState>;
  destroy(): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A switch of the mapping through a Lambda client made for this command (loaded now, never by the functions). */
export async function openMappingSwitch(
  flags: ControlFlags,
  uuid: string,
  fromCommandLine: FromCommandLine,
): Promise<MappingSwitch> {
  const endpoint = checkSetting(
    () => endpointSetting(flags.lambdaEndpoint, LAMBDA_ENDPOINT_LABEL, 'the Lambda endpoint'),
    fromCommandLine('lambdaEndpoint'),
  );
  const lambda = await import('@aws-sdk/client-lambda');
  const client = await configured(
    new lambda.LambdaClient({
      ...(flags.region ? { region: flags.region } : {}),
      ...(endpoint ? { endpoint } : {}),
      maxAttempts: 2,
    }),
    LAMBDA_ENDPOINT_LABEL,
  );
  const get = async (): Promise<MappingState> => {
    const answer = await client.send(new lambda.GetEventSourceMappingCommand({ UUID: uuid }));
    return { uuid, state: answer.State ?? 'unknown' };
  };
  return {
    get,
    async set(enabled, waitMs) {
      const wanted = enabled ? 'Enabled' : 'Disabled';
      const answer = await client.send(
        new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: enabled }),
      );
      let state: MappingState = { uuid, state: answer.State ?? 'unknown' };
      const ends = Date.now() + waitMs;
      while (state.state !== wanted && Date.now() < ends) {
        await sleep(Math.min(1000, Math.max(0, ends - Date.now())));
        state = await get();
      }
      return state;
    },
    destroy: () => client.destroy(),
  };
}

/** An AWS call's failure as one line (exit 3): the service, what was asked, the error's name and message. */
export function describeAwsFailure(error: unknown, what: string): CliError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`${what} failed: ${name}: ${message}`, ExitCode.Unavailable, [], { cause: error });
}

/** Who is pausing: --by, else the operator's user and host (omitted when neither can be read). */
export function operatorName(by: string | undefined): string | undefined {
  if (by !== undefined && by.trim() !== '') return by.trim().slice(0, 200);
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return undefined;
  }
}
