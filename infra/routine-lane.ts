import { Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ILogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  type IScheduleTarget,
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HandlerFolder } from './handler-bundles';
import { RevocationFunction } from './revocation-function';

/** The routine consumer's handler: functions/routine-consumer/handler.ts. */
export const ROUTINE_CONSUMER_FOLDER: HandlerFolder = 'routine-consumer';

export interface RoutineLaneProps {
  /** How often the consumer runs. */
  readonly tick: Duration;
  /** The consumer's timeout, below the tick. */
  readonly timeout: Duration;
  readonly memorySizeInMb: number;
  readonly logRetention: RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The routine lane's single consumer: a function with reserved concurrency 1, run by EventBridge
 * Scheduler every tick. Late ticks never pile up: the flexible time window is off, and both the
 * schedule and the function's asynchronous invocation drop an event older than one tick instead of
 * retrying it (the next tick does the work). Ticks that did not make a complete run land in a small
 * dead-letter queue of their own (they carry no tokens); a missed run shows as missing `Invocations`.
 */
export class RoutineLane extends Construct {
  readonly function: IFunction;
  readonly role: IRole;
  /** The consumer's log group (its audit trail included). */
  readonly logGroup: ILogGroup;
  readonly schedule: Schedule;
  /** Ticks that did not make a complete run (undelivered, dropped or failed): timestamps, no tokens. */
  readonly scheduleDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: RoutineLaneProps) {
    super(scope, id);
    const consumer = new RevocationFunction(this, 'Consumer', {
      handlerFolder: ROUTINE_CONSUMER_FOLDER,
      timeout: props.timeout,
      memorySizeInMb: props.memorySizeInMb,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    this.function = consumer.function;
    this.role = consumer.role;
    this.logGroup = consumer.logGroup;
    const cfn = this.function.node.defaultChild;
    if (!(cfn instanceof CfnFunction)) throw new Error('RoutineLane: the consumer has no CfnFunction');
    // One consumer: two runs at once would race for the messages each other holds.
    cfn.reservedConcurrentExecutions = 1;
    cfn.description = 'Routine lane: drains the routine queue every tick, revoking in calls of 20';

    this.scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetterQueue).acknowledge(
      {
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason:
          'This is the schedule dead-letter queue: it records ticks that did not make a complete run (undelivered, dropped or failed), for operators to inspect; nothing consumes it.',
      },
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (of the schedule); a missed run is also caught by the MissedSchedule alarm.',
      },
    );

    // A tick Lambda dropped (older than one tick, e.g. while the previous run still holds the only
    // slot) or a run that failed is recorded there too, and is not retried: the next tick does the work.
    this.function.configureAsyncInvoke({
      maxEventAge: props.tick,
      retryAttempts: 0,
      onFailure: new SqsDestination(this.scheduleDeadLetterQueue),
    });

    // A schedule group of its own, and fixed names: the scheduler role trusts this one schedule only
    // (its ARN, known before the schedule exists, so no reference cycle).
    const scheduleName = Names.uniqueResourceName(this, { maxLength: 64 });
    const group = new ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: Names.uniqueResourceName(this, { maxLength: 58 }),
    });
    const schedulerRole = this.#schedulerRole(group.scheduleGroupName, scheduleName);
    this.schedule = new Schedule(this, 'Schedule', {
      scheduleName,
      scheduleGroup: group,
      schedule: ScheduleExpression.rate(props.tick),
      timeWindow: TimeWindow.off(),
      description: 'Runs the token revocation routine consumer',
      target: this.#target(schedulerRole, props.tick),
    });
    // The group is named, not referenced: make CloudFormation create it first.
    this.schedule.node.addDependency(group);
  }

  /**
   * The role the schedule assumes, trusted by this one schedule only: invoke this one function (no
   * version wildcard), record failed ticks.
   */
  #schedulerRole(groupName: string, scheduleName: string): Role {
    const stack = Stack.of(this);
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: `${groupName}/${scheduleName}`,
            }),
          },
        },
      }),
      description: 'EventBridge Scheduler: run the token revocation routine consumer',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.scheduleDeadLetterQueue.queueArn],
      }),
    );
    return role;
  }

  /** Invoke the consumer with the tick's time; no retry, and an event older than one tick is dropped. */
  #target(role: IRole, tick: Duration): IScheduleTarget {
    return {
      bind: () => ({
        arn: this.function.functionArn,
        role,
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        deadLetterConfig: { arn: this.scheduleDeadLetterQueue.queueArn },
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: tick.toSeconds() },
      }),
    };
  }
}
