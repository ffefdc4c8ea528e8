import { Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { TokenRevocation, type TokenRevocationProps } from './token-revocation';

export interface TokenRevocationStackProps extends StackProps {
  readonly revocation?: Omit<TokenRevocationProps, 'eventBus'>;
  /** Name of an existing EventBridge bus whose `TokenRevocationRequested` events feed the queue. @default - none */
  readonly eventBusName?: string;
}

/** One deployment of the pipeline. */
export class TokenRevocationStack extends Stack {
  readonly revocation: TokenRevocation;

  constructor(scope: Construct, id: string, props: TokenRevocationStackProps = {}) {
    super(scope, id, props);
    const eventBus =
      props.eventBusName === undefined
        ? undefined
        : EventBus.fromEventBusName(this, 'Bus', props.eventBusName);
    this.revocation = new TokenRevocation(this, 'TokenRevocation', {
      ...props.revocation,
      ...(eventBus ? { eventBus } : {}),
    });
  }
}
