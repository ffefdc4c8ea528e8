import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { AUDIT_MESSAGE, type AuditRecord } from '../../functions/lib/audit';
import { type Env, readConfig } from '../../functions/lib/config';
import { type ConsumerConfig, readConsumerConfig } from '../../functions/routine-consumer/config';
import type { InvocationReport } from '../event-source';
import { createControlTable, localDynamoDbClient, startLoopbackDynamoDb } from '../local-dynamodb';
import { startLocalLambda } from '../local-lambda';
import type { LocalLogs } from '../local-logs';
import { type Simulator, type SimulatorOptions, startSimulator } from '../simulator';
import { FunctionKind, functionName, logGroupName } from './function-protocol';
import { peekAll, type QueueDepth, queueDepth } from './queues';
import { type RoutineLane, type RoutineRun, startRoutineLane } from './routine-lane';
import { type LocalOverrides, type LocalSettings, localSettings } from './settings';
import { startUrgentLane, type UrgentLane } from './urgent-lane';

/** A running SQS-compatible server on 127.0.0.1 and a client for it. */
export interface SqsServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly client: SQSClient;
}

export interface PipelineOptions extends LocalOverrides {
  readonly sqs: SqsServer;
  /** Prefix of the queue names, so several pipelines share one server. @default 'token-revocations' */
  readonly name?: string;
  readonly simulator?: SimulatorOptions;
  /** Extra consumer settings for tests (e.g. RECEIVE_WAIT_SECONDS), as the function's environment. @default none */
  readonly consumerEnvironment?: Env;
  /** The functions' logs (Powertools JSON lines), audit lines aside. @default discarded */
  readonly onOutput?: (text: string) => void;
  /** Where every line of the functions' output is kept, per function log group (for `token-revoker audit`). @default nowhere */
  readonly logs?: Pick<LocalLogs, 'append'>;
  /** Each audit line ("Token settled") a function writes. @default ignored */
  readonly onAudit?: (record: AuditLine) => void;
  readonly onInvocation?: (report: InvocationReport) => void;
  readonly onRun?: (run: RoutineRun) => void;
  /** Starts the routine schedule paused. @default false */
  readonly schedulePaused?: boolean;
  /** Long-poll wait of the urgent event source's empty pollers (tests shorten how long disabling takes). @default 20 */
  readonly urgentPollWaitSeconds?: number;
}

/** Both lanes on 127.0.0.1, with the deployed settings (infra/settings.ts) unless overridden. */
export interface Pipeline {
  readonly simulator: Simulator;
  readonly settings: LocalSettings;
  readonly routineQueueUrl: string;
  readonly urgentQueueUrl: string;
  /** SQS's redrive target: requests whose receives ran out. */
  readonly deadLetterQueueUrl: string;
  /** Where the functions park bad input (PARKED_QUEUE_URL). */
  readonly parkedQueueUrl: string;
  readonly routine: RoutineLane;
  readonly urgent: UrgentLane;
  /** The environment the functions are configured from (what the CDK construct would set). */
  readonly environment: Readonly<Record<string, string>>;
  /** The shared control table (budget, pauses, quota) on a local DynamoDB server: its name and endpoint. */
  readonly control: { readonly tableName: string; readonly endpoint: string };
  /**
   * The Lambda API stand-in (tools/local-lambda) serving the urgent lane's event source mapping, which
   * `token-revoker pause` disables and `resume` enables: its endpoint and the mapping's UUID.
   */
  readonly lambda: { readonly endpoint: string; readonly urgentMappingUuid: string };
  depth(queueUrl: string): Promise<QueueDepth>;
  /** Every message set aside, read without deleting it: the dead-letter queue's, then the parked queue's. */
  deadLetters(): Promise<Message[]>;
  stop(): Promise<void>;
}

/** The functions' shared environment: the same variables the CDK construct sets, local values. */
function functionEnvironment(
  settings: LocalSettings,
  endpoints: {
    readonly api: string;
    readonly sqs: string;
    readonly parkedQueueUrl: string;
    readonly dynamodb: string;
    readonly controlTableName: string;
  },
): Record<string, string> {
  return {
    STACKEXCHANGE_API_URL: endpoints.api,
    PARKED_QUEUE_URL: endpoints.parkedQueueUrl,
    // The key parked messages are sealed with (decision record 0005): a fresh one per local pipeline.
    PARKED_MESSAGE_KEY: randomBytes(32).toString('hex'),
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    CONTROL_TABLE_NAME: endpoints.controlTableName,
    DAILY_CALL_BUDGET: String(settings.budget.dailyCallBudget),
    URGENT_RESERVE_CALLS: String(settings.budget.urgentReserveCalls),
    // Local timeouts are short: keep half a second to report and park, and requests under half of it.
    DEADLINE_SAFETY_MARGIN_MS: '500',
    STACKEXCHANGE_TIMEOUT_MS: String(
      Math.min(10_000, Math.max(1000, settings.urgent.functionTimeoutSeconds * 500)),
    ),
  };
}

/** An audit line as a function wrote it: the record, with the function's context. */
export type AuditLine = AuditRecord & { readonly function_request_id?: string };

/**
 * What happens to a function's output, line by line: every line is kept in its log group (as Lambda
 * ships it to CloudWatch Logs); audit lines go to `onAudit`, the others to `onOutput`.
 */
function functionOutput(kind: FunctionKind, options: PipelineOptions): (text: string) => void {
  return (text) => {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      options.logs?.append(logGroupName(kind), line);
      const record = auditLineOf(line);
      if (record !== undefined) options.onAudit?.(record);
      else options.onOutput?.(`${line}\n`);
    }
  };
}

