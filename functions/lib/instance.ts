import type { SQSClient } from '@aws-sdk/client-sqs';
import { resolveStoredText } from './app-key';
import { type AuditTrail, auditTrail } from './audit';
import { clientFromConfig } from './client-from-config';
import type { HandlerConfig } from './config';
import { dynamoControlStore } from './control/dynamo-store';
import { Governor } from './control/governor';
import { type ControlStore, memoryControlStore } from './control/store';
import { type Parker, sqsParker } from './park';
import { type ParkingKey, parkingKey } from './parked-message';
import { REFUSE_CLEARTEXT_STEP, refuseCleartext } from './queue-url';
import type { StackExchangeClient } from './stackexchange/client';
import { configurationError, createTelemetry, mergeCounts, publishCounts, type Telemetry } from './telemetry';
import { Lane } from './telemetry-names';

/** What a function instance may be given instead of building it (tests, the local pipeline, benchmarks). */
export interface InstanceDependencies {
  /** @default a client built from the configuration, app key resolved on first use */
  readonly client?: StackExchangeClient;
  /** @default new SQSClient({ endpoint: config.sqsEndpoint }), created on first use */
  readonly sqs?: SQSClient;
  /** @default Powertools logger and metrics named by the configuration */
  readonly telemetry?: Telemetry;
  /** @default the control table named by the configuration, or this process's memory without one */
  readonly control?: ControlStore;
}

/** What one function instance keeps across invocations. */
export interface Instance extends Telemetry {
  /**
   * The Stack Exchange client (backoff, throttle and quota state carry over). A failed start (the app
   * key cannot be read) is logged and counted as a configuration error of `lane`, rethrown, and
   * tried again on the next invocation.
   */
  stackExchange(lane: Lane): Promise<StackExchangeClient>;
  /** The SQS client, loaded and created on first use. */
  sqs(): Promise<SQSClient>;
  /** Parks entries in the configured parked queue (PARKED_QUEUE_URL), sealed with the parking key. */
  readonly park: Parker;
  /** The lane's view of the shared control table (budget, pauses, quota). */
  readonly governor: (lane: Lane) => Governor;
  /** Writes one audit line per settled token. */
  readonly auditTrail: AuditTrail;
  /**
   * The parking key (decision record 0005), read on first use. One that cannot be read is logged and
   * counted as a configuration error (`parking_key_unavailable`), and tried again on the next call;
   * meanwhile messages are parked unsealed rather than not at all.
   */
  parkingKey(): Promise<ParkingKey | undefined>;
}

/** Builds an instance's clients lazily from the configuration: the cold start does no I/O. */
export function createInstance(config: HandlerConfig, dependencies: InstanceDependencies = {}): Instance {
  const telemetry = dependencies.telemetry ?? createTelemetry(config);
  const { logger, metrics } = telemetry;
  let client: Promise<StackExchangeClient> | undefined =
    dependencies.client === undefined ? undefined : Promise.resolve(dependencies.client);
  let sqs: Promise<SQSClient> | undefined =
    dependencies.sqs === undefined ? undefined : Promise.resolve(dependencies.sqs);

  const stackExchange = async (lane: Lane) => {
    client ??= clientFromConfig(config);
    try {
      return await client;
    } catch (error) {
      client = undefined; // try again on the next invocation
      logger.error('Cannot start the Stack Exchange client', {
        error: { name: (error as Error).name, message: (error as Error).message },
      });
      publishCounts(metrics, mergeCounts(configurationError('app_key_unavailable')), lane);
      throw error;
    }
  };
  const sqsClient = () => {
    sqs ??= import('@aws-sdk/client-sqs').then(({ SQSClient }) => {
      const client = new SQSClient(config.sqsEndpoint === undefined ? {} : { endpoint: config.sqsEndpoint });
      // Message bodies hold tokens: whatever endpoint the SDK resolves, never send them in cleartext.
      client.middlewareStack.add(refuseCleartext('AWS_ENDPOINT_URL_SQS'), REFUSE_CLEARTEXT_STEP);
      return client;
    });
    return sqs;
  };
  let key: Promise<ParkingKey | undefined> | undefined;
  const parkingKeyOf = () => {
    key ??= resolveStoredText(config.parkingKeySource, {
      what: 'the parking key',
      secret: 'PARKED_MESSAGE_KEY_SECRET_ID',
      parameter: 'PARKED_MESSAGE_KEY_SECRET_ID',
    })
      .then((text) => (text === undefined ? undefined : parkingKey(text, 'PARKED_MESSAGE_KEY_SECRET_ID')))
      .catch((error: unknown) => {
        key = undefined; // try again on the next call
        logger.error('Cannot read the parking key; parking unsealed', {
          error: { name: (error as Error).name, message: (error as Error).message },
        });
        publishCounts(metrics, mergeCounts(configurationError('parking_key_unavailable')), Lane.Urgent);
        return undefined;
      });
    return key;
  };
  const park = sqsParker({
    key: parkingKeyOf,
    queueUrl: config.parkedQueueUrl,
    sqs: sqsClient,
    onError: (error, entries) => {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      logger.error('Parking failed; the messages will be retried', { error: { name, message }, entries });
    },
  });
  const control = dependencies.control ?? controlStoreFor(config);
  const governor = (lane: Lane) => new Governor(control, config, lane);
  return {
    ...telemetry,
    stackExchange,
    sqs: sqsClient,
    park,
    governor,
    auditTrail: auditTrail(telemetry.audit ?? logger),
    parkingKey: parkingKeyOf,
  };
}

/** The control table named by the configuration (its client loaded on first use), else this process's memory. */
function controlStoreFor(config: HandlerConfig): ControlStore {
  const tableName = config.controlTableName;
  if (tableName === undefined) return memoryControlStore();
  let store: Promise<ControlStore> | undefined;
  const load = () => {
    store ??= import('@aws-sdk/client-dynamodb').then(({ DynamoDBClient }) =>
      dynamoControlStore(
        new DynamoDBClient(
          config.dynamodbEndpoint === undefined ? {} : { endpoint: config.dynamodbEndpoint },
        ),
        tableName,
      ),
    );
    return store;
  };
  return {
    read: async (day) => (await load()).read(day),
    reserve: async (...args) => (await load()).reserve(...args),
    adjust: async (...args) => (await load()).adjust(...args),
    recordPause: async (pause) => (await load()).recordPause(pause),
    recordQuota: async (quota) => (await load()).recordQuota(quota),
    claimProbe: async (...args) => (await load()).claimProbe(...args),
    pauseLane: async (...args) => (await load()).pauseLane(...args),
    resumeLane: async (lane) => (await load()).resumeLane(lane),
    recordBacklog: async (...args) => (await load()).recordBacklog(...args),
  };
}
