import { Annotations, FeatureFlags, Names, Stack } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { type IPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterOrPolicy, type ITopic, SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { RevocationPriority } from '../functions/lib/message';

/** The `detail-type` of the EventBridge events that ask for a revocation. */
export const REVOCATION_EVENT_DETAIL_TYPE = 'TokenRevocationRequested';

/** Retries of an EventBridge delivery before it goes to the dead-letter queue. */
const EVENT_DELIVERY_RETRIES = 10;

/**
 * Matches a request whose `priority` is `urgent`. Anything else goes routine: another value, or no
 * `priority` at all. `anything-but` alone would miss a request without the field (it needs the key to be
 * present), hence the `$or` with `exists: false`; both EventBridge and SNS filter policies support it.
 */
const URGENT = [RevocationPriority.Urgent];
const NOT_URGENT = [
  { priority: [{ 'anything-but': [RevocationPriority.Urgent] }] },
  { priority: [{ exists: false }] },
];

/** EventBridge patterns of the two rules: the request is the event's `detail`. */
export const EVENT_PATTERNS: Readonly<Record<'urgent' | 'routine', EventPattern>> = {
  urgent: { detailType: [REVOCATION_EVENT_DETAIL_TYPE], detail: { priority: URGENT } },
  routine: { detailType: [REVOCATION_EVENT_DETAIL_TYPE], detail: { $or: NOT_URGENT } },
};

export interface ProducersProps {
  readonly routineQueue: IQueue;
  readonly urgentQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The source queues' key, if any. */
  readonly key: IKey | undefined;
  /** The dead-letter queue's key, if any. */
  readonly deadLetterKey: IKey | undefined;
  readonly eventBus: IEventBus | undefined;
  readonly sourceTopic: ITopic | undefined;
}

/**
 * Optional managed producers: EventBridge rules and SNS subscriptions that route each request by its
 * `priority` (`urgent` to the urgent queue, anything else to the routine queue). Deliveries that fail
 * land in the dead-letter queue, where operators already look.
 *
 * The services get only what delivery needs: sqs:SendMessage on the queues, and kms:GenerateDataKey and
 * kms:Decrypt on the keys, each scoped by `aws:SourceArn` to the rule or the topic (and by
 * `aws:SourceAccount` for EventBridge).
 */
export class Producers extends Construct {
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: ProducersProps) {
    super(scope, id);
    this.rules = props.eventBus === undefined ? [] : this.#routeEvents(props, props.eventBus);
    if (props.sourceTopic !== undefined) this.#subscribe(props, props.sourceTopic);
  }

  #routeEvents(props: ProducersProps, eventBus: IEventBus): Rule[] {
    const stack = Stack.of(this);
    const route = (ruleId: string, queue: IQueue, pattern: EventPattern, lane: string) => {
      // A fixed name gives the rule's ARN without a reference to the rule: the key policy names it,
      // and the rule's target is a queue encrypted with that key (a reference would be a cycle).
      const ruleName = `${Names.uniqueResourceName(this, { maxLength: 55 })}-${lane}`;
      const rule = new Rule(this, ruleId, {
        eventBus,
        ruleName,
        description: `Routes ${lane} ${REVOCATION_EVENT_DETAIL_TYPE} events to the token revocation ${lane} queue`,
        eventPattern: pattern,
      });
      rule.addTarget(this.#queueTarget(queue, props.deadLetterQueue));
      const busName = eventBus.eventBusName;
      const ruleArn = stack.formatArn({
        service: 'events',
        resource: 'rule',
        resourceName: busName === 'default' ? ruleName : `${busName}/${ruleName}`,
      });
      const fromRule = {
        ArnEquals: { 'aws:SourceArn': ruleArn },
        StringEquals: { 'aws:SourceAccount': stack.account },
      };
      const events = new ServicePrincipal('events.amazonaws.com');
      for (const target of [queue, props.deadLetterQueue]) {
        target.addToResourcePolicy(
          new PolicyStatement({
            principals: [events],
            actions: ['sqs:SendMessage'],
            resources: [target.queueArn],
            conditions: fromRule,
          }),
        );
      }
      for (const key of [props.key, props.deadLetterKey]) allowDelivery(key, events, fromRule);
      return rule;
    };
    // The routine rule keeps the id of the single rule it replaces.
    return [
      route('RevocationRequests', props.routineQueue, EVENT_PATTERNS.routine, 'routine'),
      route('UrgentRevocationRequests', props.urgentQueue, EVENT_PATTERNS.urgent, 'urgent'),
    ];
  }

  /** The queue as a rule target, with the delivery retries and the dead-letter queue (policies written by the caller). */
  #queueTarget(queue: IQueue, deadLetterQueue: IQueue): IRuleTarget {
    return {
      bind: () => ({
        arn: queue.queueArn,
        targetResource: queue,
        deadLetterConfig: { arn: deadLetterQueue.queueArn },
        retryPolicy: { maximumRetryAttempts: EVENT_DELIVERY_RETRIES },
      }),
    };
  }

  #subscribe(props: ProducersProps, topic: ITopic): void {
    // Filtering on the body needs a JSON object: SNS drops any other body for both subscriptions (the
    // SourceTopicBodyNotJson alarm reports it).
    topic.addSubscription(
      new SqsSubscription(props.routineQueue, {
        deadLetterQueue: props.deadLetterQueue,
        filterPolicyWithMessageBody: { $or: FilterOrPolicy.filter(new SubscriptionFilter(NOT_URGENT)) },
      }),
    );
    topic.addSubscription(
      new SqsSubscription(props.urgentQueue, {
        deadLetterQueue: props.deadLetterQueue,
        filterPolicyWithMessageBody: { priority: FilterOrPolicy.filter(new SubscriptionFilter(URGENT)) },
      }),
    );
    // SqsSubscription grants SNS the source queues' key (scoped to the topic when the feature flag is on)
    // and lets it send to the dead-letter queue; its key is added here.
    allowDelivery(props.deadLetterKey, new ServicePrincipal('sns.amazonaws.com'), {
      ArnEquals: { 'aws:SourceArn': topic.topicArn },
    });
    if (
      props.key !== undefined &&
      !FeatureFlags.of(this).isEnabled(SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY)
    ) {
      Annotations.of(this).addWarningV2(
        'token-revoker:sns-unscoped',
        `Enable the feature flag ${SNS_SUBSCRIPTIONS_SQS_DECRYPTION_POLICY}: without it any SNS topic may use the queue key.`,
      );
    }
  }
}

/** Lets a service deliver to queues encrypted with the key: the two calls SQS makes for a sender. */
function allowDelivery(
  key: IKey | undefined,
  service: IPrincipal,
  conditions: Record<string, Record<string, unknown>>,
): void {
  key?.addToResourcePolicy(
    new PolicyStatement({
      principals: [service],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions,
    }),
  );
}
