import { Annotations, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { type Grant, type IGrantable, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { MetricType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import { RevocationAlarms } from './alarms';
import { RevocationDashboard } from './dashboard';
import { Producers } from './producers';
import { RevocationQueues } from './queues';
import { RevocationFunction } from './revocation-function';
import { type ResolvedProps, resolveProps, type TokenRevocationProps } from './token-revocation-props';

export type { HandlerLogLevel, TokenRevocationProps } from './token-revocation-props';

/**
 * The token revocation pipeline: an encrypted queue and dead-letter queue, the revocation function
 * fed by an SQS event source, optional EventBridge and SNS producers, alarms to one topic, and a
 * dashboard. Producers get access with `grantEnqueue`.
 */
export class TokenRevocation extends Construct {
  /** The source queue producers send revocation requests to. */
  readonly queue: Queue;
  /** Parked bad input, exhausted retries and failed EventBridge/SNS deliveries. */
  readonly deadLetterQueue: Queue;
  readonly function: IFunction;
  /** The function's own role. */
  readonly role: IRole;
  /** Every alarm goes here. */
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboardName: string;
  /** The settings in force: props with defaults applied, plus the derived numbers. */
  readonly settings: ResolvedProps;
  readonly #queues: RevocationQueues;

  constructor(scope: Construct, id: string, props: TokenRevocationProps = {}) {
    super(scope, id);
    const settings = resolveProps(props);
    this.settings = settings;

    this.#queues = new RevocationQueues(this, 'Queues', settings);
    this.queue = this.#queues.queue;
    this.deadLetterQueue = this.#queues.deadLetterQueue;

    const revocation = new RevocationFunction(this, 'Revoker', {
      timeout: settings.functionTimeout,
      memorySizeInMb: settings.memorySizeInMb,
      logRetention: settings.logRetention,
      environment: this.#environment(settings),
    });
    this.function = revocation.function;
    this.role = revocation.role;
    // Parking: the function may send to the dead-letter queue, and do nothing else there.
    this.#queues.grantSend(this.deadLetterQueue, this.role);
    this.#grantAppKeyRead(settings);
    // The event source grants receive, delete, change visibility and attributes on the source queue
    // (and kms:Decrypt on its key): exactly what polling needs.
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: settings.maxConcurrency,
        metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      }),
    );
    this.#acknowledgeFunctionFindings();

    new Producers(this, 'Producers', {
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      eventBus: props.eventBus,
      sourceTopic: props.sourceTopic,
    });

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', { email: props.alarmEmail }).topic;
    this.alarms = new RevocationAlarms(this, 'Alarms', {
      ...settings,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      function: this.function,
      topic: this.alarmTopic,
    }).alarms;
    this.dashboardName = props.dashboardName ?? `${Stack.of(this).stackName}-token-revocation`;
    new RevocationDashboard(this, 'Dashboard', {
      ...settings,
      dashboardName: this.dashboardName,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      function: this.function,
    });
  }

  /** Lets a producer send revocation requests: SendMessage on the queue and the KMS use it needs, nothing more. */
  grantEnqueue(grantee: IGrantable): Grant {
    return this.#queues.grantSend(this.queue, grantee);
  }

  /** The environment the handler documents (functions/revoke-tokens/config.ts). Never the key itself. */
  #environment(s: ResolvedProps): Record<string, string> {
    const environment: Record<string, string> = {
      STACKEXCHANGE_API_URL: s.apiUrl,
      STACKEXCHANGE_AUTH_STYLE: s.authStyle,
      STACKEXCHANGE_REQUESTS_PER_SECOND: String(s.requestsPerSecondPerFunction),
      STACKEXCHANGE_CALL_CONCURRENCY: String(s.callConcurrency),
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      POWERTOOLS_SERVICE_NAME: s.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: s.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: s.logLevel,
    };
    if (s.keySecretName !== undefined) environment.STACKEXCHANGE_KEY_SECRET_ID = s.keySecretName;
    if (s.keyParameterName !== undefined) environment.STACKEXCHANGE_KEY_PARAMETER_NAME = s.keyParameterName;
    return environment;
  }

  /** Read access to the one secret or parameter holding the app key (and its CMK, through that service only). */
  #grantAppKeyRead(s: ResolvedProps): void {
    const decryptVia = (service: string) =>
      s.keyEncryptionKey &&
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [s.keyEncryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    if (s.keySecretName !== undefined) {
      const secret = s.keySecretName.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'AppKeySecret', s.keySecretName)
        : Secret.fromSecretNameV2(this, 'AppKeySecret', s.keySecretName);
      secret.grantRead(this.role);
      decryptVia('secretsmanager');
    } else if (s.keyParameterName !== undefined) {
      StringParameter.fromSecureStringParameterAttributes(this, 'AppKeyParameter', {
        parameterName: s.keyParameterName,
      }).grantRead(this.role);
      decryptVia('ssm');
    } else {
      Annotations.of(this).addWarningV2(
        'token-revoker:no-app-key',
        'No keySecretName or keyParameterName: the function calls the Stack Exchange API without an app key (a small daily quota). Set one for production.',
      );
    }
  }

  #acknowledgeFunctionFindings(): void {
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
  }
}
