import { Annotations, DefaultStackSynthesizer, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  type Grant,
  type IGrantable,
  type IRole,
  type ManagedPolicy,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type IFunction, Function as LambdaFunction, MetricType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CONTROL_TABLE_ENV } from '../functions/lib/control/schema';
import { AlarmTopic } from './alarm-topic';
import { RevocationAlarms } from './alarms';
import { ControlTable } from './control-table';
import { RevocationDashboard } from './dashboard';
import { OperatorControls } from './operator-controls';
import { ParkingKey } from './parking-key';
import { Producers } from './producers';
import { RevocationQueues } from './queues';
import { RevocationFunction } from './revocation-function';
import { RoutineLane } from './routine-lane';
import { type ResolvedProps, resolveProps, type TokenRevocationProps } from './token-revocation-props';

export type { HandlerLogLevel, TokenRevocationProps } from './token-revocation-props';

/**
 * The token revocation pipeline in two lanes sharing one message contract, one dead-letter queue, one
 * parked queue and one request budget:
 * - routine: the routine queue, drained every tick by a scheduled single consumer that fills calls;
 * - urgent: the urgent queue, drained at once by the SQS-triggered handler.
 * Encrypted queues (the dead-letter queue with its own key), optional EventBridge and SNS producers
 * routed by lane (source allow-lists, one topic per lane), alarms to a page topic and a ticket topic,
 * and a dashboard.
 * Producers get access to one lane with `grantEnqueue` (routine) or `grantUrgentEnqueue` (urgent).
 */
export class TokenRevocation extends Construct {
  /** The routine queue (where requests go by default), drained by the scheduled consumer. */
  readonly queue: Queue;
  /** The urgent queue (leaks, compromised accounts), drained at once by the urgent function. */
  readonly urgentQueue: Queue;
  /** Requests whose receives ran out and failed EventBridge/SNS deliveries, for both lanes (arrivals page). */
  readonly deadLetterQueue: Queue;
  /** Bad input the functions parked, for both lanes (arrivals make a ticket). */
  readonly parkedQueue: Queue;
  /** The urgent lane's SQS-triggered function. */
  readonly function: IFunction;
  /** The urgent function's own role. */
  readonly role: IRole;
  /** The routine lane's scheduled single consumer. */
  readonly consumer: IFunction;
  /** The consumer's own role. */
  readonly consumerRole: IRole;
  /** The schedule that runs the consumer every tick. */
  readonly schedule: Schedule;
  /** The shared control table: the daily call budget, pauses and quota observations of both lanes. */
  readonly controlTable: ITable;
  /** The urgent lane's event source mapping (its UUID): `token-revoker pause` disables it, `resume` enables it. */
  readonly urgentEventSourceMappingId: string;
  /** The operators' pause/resume/status policy (attached to the operator roles of this account); undefined without operator roles. */
  readonly operatorControlPolicy: ManagedPolicy | undefined;
  /**
   * The two functions' log groups (urgent, routine): their audit trail is what `token-revoker audit`
   * searches (kept `logRetention`, one year by default).
   */
  readonly logGroups: readonly ILogGroup[];
  /** The secret holding the key that seals parked messages (stack output ParkingKeySecretArn). */
  readonly parkingKey: ISecret;
  /** The source queues' key and the dead-letter and parked queues' key (none with SSE-SQS). */
  readonly keys: { readonly queues: IKey | undefined; readonly deadLetterQueue: IKey | undefined };
  /** Pages go here, in ALARM and at OK (the `pageTopic` prop, or a topic created for them). */
  readonly pageTopic: ITopic;
  /** Tickets go here, in ALARM only (the `ticketTopic` prop, or a topic created for them). */
  readonly ticketTopic: ITopic;
  readonly alarms: readonly Alarm[];
  /** The dashboard's name; undefined without one (the `dashboard` prop). */
  readonly dashboardName: string | undefined;
  /** The props in force: defaults applied, plus the derived numbers (the pipeline defaults are in infra/settings.ts). */
  readonly resolvedProps: ResolvedProps;
  readonly #queues: RevocationQueues;

