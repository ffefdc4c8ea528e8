import { Annotations, FeatureFlags, Names, Stack } from 'aws-cdk-lib';
import { type EventPattern, type IEventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { type IPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
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

/**
 * EventBridge patterns of the two rules (the request is the event's `detail`), for the allowed
 * sources: urgent events of an urgent source go to the urgent queue; every other event of an allowed
 * source goes to the routine queue; events of any other source match neither rule. Undefined when a
 * lane has no source.
 */
export function eventPatterns(
  eventSources: readonly string[],
  urgentEventSources: readonly string[],
): Readonly<Record<'urgent' | 'routine', EventPattern | undefined>> {
  const detailType = [REVOCATION_EVENT_DETAIL_TYPE];
  const urgent = [...new Set(urgentEventSources)];
  const routineOnly = [...new Set(eventSources)].filter((source) => !urgent.includes(source));
  const routine: Record<string, unknown>[] = [
    ...(routineOnly.length === 0 ? [] : [{ source: routineOnly }]),
    ...(urgent.length === 0 ? [] : NOT_URGENT.map((condition) => ({ source: urgent, detail: condition }))),
  ];
  return {
    urgent: urgent.length === 0 ? undefined : { detailType, source: urgent, detail: { priority: URGENT } },
    routine:
      routine.length === 0
        ? undefined
        : routine.length === 1
          ? { detailType, ...routine[0] }
          : ({ detailType, $or: routine } as EventPattern),
  };
}

export interface ProducersProps {
  readonly routineQueue: IQueue;
  readonly urgentQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The source queues' key, if any. */
  readonly key: IKey | undefined;
  /** The dead-letter queue's key, if any. */
  readonly deadLetterKey: IKey | undefined;
  readonly eventBus: IEventBus | undefined;
  /** Sources whose events are routed (see `eventPatterns`). */
  readonly eventSources: readonly string[];
  readonly urgentEventSources: readonly string[];
  /** Feeds the routine queue only. */
  readonly sourceTopic: ITopic | undefined;
  /** Feeds the urgent queue only. */
  readonly urgentSourceTopic: ITopic | undefined;
}

/**
 * Optional managed producers: EventBridge rules that route the events of allowed sources (urgent ones
 * of an urgent source to the urgent queue, the rest to the routine queue), and SNS subscriptions, one
 * topic per lane. A publisher cannot jump the queue: the lane is the queue it was allowed to reach.
 * Deliveries that fail land in the dead-letter queue, where operators already look.
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
    if (props.sourceTopic !== undefined) this.#subscribe(props, props.sourceTopic, props.routineQueue);
    if (props.urgentSourceTopic !== undefined) {
      this.#subscribe(props, props.urgentSourceTopic, props.urgentQueue);
    }
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
    const patterns = eventPatterns(props.eventSources, props.urgentEventSources);
    return [
      ...(patterns.routine === undefined
        ? []
        : [route('RevocationRequests', props.routineQueue, patterns.routine, 'routine')]),
      ...(patterns.urgent === undefined
        ? []
        : [route('UrgentRevocationRequests', props.urgentQueue, patterns.urgent, 'urgent')]),
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

  /** Subscribes one queue to a topic: every notification goes to that queue (its lane), none to the other. */
  #subscribe(props: ProducersProps, topic: ITopic, queue: IQueue): void {
    // Raw messages are not enabled: the queue gets the SNS envelope, which the functions unwrap; a
    // body that is not a request is parked with its reason, never dropped.
    topic.addSubscription(new SqsSubscription(queue, { deadLetterQueue: props.deadLetterQueue }));
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
