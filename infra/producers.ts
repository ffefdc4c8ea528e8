import { Annotations, FeatureFlags } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  EVENTS_TARGET_QUEUE_SAME_ACCOUNT,
  SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY,
} from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

/** The `detail-type` of the EventBridge events that ask for a revocation. */
export const REVOCATION_EVENT_DETAIL_TYPE = 'TokenRevocationRequested';

export interface ProducersProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly eventBus: IEventBus | undefined;
  readonly sourceTopic: ITopic | undefined;
}

/**
 * Optional managed producers: an EventBridge rule and an SNS subscription that deliver into the
 * queue. Deliveries that fail land in the dead-letter queue, where operators already look.
 * The queue and key policies CDK writes for them are scoped by `aws:SourceAccount` (EventBridge) and
 * `aws:SourceArn` (SNS) when the feature flags in cdk.json are on; a warning says so when they are off.
 */
export class Producers extends Construct {
  readonly rule: Rule | undefined;

  constructor(scope: Construct, id: string, props: ProducersProps) {
    super(scope, id);
    const encrypted = props.queue.encryptionMasterKey !== undefined;
    if (props.eventBus !== undefined) {
      this.rule = new Rule(this, 'RevocationRequests', {
        eventBus: props.eventBus,
        description: `Routes ${REVOCATION_EVENT_DETAIL_TYPE} events to the token revocation queue`,
        eventPattern: { detailType: [REVOCATION_EVENT_DETAIL_TYPE] },
        targets: [new SqsQueue(props.queue, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 10 })],
      });
      if (encrypted && !FeatureFlags.of(this).isEnabled(EVENTS_TARGET_QUEUE_SAME_ACCOUNT)) {
        Annotations.of(this).addWarningV2(
          'token-revoker:events-unscoped',
          `Enable the feature flag ${EVENTS_TARGET_QUEUE_SAME_ACCOUNT}: without it EventBridge may send to the encrypted queue on behalf of any account.`,
        );
      }
    }
    if (props.sourceTopic !== undefined) {
      props.sourceTopic.addSubscription(
        new SqsSubscription(props.queue, { deadLetterQueue: props.deadLetterQueue }),
      );
      if (encrypted && !FeatureFlags.of(this).isEnabled(SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY)) {
        Annotations.of(this).addWarningV2(
          'token-revoker:sns-unscoped',
          `Enable the feature flag ${SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY}: without it any SNS topic may use the queue key.`,
        );
      }
    }
  }
}
