import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { TokenRevocation, type TokenRevocationProps } from './token-revocation';

export interface TokenRevocationStackProps extends StackProps {
  /** The construct's settings (see TokenRevocationProps for each default). @default - all defaults */
  readonly revocation?: Omit<TokenRevocationProps, 'eventBus' | 'sourceTopic' | 'keyEncryptionKey'>;
  /** Name of an existing EventBridge bus whose `TokenRevocationRequested` events feed the queue. @default - no rule */
  readonly eventBusName?: string;
  /** ARN of an existing SNS topic whose notifications feed the queue. @default - no subscription */
  readonly sourceTopicArn?: string;
  /** ARN of the customer-managed KMS key that encrypts the app key secret or parameter. @default - AWS-managed key */
  readonly keyEncryptionKeyArn?: string;
}

/** One deployment of the pipeline, with the outputs producers and operators need. */
export class TokenRevocationStack extends Stack {
  readonly revocation: TokenRevocation;

  constructor(scope: Construct, id: string, props: TokenRevocationStackProps = {}) {
    super(scope, id, props);
    const eventBus =
      props.eventBusName === undefined
        ? undefined
        : EventBus.fromEventBusName(this, 'Bus', props.eventBusName);
    const sourceTopic =
      props.sourceTopicArn === undefined
        ? undefined
        : Topic.fromTopicArn(this, 'SourceTopic', props.sourceTopicArn);
    const keyEncryptionKey =
      props.keyEncryptionKeyArn === undefined
        ? undefined
        : Key.fromKeyArn(this, 'AppKeyEncryptionKey', props.keyEncryptionKeyArn);
    const revocation = new TokenRevocation(this, 'TokenRevocation', {
      ...props.revocation,
      ...(keyEncryptionKey ? { keyEncryptionKey } : {}),
      ...(eventBus ? { eventBus } : {}),
      ...(sourceTopic ? { sourceTopic } : {}),
    });
    this.revocation = revocation;

    new CfnOutput(this, 'QueueUrl', {
      value: revocation.queue.queueUrl,
      description: 'Send revocation requests here (JSON {"tokens": [...]}, up to 20 per message)',
    });
    new CfnOutput(this, 'QueueArn', {
      value: revocation.queue.queueArn,
      description: 'The revocation queue, for producer IAM policies',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: revocation.deadLetterQueue.queueUrl,
      description: 'Parked and exhausted messages: inspect, then replay (see the runbook)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: revocation.alarmTopic.topicArn,
      description: 'Every alarm of the pipeline publishes here: subscribe your paging tool',
    });
    new CfnOutput(this, 'DashboardName', {
      value: revocation.dashboardName,
      description: 'CloudWatch dashboard of the pipeline',
    });
  }
}
