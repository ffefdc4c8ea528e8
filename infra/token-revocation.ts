import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { MetricType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../functions/lib/telemetry-names';
import { RevocationAlarms } from './alarms';
import { RevocationDashboard } from './dashboard';
import { RevocationQueues } from './queues';
import { RevocationFunction } from './revocation-function';
import { maxConcurrencyFor, PIPELINE_DEFAULTS, visibilityTimeoutInSeconds } from './settings';

export interface TokenRevocationProps {
  /** Base URL of the Stack Exchange API, version included. @default 'https://api.stackexchange.com/2.3' */
  readonly apiUrl?: string;
  /** Secrets Manager secret (name) whose SecretString is the Stack Exchange app key. @default - no key, unless keyParameterName */
  readonly keySecretName?: string;
  /** SSM SecureString parameter holding the app key (alternative to keySecretName). @default - none */
  readonly keyParameterName?: string;
  /** `query` or `header`: how the key travels. @default 'query' */
  readonly authStyle?: 'query' | 'header';
  /** Use SSE-SQS instead of a customer-managed KMS key. @default false */
  readonly useSqsManagedEncryption?: boolean;
  /** Records per invocation. @default 100 (PIPELINE_DEFAULTS.batchSize) */
  readonly batchSize?: number;
  /** How long records are gathered before an invocation. @default Duration.seconds(5) */
  readonly maxBatchingWindow?: Duration;
  /** @default Duration.seconds(30) */
  readonly functionTimeout?: Duration;
  /** @default 256 */
  readonly memorySizeInMb?: number;
  /** Receives before SQS moves a message to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** Stack Exchange requests per second for all functions together (the API bans above 30). @default 20 */
  readonly totalRequestsPerSecond?: number;
  /** Requests per second one function may make; maxConcurrency is derived from both. @default 5 */
  readonly requestsPerSecondPerFunction?: number;
  /** API calls in flight inside one invocation. @default 4 */
  readonly callConcurrency?: number;
  /** Backlog alarm: oldest message age. @default Duration.minutes(15) */
  readonly maxMessageAge?: Duration;
  /** The app's daily API quota. @default 10000 */
  readonly dailyQuota?: number;
  /** Quota alarm when less than this fraction is left. @default 0.2 */
  readonly quotaAlarmFraction?: number;
  /** E-mail address subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** Route `TokenRevocationRequested` events from this bus to the queue. @default - no rule */
  readonly eventBus?: IEventBus;
  /** Subscribe the queue to this topic. @default - no subscription */
  readonly sourceTopic?: ITopic;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default `${stackName}-token-revocation` */
  readonly dashboardName?: string;
  /** @default 'token-revoker' */
  readonly serviceName?: string;
  /** @default 'TokenRevoker' */
  readonly metricsNamespace?: string;
}

/**
 * The token revocation pipeline: an encrypted queue and dead-letter queue, the revocation function
 * fed by an SQS event source, alarms to one topic, and a dashboard.
 */
export class TokenRevocation extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboardName: string;
  /** The function's maximum concurrency, derived from the request budget. */
  readonly maxConcurrency: number;
  readonly #queues: RevocationQueues;

  constructor(scope: Construct, id: string, props: TokenRevocationProps = {}) {
    super(scope, id);
    if (props.keySecretName !== undefined && props.keyParameterName !== undefined) {
      throw new Error('TokenRevocation: set keySecretName or keyParameterName, not both');
    }
    const batchSize = props.batchSize ?? PIPELINE_DEFAULTS.batchSize;
    const maxBatchingWindow =
      props.maxBatchingWindow ?? Duration.seconds(PIPELINE_DEFAULTS.maxBatchingWindowInSeconds);
    const functionTimeout =
      props.functionTimeout ?? Duration.seconds(PIPELINE_DEFAULTS.functionTimeoutInSeconds);
    const totalRequestsPerSecond = props.totalRequestsPerSecond ?? PIPELINE_DEFAULTS.totalRequestsPerSecond;
    const requestedPerFunction =
      props.requestsPerSecondPerFunction ?? PIPELINE_DEFAULTS.requestsPerSecondPerFunction;
    const serviceName = props.serviceName ?? DEFAULT_SERVICE_NAME;
    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.maxConcurrency = maxConcurrencyFor(totalRequestsPerSecond, requestedPerFunction);
    // All functions together must stay inside the total: with the minimum concurrency of 2, lower each share.
    const perFunction = Math.min(requestedPerFunction, totalRequestsPerSecond / this.maxConcurrency);

    this.#queues = new RevocationQueues(this, 'Queues', {
      useSqsManagedEncryption: props.useSqsManagedEncryption ?? false,
      visibilityTimeout: Duration.seconds(
        visibilityTimeoutInSeconds(functionTimeout.toSeconds(), maxBatchingWindow.toSeconds()),
      ),
      retentionPeriod: props.retentionPeriod ?? Duration.days(PIPELINE_DEFAULTS.retentionPeriodInDays),
      deadLetterRetentionPeriod: Duration.days(PIPELINE_DEFAULTS.deadLetterRetentionPeriodInDays),
      maxReceiveCount: props.maxReceiveCount ?? PIPELINE_DEFAULTS.maxReceiveCount,
    });
    this.queue = this.#queues.queue;
    this.deadLetterQueue = this.#queues.deadLetterQueue;

    const environment: Record<string, string> = {
      STACKEXCHANGE_API_URL: props.apiUrl ?? 'https://api.stackexchange.com/2.3',
      STACKEXCHANGE_AUTH_STYLE: props.authStyle ?? 'query',
      STACKEXCHANGE_REQUESTS_PER_SECOND: String(perFunction),
      STACKEXCHANGE_CALL_CONCURRENCY: String(props.callConcurrency ?? PIPELINE_DEFAULTS.callConcurrency),
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      POWERTOOLS_SERVICE_NAME: serviceName,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    if (props.keySecretName !== undefined) environment.STACKEXCHANGE_KEY_SECRET_ID = props.keySecretName;
    if (props.keyParameterName !== undefined)
      environment.STACKEXCHANGE_KEY_PARAMETER_NAME = props.keyParameterName;

    const revocation = new RevocationFunction(this, 'Revoker', {
      timeout: functionTimeout,
      memorySizeInMb: props.memorySizeInMb ?? 256,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      environment,
    });
    // Parking: send to the dead-letter queue, and nothing else there.
    this.#queues.grantSend(this.deadLetterQueue, revocation.role);
    if (props.keySecretName !== undefined) {
      Secret.fromSecretNameV2(this, 'AppKeySecret', props.keySecretName).grantRead(revocation.role);
    }
    if (props.keyParameterName !== undefined) {
      StringParameter.fromSecureStringParameterAttributes(this, 'AppKeyParameter', {
        parameterName: props.keyParameterName,
      }).grantRead(revocation.role);
    }
    revocation.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize,
        maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: this.maxConcurrency,
        metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      }),
    );
    Validations.of(this).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'The function is only invoked by its SQS event source; failed messages go to the queue redrive dead-letter queue, not to an asynchronous-invocation DLQ.',
      },
      {
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          'On-failure destinations are not supported for SQS event sources; the source queue redrive policy moves exhausted messages to the dead-letter queue.',
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          'Observability comes from Powertools structured logs and EMF metrics; X-Ray would add cost and a wildcard-resource permission for little insight into one outbound API.',
      },
    );

    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the token revocation alarm topic',
      enableKeyRotation: true,
    });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      enforceSSL: true,
      masterKey: topicKey,
      displayName: 'Token revocation alarms',
    });
    if (props.alarmEmail !== undefined) {
      const subscription = this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless::Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail delivery that fails cannot be replayed from a queue; the alarm stays visible in CloudWatch and SNS records failed deliveries.',
      });
    }

    this.alarms = new RevocationAlarms(this, 'Alarms', {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      function: revocation.function,
      topic: this.alarmTopic,
      metricsNamespace,
      serviceName,
      maxMessageAge: props.maxMessageAge ?? Duration.minutes(15),
      dailyQuota: props.dailyQuota ?? 10_000,
      quotaAlarmFraction: props.quotaAlarmFraction ?? 0.2,
    }).alarms;
    this.dashboardName = props.dashboardName ?? `${Stack.of(this).stackName}-token-revocation`;
    new RevocationDashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      function: revocation.function,
      metricsNamespace,
      serviceName,
    });

    if (props.eventBus !== undefined) {
      new Rule(this, 'RevocationRequests', {
        eventBus: props.eventBus,
        description: 'Routes TokenRevocationRequested events to the revocation queue',
        eventPattern: { detailType: ['TokenRevocationRequested'] },
        // Events EventBridge cannot deliver land in the dead-letter queue too, where operators look.
        targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 10 })],
      });
    }
    if (props.sourceTopic !== undefined) {
      props.sourceTopic.addSubscription(
        new SqsSubscription(this.queue, { deadLetterQueue: this.deadLetterQueue }),
      );
    }
    // EventBridge and SNS deliver into the encrypted queues: they need the queue key.
    if (props.eventBus !== undefined || props.sourceTopic !== undefined) {
      for (const service of ['events.amazonaws.com', 'sns.amazonaws.com']) {
        this.#queues.key?.grant(new ServicePrincipal(service), 'kms:GenerateDataKey', 'kms:Decrypt');
      }
    }

    new CfnOutput(this, 'QueueUrl', {
      value: this.queue.queueUrl,
      description: 'Send revocation requests here',
    });
    new CfnOutput(this, 'QueueArn', { value: this.queue.queueArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboardName });
  }

  /** Lets a producer send revocation requests: SendMessage on the queue and the KMS use it needs, nothing more. */
  grantEnqueue(grantee: IGrantable): Grant {
    return this.#queues.grantSend(this.queue, grantee);
  }
}