  constructor(scope: Construct, id: string, props: TokenRevocationProps = {}) {
    super(scope, id);
    const resolved = resolveProps(props);
    this.resolvedProps = resolved;
    if (resolved.operatorRoles.length === 0) {
      Annotations.of(this).addWarningV2(
        'token-revoker:no-operator-roles',
        'No operatorRoles (context: operatorRoleArns): nobody can receive, delete or replay the dead-letter and parked queues, so `token-revoker dlq list` is refused until a deploy names the operator roles.',
      );
    }

    this.#queues = new RevocationQueues(this, 'Queues', resolved);
    this.queue = this.#queues.queue;
    this.urgentQueue = this.#queues.urgentQueue;
    this.deadLetterQueue = this.#queues.deadLetterQueue;
    this.parkedQueue = this.#queues.parkedQueue;
    this.keys = { queues: this.#queues.key, deadLetterQueue: this.#queues.deadLetterKey };
    const control = new ControlTable(this, 'Control', { removalPolicy: resolved.removalPolicy });
    this.controlTable = control.table;

    // Urgent lane: today's handler, fed by the urgent queue's event source.
    const urgent = new RevocationFunction(this, 'Revoker', {
      timeout: resolved.functionTimeout,
      memorySizeInMb: resolved.memorySizeInMb,
      logRetention: resolved.logRetention,
      environment: this.#environment(resolved, {
        requestsPerSecond: resolved.requestsPerSecondPerFunction,
        callConcurrency: resolved.callConcurrency,
      }),
    });
    this.function = urgent.function;
    this.role = urgent.role;
    // The event source grants receive, delete, change visibility and attributes on the urgent queue:
    // exactly what polling needs. The handler itself changes visibility too (below).
    const urgentSource = new SqsEventSource(this.urgentQueue, {
      batchSize: resolved.batchSize,
      maxBatchingWindow: resolved.maxBatchingWindow,
      reportBatchItemFailures: true,
      maxConcurrency: resolved.maxConcurrency,
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
    });
    this.function.addEventSource(urgentSource);
    this.urgentEventSourceMappingId = urgentSource.eventSourceMappingId;

