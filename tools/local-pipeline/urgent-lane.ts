import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { HandlerConfig } from '../../functions/lib/config';
import { type InvocationReport, type SqsEventSource, startSqsEventSource } from '../event-source';
import { type FunctionProcess, startFunctionProcess } from './function-host';
import { FunctionKind } from './function-protocol';

/** The urgent lane's event source mapping and function settings. */
export interface UrgentLaneSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly functionTimeoutMs: number;
  /** @default 5 */
  readonly pollers?: number;
  /** Long-poll wait of an empty poller; also how long disabling the mapping may take. @default 20 */
  readonly pollWaitSeconds?: number;
}

export interface UrgentLaneOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The handler's configuration: each instance is built from it by createHandler. */
  readonly config: HandlerConfig;
  readonly settings: UrgentLaneSettings;
  /** The function processes' logs. @default discarded */
  readonly onOutput?: (text: string) => void;
  readonly onInvocation?: (report: InvocationReport) => void;
}

/** The urgent lane: the event source model feeding the real handler, one process per instance. */
export interface UrgentLane {
  readonly source: SqsEventSource;
  /** The function processes alive now (tests kill them). */
  processes(): readonly FunctionProcess[];
  stop(): Promise<void>;
}

export async function startUrgentLane(options: UrgentLaneOptions): Promise<UrgentLane> {
  const live = new Set<FunctionProcess>();
  const source = await startSqsEventSource({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    batchSize: options.settings.batchSize,
    maxBatchingWindowMs: options.settings.maxBatchingWindowMs,
    maxConcurrency: options.settings.maxConcurrency,
    functionTimeoutMs: options.settings.functionTimeoutMs,
    pollers: options.settings.pollers ?? 5,
    ...(options.settings.pollWaitSeconds === undefined
      ? {}
      : { pollWaitSeconds: options.settings.pollWaitSeconds }),
    onInvocation: options.onInvocation,
    createHandler: async () => {
      const fn = await startFunctionProcess({
        kind: FunctionKind.Urgent,
        config: options.config,
        onOutput: options.onOutput,
      });
      live.add(fn);
      void fn.exited.then(() => live.delete(fn));
      return {
        handle: async (event, context) =>
          (await fn.invoke(event, Date.now() + context.getRemainingTimeInMillis())) as SQSBatchResponse,
        close: () => fn.close(),
      };
    },
  });
  return {
    source,
    processes: () => [...live],
    stop: () => source.stop(),
  };
}
