import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import fc from 'fast-check';
import { CONTEXT_SETTINGS, settingsFromContext } from '../../infra/context';
import { resolveProps } from '../../infra/token-revocation-props';
import { synthesize, testApp } from './stack-factory';

describe('construct settings', () => {
  it('applies the pipeline defaults and derives the rest', () => {
    const s = resolveProps({});
    expect(s).toMatchObject({
      batchSize: 100,
      maxReceiveCount: 5,
      maxConcurrency: 4,
      requestsPerSecondPerFunction: 5,
      callConcurrency: 4,
      authStyle: 'query',
      logLevel: 'INFO',
    });
    expect(s.visibilityTimeout.toSeconds()).toBe(185);
    expect(s.functionTimeout.toSeconds()).toBe(30);
    expect(s.retentionPeriod.toDays()).toBe(4);
    expect(s.deadLetterRetentionPeriod.toDays()).toBe(14);
  });

  it('keeps all concurrent functions together inside the total request budget', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 500, noNaN: true }),
        fc.double({ min: 0.05, max: 25, noNaN: true }),
        (total, perFunction) => {
          let s: ReturnType<typeof resolveProps>;
          try {
            s = resolveProps({ totalRequestsPerSecond: total, requestsPerSecondPerFunction: perFunction });
          } catch (error) {
            // Only budgets that cannot be shared at all, or need more than 1000 functions, are refused.
            expect(String(error)).toMatch(/too small to share|maximum of 1000/);
            return;
          }
          expect(s.maxConcurrency).toBeGreaterThanOrEqual(2);
          expect(s.requestsPerSecondPerFunction).toBeLessThanOrEqual(perFunction);
          expect(s.maxConcurrency * s.requestsPerSecondPerFunction).toBeLessThanOrEqual(total + 1e-9);
        },
      ),
    );
  });

  it('computes the visibility timeout as 6 x function timeout + batching window', () => {
    const s = resolveProps({
      functionTimeout: Duration.seconds(60),
      maxBatchingWindow: Duration.seconds(20),
    });
    expect(s.visibilityTimeout.toSeconds()).toBe(380);
    synthesize({ revocation: { functionTimeout: Duration.seconds(60) } }).template.hasResourceProperties(
      'AWS::SQS::Queue',
      { VisibilityTimeout: 365 },
    );
  });

  it.each<[string, Parameters<typeof resolveProps>[0], RegExp]>([
    ['both key sources', { keySecretName: 'a', keyParameterName: '/b' }, /not both/],
    ['a zero budget', { totalRequestsPerSecond: 0 }, /totalRequestsPerSecond/],
    ['more than the handler allows per function', { requestsPerSecondPerFunction: 30 }, /\(0, 25\]/],
    ['a batch above the SQS maximum', { batchSize: 10_001 }, /batchSize/],
    ['a big batch without a window', { batchSize: 100, maxBatchingWindow: Duration.seconds(0) }, /window/i],
    ['a window above 5 minutes', { maxBatchingWindow: Duration.minutes(6) }, /maxBatchingWindow/],
    ['a timeout above 15 minutes', { functionTimeout: Duration.minutes(16) }, /functionTimeout/],
    ['no receives', { maxReceiveCount: 0 }, /maxReceiveCount/],
    ['a fraction of 1', { quotaAlarmFraction: 1 }, /quotaAlarmFraction/],
    ['a fractional call concurrency', { callConcurrency: 1.5 }, /callConcurrency/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => resolveProps(props)).toThrow(message);
  });
});

describe('app settings from CDK context', () => {
  it('reads every documented setting, parsing -c strings', () => {
    const context = {
      stackName: 'Revoker-prod',
      keySecretName: 'prod/se-key',
      authStyle: 'header',
      totalRequestsPerSecond: '12',
      functionTimeoutInSeconds: '45',
      maxMessageAgeInMinutes: '30',
      useSqsManagedEncryption: 'true',
      logLevel: 'DEBUG',
      eventBusName: 'bus',
    };
    const { stackName, props } = settingsFromContext(testApp(context).node);
    expect(stackName).toBe('Revoker-prod');
    expect(props.eventBusName).toBe('bus');
    expect(props.revocation).toMatchObject({
      keySecretName: 'prod/se-key',
      authStyle: 'header',
      totalRequestsPerSecond: 12,
      useSqsManagedEncryption: true,
      logLevel: 'DEBUG',
    });
    expect(props.revocation?.functionTimeout?.toSeconds()).toBe(45);
    expect(props.revocation?.maxMessageAge?.toMinutes()).toBe(30);
  });

  it("treats cdk.json's empty strings as unset", () => {
    const { stackName, props } = settingsFromContext(testApp().node);
    expect(stackName).toBe('TokenRevoker');
    expect(props.revocation?.keySecretName).toBeUndefined();
    expect(props.revocation?.alarmEmail).toBeUndefined();
    expect(props.eventBusName).toBeUndefined();
  });

  it.each([
    ['authStyle', 'bearer'],
    ['batchSize', 'many'],
    ['useSqsManagedEncryption', 'yes'],
    ['logLevel', 'verbose'],
  ])('refuses %s=%s with a message naming the setting', (name, value) => {
    expect(() => settingsFromContext(testApp({ [name]: value }).node)).toThrow(name);
  });

  it('lists every setting in infra/README.md', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'infra', 'README.md'), 'utf8');
    for (const name of CONTEXT_SETTINGS) expect(readme).toContain(`\`${name}\``);
  });
});