    // Routine lane: the scheduled single consumer, which owns the rest of the request budget.
    const routine = new RoutineLane(this, 'Routine', {
      tick: resolved.tick,
      timeout: resolved.consumerTimeout,
      memorySizeInMb: resolved.memorySizeInMb,
      logRetention: resolved.logRetention,
      environment: {
        ...this.#environment(resolved, {
          requestsPerSecond: resolved.routineRequestsPerSecond,
          callConcurrency: resolved.routineCallConcurrency,
        }),
        ROUTINE_QUEUE_URL: this.queue.queueUrl,
        TICK_SECONDS: String(resolved.tick.toSeconds()),
        MAX_HOLD_SECONDS: String(resolved.maxHold.toSeconds()),
        MAX_DEFER_SECONDS: String(resolved.maxDefer.toSeconds()),
        QUOTA_RESERVE_FRACTION: String(resolved.quotaReserveFraction),
      },
    });
    this.consumer = routine.function;
    this.consumerRole = routine.role;
    this.schedule = routine.schedule;
    this.logGroups = [urgent.logGroup, routine.logGroup];
    this.#queues.allowConsuming(this.queue, this.consumerRole);
    // The urgent handler changes visibility itself: it makes the records it cannot send before its
    // deadline visible again at once, and hides those of a pause until its end (at most 12 h from the
    // receive). The urgent queue's policy exempts this role from its deny (denyReadingExcept below).
    this.urgentQueue.grant(this.role, 'sqs:ChangeMessageVisibility');
    // Both lanes share the daily call budget, the pauses and the quota seen through the control table.
    const functionRoles = [this.role, this.consumerRole];
    for (const role of functionRoles) control.grantControl(role);

    // Who may read tokens at rest: each source queue its own consumer, the dead-letter and parked queues the operators.
    this.#queues.allowParking(functionRoles);
    this.#queues.nameConsumers(functionRoles);
    this.#queues.allowOperators(resolved.operatorRoles);
    this.#queues.denyReadingExcept(this.queue, [this.consumerRole]);
    this.#queues.denyReadingExcept(this.urgentQueue, [this.role]);
    this.#queues.denyReadingExcept(this.deadLetterQueue, resolved.operatorRoles);
    this.#queues.denyReadingExcept(this.parkedQueue, resolved.operatorRoles);
    // Nobody but the deploying role may redirect, delete or empty a queue by moving its messages.
    const deployRoleArn = resolved.deployRoleArn ?? bootstrapDeployRoleArn(this);
    for (const queue of [
      this.queue,
      this.urgentQueue,
      this.deadLetterQueue,
      this.parkedQueue,
      routine.scheduleDeadLetterQueue,
    ]) {
      RevocationQueues.denyChangesExcept(queue, deployRoleArn);
    }
    // The operators' brakes: token-revoker pause, resume and status (the table, the urgent mapping).
    this.operatorControlPolicy =
      resolved.operatorRoles.length === 0
        ? undefined
        : new OperatorControls(this, 'OperatorControls', {
            table: this.controlTable,
            urgentEventSourceMappingArn: urgentSource.eventSourceMappingArn,
            roles: resolved.operatorRoles,
          }).policy;
    // The key that seals parked messages: only the functions and the operators read it.
    this.parkingKey = new ParkingKey(this, 'ParkingKey', {
      functionRoles,
      operatorRoles: resolved.operatorRoles,
    }).secret;
    for (const fn of [this.function, this.consumer]) {
      if (fn instanceof LambdaFunction)
        fn.addEnvironment('PARKED_MESSAGE_KEY_SECRET_ID', this.parkingKey.secretArn);
    }
    this.#grantAppKeyRead(resolved, functionRoles);
    this.#acknowledgeFunctionFindings();

    new Producers(this, 'Producers', {
      routineQueue: this.queue,
      urgentQueue: this.urgentQueue,
      deadLetterQueue: this.deadLetterQueue,
      key: this.#queues.key,
      deadLetterKey: this.#queues.deadLetterKey,
      eventBus: props.eventBus,
      eventSources: resolved.eventSources,
      urgentEventSources: resolved.urgentEventSources,
      sourceTopic: props.sourceTopic,
      urgentSourceTopic: props.urgentSourceTopic,
    });

    const topics = new AlarmTopic(this, 'AlarmTopic', {
      email: props.alarmEmail,
      pageTopic: props.pageTopic,
      ticketTopic: props.ticketTopic,
    });
    this.pageTopic = topics.pageTopic;
    this.ticketTopic = topics.ticketTopic;
    this.alarms = new RevocationAlarms(this, 'Alarms', {
      ...resolved,
      queue: this.queue,
      urgentQueue: this.urgentQueue,
      deadLetterQueue: this.deadLetterQueue,
      parkedQueue: this.parkedQueue,
      scheduleDeadLetterQueue: routine.scheduleDeadLetterQueue,
      function: this.function,
      consumer: this.consumer,
      pageTopic: this.pageTopic,
      ticketTopic: this.ticketTopic,
    }).alarms;
    if (props.dashboard === false && props.dashboardName !== undefined) {
      throw new Error('TokenRevocation: dashboardName is set but dashboard is false: drop one of them');
    }
    if (props.dashboard !== true && props.dashboardName === undefined) return;
    this.dashboardName = props.dashboardName ?? `${Stack.of(this).stackName}-token-revocation`;
    new RevocationDashboard(this, 'Dashboard', {
      ...resolved,
      dashboardName: this.dashboardName,
      queue: this.queue,
      urgentQueue: this.urgentQueue,
      deadLetterQueue: this.deadLetterQueue,
      parkedQueue: this.parkedQueue,
      scheduleDeadLetterQueue: routine.scheduleDeadLetterQueue,
      function: this.function,
      consumer: this.consumer,
    });
  }

  /**
   * Lets a producer send routine revocation requests (the routine queue only): sqs:SendMessage and the
   * KMS use it needs, through SQS only, with the producer named in the key policy. Producers cannot
   * read the queues. A producer in another stack must be listed in `producerRoleArns`.
   */
  grantEnqueue(grantee: IGrantable): Grant {
    return this.#queues.grantSend([this.queue], grantee, this.resolvedProps.producerRoleArns);
  }

  /**
   * Lets a producer send urgent revocation requests (the urgent queue only), as `grantEnqueue` does for
   * the routine queue. Grant it only to producers that revoke leaks: the urgent lane spends the quota
   * first.
   */
  grantUrgentEnqueue(grantee: IGrantable): Grant {
    return this.#queues.grantSend([this.urgentQueue], grantee, this.resolvedProps.producerRoleArns);
  }

  /** The environment the urgent handler documents (functions/revoke-tokens/config.ts). Never the key itself. */
  #environment(
    s: ResolvedProps,
    lane: { readonly requestsPerSecond: number; readonly callConcurrency: number },
  ): Record<string, string> {
    const environment: Record<string, string> = {
      STACKEXCHANGE_API_URL: s.apiUrl,
      STACKEXCHANGE_AUTH_STYLE: s.authStyle,
      STACKEXCHANGE_REQUESTS_PER_SECOND: String(lane.requestsPerSecond),
      STACKEXCHANGE_CALL_CONCURRENCY: String(lane.callConcurrency),
      PARKED_QUEUE_URL: this.parkedQueue.queueUrl,
      POWERTOOLS_SERVICE_NAME: s.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: s.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: s.logLevel,
      [CONTROL_TABLE_ENV]: this.controlTable.tableName,
      DAILY_CALL_BUDGET: String(s.dailyCallBudget),
      URGENT_RESERVE_CALLS: String(s.urgentReserveCalls),
      ROUTINE_QUOTA_FLOOR_FRACTION: String(s.routineQuotaFloorFraction),
    };
    if (s.keySecretName !== undefined) environment.STACKEXCHANGE_KEY_SECRET_ID = s.keySecretName;
    if (s.keyParameterName !== undefined) environment.STACKEXCHANGE_KEY_PARAMETER_NAME = s.keyParameterName;
    return environment;
  }

  /** Read access to the one secret or parameter holding the app key (and its CMK, through that service only). */
  #grantAppKeyRead(s: ResolvedProps, roles: readonly IRole[]): void {
    const decryptVia = (service: string) => {
      const key = s.keyEncryptionKey;
      if (key === undefined) return;
      for (const role of roles) {
        role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [key.keyArn],
            conditions: {
              StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` },
            },
          }),
        );
      }
    };
    if (s.keySecretName !== undefined) {
      const secret = s.keySecretName.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'AppKeySecret', s.keySecretName)
        : Secret.fromSecretNameV2(this, 'AppKeySecret', s.keySecretName);
      for (const role of roles) secret.grantRead(role);
      decryptVia('secretsmanager');
    } else if (s.keyParameterName !== undefined) {
      const parameter = StringParameter.fromSecureStringParameterAttributes(this, 'AppKeyParameter', {
        parameterName: s.keyParameterName,
      });
      // GetParameter only: grantRead would add GetParameterHistory, which reads the keys it replaced.
      for (const role of roles) {
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameter.parameterArn] }),
        );
      }
      decryptVia('ssm');
    } else {
      Annotations.of(this).addWarningV2(
        'token-revoker:no-app-key',
        'No keySecretName or keyParameterName: the functions call the Stack Exchange API without an app key (a small daily quota). Set one for production.',
      );
    }
  }

  #acknowledgeFunctionFindings(): void {
    Validations.of(this).acknowledge(
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'The urgent function is only invoked by its SQS event source (failed messages go to the queue redrive dead-letter queue); the routine consumer is invoked by a schedule whose missed ticks go to the schedule dead-letter queue and are replaced by the next tick.',
      },
      {
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          'On-failure destinations are not supported for SQS event sources; the urgent queue redrive policy moves exhausted messages to the dead-letter queue.',
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          'Observability comes from Powertools structured logs and EMF metrics; X-Ray would add cost and a wildcard-resource permission for little insight into one outbound API.',
      },
    );
  }
}

/**
 * The role CloudFormation deploys with: the CDK bootstrap's execution role when the stack uses the
 * default synthesizer, else the same name with the default qualifier (pass `deployRoleArn` then).
 */
function bootstrapDeployRoleArn(scope: Construct): string {
  const stack = Stack.of(scope);
  // The synthesizer's ARN holds ${AWS::Partition}-style placeholders (for its asset manifest): Fn::Sub.
  if (stack.synthesizer instanceof DefaultStackSynthesizer) {
    return Fn.sub(stack.synthesizer.cloudFormationExecutionRoleArn);
  }
  return stack.formatArn({
    service: 'iam',
    region: '',
    resource: 'role',
    resourceName: `cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-cfn-exec-role-${stack.account}-${stack.region}`,
  });
}
