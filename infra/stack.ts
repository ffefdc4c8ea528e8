import { Annotations, CfnOutput, Fn, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { TokenRevocation, type TokenRevocationProps } from './token-revocation';

export interface TokenRevocationStackProps extends StackProps {
  /** The construct's settings (see TokenRevocationProps for each default). @default - all defaults */
  readonly revocation?: Omit<
    TokenRevocationProps,
    | 'eventBus'
    | 'sourceTopic'
    | 'urgentSourceTopic'
    | 'keyEncryptionKey'
    | 'operatorRoles'
    | 'pageTopic'
    | 'ticketTopic'
  >;
  /** Name of an existing EventBridge bus whose `TokenRevocationRequested` events feed the queues. @default - no rule */
  readonly eventBusName?: string;
  /** ARN of an existing SNS topic whose notifications feed the routine queue. @default - no subscription */
  readonly sourceTopicArn?: string;
  /** ARN of an existing SNS topic whose notifications feed the urgent queue. @default - no subscription */
  readonly urgentSourceTopicArn?: string;
  /**
   * Allow operator roles of another account (their queue and key policy statements then trust that
   * account's role). Without it such a role is an error.
   * @default false
   */
  readonly allowCrossAccountOperators?: boolean;
  /**
   * ARNs (path included) of the roles that may list and replay the dead-letter queue.
   * @default - none: nobody can read the dead-letter queue
   */
  readonly operatorRoleArns?: readonly string[];
  /** ARN of the customer-managed KMS key that encrypts the app key secret or parameter. @default - AWS-managed key */
  readonly keyEncryptionKeyArn?: string;
  /** ARN of an existing SNS topic for pages (the `pageTopic` prop). @default - a topic created for pages */
  readonly pageTopicArn?: string;
  /** ARN of an existing SNS topic for tickets (the `ticketTopic` prop). @default - a topic created for tickets */
  readonly ticketTopicArn?: string;
}

/** An IAM role ARN, path included (`arn:aws:iam::123456789012:role/path/Name`). */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

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
    const operatorRoles = (props.operatorRoleArns ?? []).map((arn, index) => {
      if (!Token.isUnresolved(arn) && !ROLE_ARN.test(arn)) {
        throw new Error(`TokenRevocationStack: operatorRoleArns: "${arn}" is not an IAM role ARN`);
      }
      this.#checkOperatorAccount(arn, props.allowCrossAccountOperators === true);
      return Role.fromRoleArn(this, `Operator${index}`, arn, { mutable: false });
    });
    const urgentSourceTopic =
      props.urgentSourceTopicArn === undefined
        ? undefined
        : Topic.fromTopicArn(this, 'UrgentSourceTopic', props.urgentSourceTopicArn);
    const topic = (id: string, arn: string | undefined) =>
      arn === undefined ? undefined : Topic.fromTopicArn(this, id, arn);
    const pageTopic = topic('PageTopic', props.pageTopicArn);
    const ticketTopic = topic('TicketTopic', props.ticketTopicArn);
    const revocation = new TokenRevocation(this, 'TokenRevocation', {
      ...props.revocation,
      operatorRoles,
      ...(pageTopic ? { pageTopic } : {}),
      ...(ticketTopic ? { ticketTopic } : {}),
      ...(keyEncryptionKey ? { keyEncryptionKey } : {}),
      ...(eventBus ? { eventBus } : {}),
      ...(sourceTopic ? { sourceTopic } : {}),
      ...(urgentSourceTopic ? { urgentSourceTopic } : {}),
    });
    this.revocation = revocation;

    const outputs: Record<string, { readonly value: string; readonly description: string }> = {
      QueueUrl: {
        value: revocation.queue.queueUrl,
        description:
          'Routine revocation requests (logouts) go here (JSON {"tokens": [...]}, up to 20 per message); revoked within about a minute, in full calls',
      },
      QueueArn: {
        value: revocation.queue.queueArn,
        description: 'The routine queue, for producer IAM policies',
      },
      UrgentQueueUrl: {
        value: revocation.urgentQueue.queueUrl,
        description: 'Urgent revocation requests (leaks, compromised accounts) go here; revoked at once',
      },
      UrgentQueueArn: {
        value: revocation.urgentQueue.queueArn,
        description: 'The urgent queue, for producer IAM policies',
      },
      DeadLetterQueueUrl: {
        value: revocation.deadLetterQueue.queueUrl,
        description:
          'Requests of both lanes whose receives ran out, and failed EventBridge/SNS deliveries: find the cause, then replay (see the runbook)',
      },
      DeadLetterQueueArn: {
        value: revocation.deadLetterQueue.queueArn,
        description: 'The dead-letter queue, for operator IAM policies',
      },
      ParkedQueueUrl: {
        value: revocation.parkedQueue.queueUrl,
        description:
          'Bad input the functions parked, with a reason: fix the producer, then delete (token-revoker dlq --parked-url)',
      },
      ParkedQueueArn: {
        value: revocation.parkedQueue.queueArn,
        description: 'The parked queue, for operator IAM policies',
      },
      PageTopicArn: {
        value: revocation.pageTopic.topicArn,
        description: 'Pages (ALARM and OK): subscribe your paging tool',
      },
      TicketTopicArn: {
        value: revocation.ticketTopic.topicArn,
        description: 'Tickets (ALARM only): subscribe your ticket queue',
      },
      ControlTableName: {
        value: revocation.controlTable.tableName,
        description:
          'The shared control table: the daily call budget spent, pauses in force, the quota last seen',
      },
      UrgentEventSourceMappingUuid: {
        value: revocation.urgentEventSourceMappingId,
        description:
          "The urgent lane's event source mapping: token-revoker pause/resume/status --urgent-mapping (or URGENT_EVENT_SOURCE_MAPPING_UUID)",
      },
      DailyCallBudget: {
        value: String(revocation.resolvedProps.dailyCallBudget),
        description:
          'Calls a budget day, both lanes: token-revoker status --daily-call-budget (or DAILY_CALL_BUDGET)',
      },
      UrgentReserveCalls: {
        value: String(revocation.resolvedProps.urgentReserveCalls),
        description:
          'Calls of the budget routine never spends: token-revoker status --urgent-reserve-calls (or URGENT_RESERVE_CALLS)',
      },
      AuditLogGroups: {
        value: Fn.join(
          ',',
          revocation.logGroups.map((group) => group.logGroupName),
        ),
        description:
          "The functions' log groups, which hold the audit trail: token-revoker audit --log-group (or AUDIT_LOG_GROUPS)",
      },
      ParkingKeySecretArn: {
        value: revocation.parkingKey.secretArn,
        description:
          'The key that seals parked messages: token-revoker dlq --parking-key-secret (operator roles only)',
      },
    };
    if (revocation.operatorControlPolicy !== undefined) {
      outputs.OperatorControlPolicyArn = {
        value: revocation.operatorControlPolicy.managedPolicyArn,
        description:
          "The operators' pause/resume/status policy, attached to the operator roles of this account: the model for roles elsewhere",
      };
    }
    if (revocation.dashboardName !== undefined) {
      outputs.DashboardName = {
        value: revocation.dashboardName,
        description: 'CloudWatch dashboard of the pipeline',
      };
    }
    for (const [id, output] of Object.entries(outputs)) new CfnOutput(this, id, output);
  }

  /** An operator role of another account is an error unless allowed, and a warning when it is. */
  #checkOperatorAccount(arn: string, allowed: boolean): void {
    const account = Token.isUnresolved(arn) ? undefined : arn.split(':')[4];
    if (account === undefined || Token.isUnresolved(this.account)) return;
    if (account === this.account) return;
    if (!allowed) {
      throw new Error(
        `TokenRevocationStack: operatorRoleArns: "${arn}" is in account ${account}, not ${this.account}: set allowCrossAccountOperators (context allowCrossAccountOperators=true) to let another account read the dead-letter queue`,
      );
    }
    Annotations.of(this).addWarningV2(
      'token-revoker:cross-account-operator',
      `Operator role ${arn} is in another account (${account}): it may read and replay the dead-letter queue and read the parking key.`,
    );
  }
}
