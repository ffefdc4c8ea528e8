import { Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { type IQueue, Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface RevocationQueuesProps {
  /** SSE-SQS instead of a customer-managed KMS key. */
  readonly useSqsManagedEncryption: boolean;
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  readonly maxReceiveCount: number;
}

/** The source queue and its dead-letter queue: encrypted, SSL only, redrive both ways restricted. */
export class RevocationQueues extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** The customer-managed key, unless SSE-SQS was asked for. */
  readonly key: IKey | undefined;

  constructor(scope: Construct, id: string, props: RevocationQueuesProps) {
    super(scope, id);
    this.key = props.useSqsManagedEncryption
      ? undefined
      : new Key(this, 'Key', {
          description: 'Encrypts the token revocation queues (tokens are secrets)',
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
    const encryption =
      this.key === undefined
        ? { encryption: QueueEncryption.SQS_MANAGED }
        : {
            encryption: QueueEncryption.KMS,
            encryptionMasterKey: this.key,
            dataKeyReuse: Duration.minutes(5),
          };

    // The source queue gets a fixed name so the dead-letter queue can admit it by ARN without a
    // circular reference (the source queue's redrive policy already points at the dead-letter queue).
    const queueName = `${Names.uniqueResourceName(this, { maxLength: 60 })}-source`;
    const sourceQueueArn = Stack.of(this).formatArn({ service: 'sqs', resource: queueName });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod,
      redriveAllowPolicy: {
        redrivePermission: RedrivePermission.BY_QUEUE,
        sourceQueues: [Queue.fromQueueArn(this, 'SourceQueueRef', sourceQueueArn)],
      },
    });
    this.queue = new Queue(this, 'Queue', {
      queueName,
      ...encryption,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue: its messages are inspected and replayed by operators, never consumed automatically.',
    });
  }

  /** SendMessage (SendMessageBatch is the same action) and the KMS use it needs: nothing more. */
  grantSend(queue: IQueue, grantee: IGrantable): Grant {
    const grant = Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [queue.queueArn],
    });
    this.key?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return grant;
  }
}
