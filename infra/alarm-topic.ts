import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** E-mail address to subscribe to the topics this construct creates, if any. */
  readonly email: string | undefined;
  /** An existing topic for pages; otherwise one is created. */
  readonly pageTopic: ITopic | undefined;
  /** An existing topic for tickets; otherwise one is created. */
  readonly ticketTopic: ITopic | undefined;
}

/**
 * The two alarm topics, one per severity: pages (the page topic, ALARM and OK) and tickets (the ticket
 * topic, ALARM only). A topic given as a prop is used as it is: its owner lets CloudWatch alarms of
 * this account publish to it (and use its key, if it has one). A topic created here is encrypted with
 * a rotated key of its own (one key for both created topics: the same service, for the same alarms,
 * uses it), SSL only, and open for publishing to CloudWatch alarms of this account and region and
 * nobody else.
 */
export class AlarmTopic extends Construct {
  readonly pageTopic: ITopic;
  readonly ticketTopic: ITopic;
  /** The created topics' key; undefined when both topics were given. */
  readonly key: Key | undefined;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.pageTopic !== undefined && props.ticketTopic !== undefined) {
      this.pageTopic = props.pageTopic;
      this.ticketTopic = props.ticketTopic;
      return;
    }
    const stack = Stack.of(this);
    const key = new Key(this, 'Key', {
      description: 'Encrypts the token revocation alarm topics (pages and tickets)',
      enableKeyRotation: true,
    });
    this.key = key;
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    // Only alarms of this account and region.
    const fromAlarmsOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    // CloudWatch publishes alarm notifications into the encrypted topics: it needs the data key. (An
    // AWS-managed aws/sns key cannot be used for this, which is why the topics have their own key.)
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromAlarmsOfThisAccount,
      }),
    );
    const topic = (topicId: string, displayName: string) => {
      const created = new Topic(this, topicId, { enforceSSL: true, masterKey: key, displayName });
      // The topic policy replaces SNS's default one, so CloudWatch alarms must be let in explicitly.
      created.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCloudWatchAlarmsOfThisAccount',
          principals: [cloudWatch],
          actions: ['sns:Publish'],
          resources: [created.topicArn],
          conditions: fromAlarmsOfThisAccount,
        }),
      );
      if (props.email !== undefined) {
        const subscription = created.addSubscription(new EmailSubscription(props.email));
        Validations.of(subscription).acknowledge({
          id: 'Serverless::Serverless-SNSRedrivePolicy',
          reason:
            'An e-mail delivery that fails cannot be replayed from a queue; the alarm stays visible in CloudWatch and SNS records failed deliveries.',
        });
      }
      return created;
    };
    // The page topic keeps the id of the single alarm topic it replaces, so its subscriptions stay.
    this.pageTopic = props.pageTopic ?? topic('Topic', 'Token revocation pages');
    this.ticketTopic = props.ticketTopic ?? topic('TicketTopic', 'Token revocation tickets');
  }
}
