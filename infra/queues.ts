import { Duration, Names, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  Grant,
  type IGrantable,
  type IRole,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { type IQueue, Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allowThroughSqs, sqsViaService, tokenKey } from './keys';

export interface RevocationQueuesProps {
  /** SSE-SQS instead of customer-managed KMS keys. */
  readonly useSqsManagedEncryption: boolean;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetentionPeriod: Duration;
  readonly routineVisibilityTimeout: Duration;
  readonly routineMaxReceiveCount: number;
  /** The urgent queue's visibility timeout (event source formula). */
  readonly visibilityTimeout: Duration;
  /** The urgent queue's receives before the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Applied to the three queues and their keys (RETAIN keeps waiting tokens when the stack goes). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Actions that read or remove messages: what a reader of tokens at rest needs. (The batch forms of
 * delete and change visibility are authorized as these actions.)
 */
export const READ_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:PurgeQueue',
] as const;

/** What the DLQ tools (`token-revoker dlq list|redrive|delete`) call on the dead-letter and parked queues. */
const DLQ_TOOL_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
  'sqs:ListDeadLetterSourceQueues',
];

/**
 * Actions that change where a queue's messages go, who may read them, or whether the queue exists:
 * with `SetQueueAttributes` a principal could point a source queue's redrive policy at its own queue
 * (maxReceiveCount 1) and have the next receives move waiting tokens there; a move task does the
 * same for the dead-letter queue. Denied to all but the deploying role (`denyChangesExcept`).
 */
export const CHANGE_ACTIONS = [
  'sqs:SetQueueAttributes',
  'sqs:DeleteQueue',
  'sqs:StartMessageMoveTask',
  'sqs:CancelMessageMoveTask',
  'sqs:AddPermission',
  'sqs:RemovePermission',
] as const;

/**
 * The routine queue, the urgent queue, their shared dead-letter queue (SQS's redrive target: requests
 * whose receives ran out) and the parked queue (bad input the functions set aside): encrypted, SSL
 * only, redrive both ways restricted. The source queues share one key; the dead-letter and parked
 * queues, which keep tokens for 14 days, share another. They are two queues so that each kind of
 * arrival has its own alarm: a dead-lettered request pages, parked input makes a ticket. Producers may
 * only send; each queue's policy denies reading to everyone but the roles named for it (see
 * `denyReadingExcept`).
 */
export class RevocationQueues extends Construct {
  /** The routine queue (stack output `QueueUrl`), drained by the scheduled consumer. */
  readonly queue: Queue;
  /** The urgent queue (stack output `UrgentQueueUrl`), drained by the SQS event source. */
  readonly urgentQueue: Queue;
  /** Requests SQS moved after their receives ran out, and failed EventBridge/SNS deliveries (stack output `DeadLetterQueueUrl`). */
  readonly deadLetterQueue: Queue;
  /** Bad input the functions parked, sealed (stack output `ParkedQueueUrl`); nothing redrives into it. */
  readonly parkedQueue: Queue;
  /** The source queues' key, unless SSE-SQS was asked for. */
  readonly key: Key | undefined;
  /** The dead-letter and parked queues' key, unless SSE-SQS was asked for. */
  readonly deadLetterKey: Key | undefined;

