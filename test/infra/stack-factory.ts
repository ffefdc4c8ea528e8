import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenRevocationStack, type TokenRevocationStackProps } from '../../infra/stack';

/** Builds the stack without bundling (no esbuild run) and returns it with its template. */
export function synthesize(props: TokenRevocationStackProps = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenRevocationStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}
