import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenRevocationStack, type TokenRevocationStackProps } from '../../infra/stack';

/** Feature flags and settings from cdk.json: tests build what `cdk synth` builds. */
const cdkJsonContext = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * An App with cdk.json's context that skips bundling (no esbuild run) and the built-in CloudFormation
 * validation (seconds per synth; the synth test runs it). Annotations stay on the constructs, where
 * `Annotations.fromStack` checks them, instead of being printed through the validation report.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    context: {
      ...cdkJsonContext,
      '@aws-cdk/core:annotationsInValidationReport': false,
      ...context,
      'aws:cdk:bundling-stacks': [],
    },
  });
}

/** A bare stack in such an app, for tests of the construct on its own. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** Builds the stack without bundling and returns it with its template. */
export function synthesize(props: TokenRevocationStackProps = {}, context: Record<string, unknown> = {}) {
  const app = testApp(context);
  const stack = new TokenRevocationStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}