function auditLineOf(line: string): AuditLine | undefined {
  if (!line.startsWith('{') || !line.includes(AUDIT_MESSAGE)) return undefined;
  try {
    const parsed = JSON.parse(line) as AuditLine & { message?: unknown };
    return parsed.message === AUDIT_MESSAGE ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const settings = localSettings(options);
  const sqs = options.sqs.client;
  const name = options.name ?? 'token-revocations';

  const create = async (queueName: string, attributes: Record<string, string>) => {
    const { QueueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
  };
  const dlq = await create(`${name}-dlq`, {
    MessageRetentionPeriod: String(settings.deadLetterRetentionPeriodSeconds),
  });
  // Parked input has a queue of its own, as deployed (the construct's ParkedQueue).
  const parked = await create(`${name}-parked`, {
    MessageRetentionPeriod: String(settings.deadLetterRetentionPeriodSeconds),
  });
  const redrive = (maxReceiveCount: number) =>
    JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount });
  const routineQueue = await create(name, {
    VisibilityTimeout: String(settings.routine.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(settings.retentionPeriodSeconds),
    RedrivePolicy: redrive(settings.routine.maxReceiveCount),
  });
  const urgentQueue = await create(`${name}-urgent`, {
    VisibilityTimeout: String(settings.urgent.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(settings.retentionPeriodSeconds),
    RedrivePolicy: redrive(settings.urgent.maxReceiveCount),
  });

  // The control table on its own loopback DynamoDB server (dynalite, in memory), as the construct creates it.
  const dynamodb = await startLoopbackDynamoDb();
  const dynamodbClient = localDynamoDbClient(dynamodb.endpoint);
  const controlTableName = await createControlTable(dynamodbClient, `${name}-control`);
  dynamodbClient.destroy();
  const simulator = await startSimulator(options.simulator);
  const environment = functionEnvironment(settings, {
    api: simulator.url,
    sqs: options.sqs.endpoint,
    parkedQueueUrl: parked.url,
    dynamodb: dynamodb.endpoint,
    controlTableName,
  });
  const urgentConfig = readConfig({
    ...environment,
    STACKEXCHANGE_REQUESTS_PER_SECOND: String(settings.urgent.requestsPerSecondPerFunction),
    STACKEXCHANGE_CALL_CONCURRENCY: String(settings.urgent.callConcurrency),
  });
  const consumerConfig: ConsumerConfig = readConsumerConfig({
    ...environment,
    STACKEXCHANGE_REQUESTS_PER_SECOND: String(settings.routine.requestsPerSecond),
    STACKEXCHANGE_CALL_CONCURRENCY: String(settings.routine.callConcurrency),
    ROUTINE_QUEUE_URL: routineQueue.url,
    TICK_SECONDS: String(settings.routine.tickSeconds),
    MAX_HOLD_SECONDS: String(settings.routine.maxHoldSeconds),
    MAX_DEFER_SECONDS: String(settings.routine.maxDeferSeconds),
    QUOTA_RESERVE_FRACTION: String(settings.routine.quotaReserveFraction),
    ROUTINE_QUOTA_FLOOR_FRACTION: String(settings.budget.routineQuotaFloorFraction),
    ...options.consumerEnvironment,
  });

  const urgent = await startUrgentLane({
    sqs,
    queueUrl: urgentQueue.url,
    config: urgentConfig,
    settings: {
      batchSize: settings.urgent.batchSize,
      maxBatchingWindowMs: settings.urgent.maxBatchingWindowSeconds * 1000,
      maxConcurrency: settings.urgent.maxConcurrency,
      functionTimeoutMs: settings.urgent.functionTimeoutSeconds * 1000,
      ...(options.urgentPollWaitSeconds === undefined
        ? {}
        : { pollWaitSeconds: options.urgentPollWaitSeconds }),
    },
    onOutput: functionOutput(FunctionKind.Urgent, options),
    onInvocation: options.onInvocation,
  });
  const lambda = await startLocalLambda();
  const urgentMappingUuid = lambda.addEventSourceMapping({
    source: urgent.source,
    eventSourceArn: urgent.source.queueArn,
    functionName: functionName(FunctionKind.Urgent),
    batchSize: settings.urgent.batchSize,
    maximumBatchingWindowInSeconds: settings.urgent.maxBatchingWindowSeconds,
    maximumConcurrency: settings.urgent.maxConcurrency,
  });
  const routine = startRoutineLane({
    config: consumerConfig,
    functionTimeoutMs: settings.routine.functionTimeoutSeconds * 1000,
    onOutput: functionOutput(FunctionKind.Routine, options),
    onRun: options.onRun,
    paused: options.schedulePaused,
  });

  return {
    simulator,
    settings,
    routineQueueUrl: routineQueue.url,
    urgentQueueUrl: urgentQueue.url,
    deadLetterQueueUrl: dlq.url,
    parkedQueueUrl: parked.url,
    routine,
    urgent,
    environment,
    control: { tableName: controlTableName, endpoint: dynamodb.endpoint },
    lambda: { endpoint: lambda.endpoint, urgentMappingUuid },
    depth: (queueUrl) => queueDepth(sqs, queueUrl),
    deadLetters: async () => [...(await peekAll(sqs, dlq.url)), ...(await peekAll(sqs, parked.url))],
    async stop() {
      await Promise.all([routine.stop(), urgent.stop()]);
      await Promise.all([simulator.close(), dynamodb.stop(), lambda.stop()]);
    },
  };
}