  constructor(scope: Construct, id: string, props: RevocationQueuesProps) {
    super(scope, id);
    if (!props.useSqsManagedEncryption) {
      this.key = tokenKey(this, 'Key', 'Encrypts the token revocation source queues (tokens are secrets)');
      this.deadLetterKey = tokenKey(
        this,
        'DeadLetterKey',
        'Encrypts the token revocation dead-letter and parked queues (tokens kept 14 days)',
      );
      this.key.applyRemovalPolicy(props.removalPolicy);
      this.deadLetterKey.applyRemovalPolicy(props.removalPolicy);
      // No statement for the account as a whole: producers are named one by one (grantSend).
    }
    const encryption = (key: Key | undefined) =>
      key === undefined
        ? { encryption: QueueEncryption.SQS_MANAGED }
        : { encryption: QueueEncryption.KMS, encryptionMasterKey: key, dataKeyReuse: Duration.minutes(5) };

    // The source queues get fixed names so the dead-letter queue can admit them by ARN without a
    // circular reference (their redrive policies already point at the dead-letter queue).
    const baseName = Names.uniqueResourceName(this, { maxLength: 60 });
    const routineName = `${baseName}-source`;
    const urgentName = `${baseName}-urgent`;
    const arnOf = (name: string) => Stack.of(this).formatArn({ service: 'sqs', resource: name });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...encryption(this.deadLetterKey),
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod,
      removalPolicy: props.removalPolicy,
      redriveAllowPolicy: {
        redrivePermission: RedrivePermission.BY_QUEUE,
        sourceQueues: [
          Queue.fromQueueArn(this, 'SourceQueueRef', arnOf(routineName)),
          Queue.fromQueueArn(this, 'UrgentQueueRef', arnOf(urgentName)),
        ],
      },
    });
    // Parked input: the same key, retention and protections as the dead-letter queue, but no queue may
    // redrive into it, so every message in it was sent by a function (its NumberOfMessagesSent counts
    // every arrival).
    this.parkedQueue = new Queue(this, 'ParkedQueue', {
      ...encryption(this.deadLetterKey),
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod,
      removalPolicy: props.removalPolicy,
      redriveAllowPolicy: { redrivePermission: RedrivePermission.DENY_ALL },
    });
    const sourceQueue = (
      id: string,
      queueName: string,
      visibilityTimeout: Duration,
      maxReceiveCount: number,
    ) =>
      new Queue(this, id, {
        queueName,
        ...encryption(this.key),
        enforceSSL: true,
        retentionPeriod: props.retentionPeriod,
        removalPolicy: props.removalPolicy,
        visibilityTimeout,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      });
    this.queue = sourceQueue(
      'Queue',
      routineName,
      props.routineVisibilityTimeout,
      props.routineMaxReceiveCount,
    );
    this.urgentQueue = sourceQueue('UrgentQueue', urgentName, props.visibilityTimeout, props.maxReceiveCount);
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue: its messages are inspected and replayed by operators, never consumed automatically.',
    });
    Validations.of(this.parkedQueue).acknowledge(
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason:
          'This is the parked queue, a dead-letter queue of bad input: operators inspect and delete its messages, nothing consumes it.',
      },
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (of bad input the functions park); a message it could not keep would have nowhere better to go.',
      },
    );
  }

  /** Producers named in the source key's policy so far (statement ids). */
  #producers = 0;

  /**
   * Lets a producer send to the given queues: sqs:SendMessage, and on the source queues' key the two
   * calls SQS makes for a sender (kms:GenerateDataKey, and kms:Decrypt to check a new data key), only
   * through SQS. The key policy names the producer itself; one in another stack (naming it would be a
   * cross-stack reference, and a cycle) is admitted by a statement for this account limited to the
   * ARNs in `producerRoleArns`, which must then list it. Reading is denied by the queue policies
   * whatever else the producer holds.
   */
  grantSend(queues: readonly IQueue[], grantee: IGrantable, producerRoleArns: readonly string[]): Grant {
    const grant = Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: queues.map((q) => q.queueArn),
    });
    const key = this.key;
    if (key === undefined) return grant;
    const sending = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
    const elsewhere = Construct.isConstruct(grantee) && Stack.of(grantee) !== Stack.of(this);
    if (!elsewhere) {
      this.#producers += 1;
      allowThroughSqs(
        key,
        `ProducerSendsThroughSqs${this.#producers}`,
        [grantee.grantPrincipal],
        [...sending],
      );
    } else if (producerRoleArns.length === 0) {
      throw new Error(
        `TokenRevocation: ${grantee.node.path} is in another stack: list its role ARN in producerRoleArns so that the queue key can admit it without a cross-stack reference`,
      );
    } else if (!this.#producerArnsAdmitted) {
      this.#producerArnsAdmitted = true;
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'ProducersOfOtherStacksSendThroughSqs',
          principals: [new AccountRootPrincipal()],
          actions: [...sending],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:ViaService': sqsViaService(this),
              'kms:CallerAccount': Stack.of(this).account,
            },
            ArnEquals: { 'aws:PrincipalArn': [...producerRoleArns] },
          },
        }),
      );
    }
    // The producer's own IAM policy too: needed when the key policy admits it through the account.
    return grant.combine(
      Grant.addToPrincipal({
        grantee,
        actions: [...sending],
        resourceArns: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': sqsViaService(this) } },
      }),
    );
  }
  #producerArnsAdmitted = false;

  /**
   * Denies changing the queue (its attributes, redrive and policy included), deleting it and moving its
   * messages to every principal but `deployRoleArn` (the role CloudFormation deploys with), whatever
   * their IAM policies allow. Break-glass: a deployment through that role (infra/README.md).
   */
  static denyChangesExcept(queue: IQueue, deployRoleArn: string): void {
    queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyTheDeployingRoleChangesTheQueue',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...CHANGE_ACTIONS],
        resources: [queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': deployRoleArn } },
      }),
    );
  }

  /**
   * Parking: the functions may send to the parked queue (not to the dead-letter queue), and its key
   * policy names their roles.
   */
  allowParking(roles: readonly IRole[]): void {
    for (const role of roles) {
      Grant.addToPrincipal({
        grantee: role,
        actions: ['sqs:SendMessage'],
        resourceArns: [this.parkedQueue.queueArn],
      });
    }
    if (this.deadLetterKey !== undefined) {
      allowThroughSqs(this.deadLetterKey, 'FunctionsParkBadInput', roles, [
        'kms:GenerateDataKey',
        'kms:Decrypt',
      ]);
    }
  }

  /**
   * The routine consumer's polling rights on the routine queue: receive, delete, change visibility and
   * read attributes (its kms:Decrypt comes from `nameConsumers`).
   */
  allowConsuming(queue: IQueue, role: IRole): void {
    Grant.addToPrincipal({
      grantee: role,
      actions: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      resourceArns: [queue.queueArn],
    });
  }

  /** Names the consumers' roles in the source key's policy (kms:Decrypt through SQS). */
  nameConsumers(roles: readonly IRole[]): void {
    if (this.key !== undefined) allowThroughSqs(this.key, 'ConsumersReceiveTokens', roles, ['kms:Decrypt']);
  }

  /**
   * What the DLQ tools need, granted by the queue and key policies so the operators' roles need no
   * change: read, replay and delete the dead-letter and parked queues, decrypt their messages (parked
   * ones are under their own key, ones SQS moved after their retries keep the source key), and send
   * replayed messages back.
   */
  allowOperators(roles: readonly IRole[]): void {
    if (roles.length === 0) return;
    for (const queue of [this.deadLetterQueue, this.parkedQueue]) {
      queue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OperatorsListAndReplay',
          principals: [...roles],
          actions: DLQ_TOOL_ACTIONS,
          resources: [queue.queueArn],
        }),
      );
    }
    for (const queue of [this.queue, this.urgentQueue]) {
      queue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OperatorsReplayDeadLetters',
          principals: [...roles],
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          resources: [queue.queueArn],
        }),
      );
    }
    if (this.deadLetterKey !== undefined) {
      allowThroughSqs(this.deadLetterKey, 'OperatorsReadDeadLetters', roles, ['kms:Decrypt']);
    }
    if (this.key !== undefined) {
      allowThroughSqs(this.key, 'OperatorsReadAndReplayDeadLetters', roles, [
        'kms:GenerateDataKey',
        'kms:Decrypt',
      ]);
    }
  }

  /**
   * Denies receiving, deleting, changing the visibility of and purging the queue's messages to every
   * principal but the given roles, whatever their IAM policies allow (administrators included). With no
   * role, nobody may read the queue until one is named and deployed.
   */
  denyReadingExcept(queue: IQueue, roles: readonly IRole[]): void {
    queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyNamedRolesReadTokens',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...READ_ACTIONS],
        resources: [queue.queueArn],
        ...(roles.length === 0
          ? {}
          : { conditions: { ArnNotEquals: { 'aws:PrincipalArn': roles.map((r) => r.roleArn) } } }),
      }),
    );
  }
}
