import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { CONTEXT_SETTINGS, settingsFromContext } from '../../infra/context';
import {
  consumerTimeoutInSeconds,
  failedAttemptsWithin,
  MAX_VISIBILITY_SECONDS,
  OUTAGE_TO_SURVIVE_IN_SECONDS,
  PAUSE_TO_SURVIVE_IN_SECONDS,
  PIPELINE_DEFAULTS,
  routineMaxReceiveCountFor,
  routineVisibilityTimeoutInSeconds,
  splitRequestBudget,
  tokensPerUrgentInvocation,
  urgentMaxReceiveCountFor,
  visibilityTimeoutInSeconds,
} from '../../infra/settings';
import { resolveProps } from '../../infra/token-revocation-props';
import { PROPS_FILE, parseProps } from '../../tools/build/props-table';
import { synthesize, testApp } from './stack-factory';

describe('pipeline numbers (infra/settings.ts)', () => {
  it('splits the default budget: urgent 3 x 5, routine the other 5 requests/s', () => {
    expect(
      splitRequestBudget(
        PIPELINE_DEFAULTS.totalRequestsPerSecond,
        PIPELINE_DEFAULTS.urgentRequestsPerSecond,
        PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
      ),
    ).toEqual({
      urgentMaxConcurrency: 3,
      urgentRequestsPerSecondPerFunction: 5,
      routineRequestsPerSecond: 5,
    });
    // A smaller urgent share still gets two instances, each lowered to fit.
    expect(splitRequestBudget(20, 5, 5)).toEqual({
      urgentMaxConcurrency: 2,
      urgentRequestsPerSecondPerFunction: 2.5,
      routineRequestsPerSecond: 15,
    });
    expect(splitRequestBudget(30, 10, 2.5)).toEqual({
      urgentMaxConcurrency: 4,
      urgentRequestsPerSecondPerFunction: 2.5,
      routineRequestsPerSecond: 20,
    });
  });

  it('keeps both lanes together inside the total, the urgent lane inside its share', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 500, noNaN: true }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0.05, max: 25, noNaN: true }),
        (total, urgentFraction, perFunction) => {
          const urgentShare = total * urgentFraction;
          const split = splitRequestBudget(total, urgentShare, perFunction);
          const urgentUse = split.urgentMaxConcurrency * split.urgentRequestsPerSecondPerFunction;
          expect(split.urgentMaxConcurrency).toBeGreaterThanOrEqual(2);
          expect(split.urgentRequestsPerSecondPerFunction).toBeLessThanOrEqual(perFunction);
          expect(urgentUse).toBeLessThanOrEqual(urgentShare + 1e-9);
          expect(urgentUse + split.routineRequestsPerSecond).toBeLessThanOrEqual(total + 1e-9);
          // The routine consumer loses at most what rounding to 1/100 costs each lane.
          expect(total - urgentShare - split.routineRequestsPerSecond).toBeLessThan(
            0.01 + 0.01 * split.urgentMaxConcurrency + 1e-9,
          );
        },
      ),
    );
  });

  it('sizes the routine receive count for holds, a deferral and a ten-minute outage', () => {
    // 1 hold + 1 deferral + 600 s / 60 s outage attempts + the settling receive + 1 margin.
    expect(routineMaxReceiveCountFor(60, 60)).toBe(14);
    expect(PIPELINE_DEFAULTS.routineMaxReceiveCount).toBe(
      routineMaxReceiveCountFor(PIPELINE_DEFAULTS.tickSeconds, PIPELINE_DEFAULTS.maxHoldSeconds),
    );
    expect(routineMaxReceiveCountFor(60, 300)).toBe(18);
    // Longer ticks: the consumer's own backoff (5 attempts in ten minutes) sets the count.
    expect(routineMaxReceiveCountFor(120, 60)).toBe(9);
    expect(routineMaxReceiveCountFor(900, 60)).toBe(9);
    expect(failedAttemptsWithin(600, 900)).toBe(5);
    expect(failedAttemptsWithin(600, 60)).toBe(10);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 3600 }), (minutes, hold) => {
        const tick = minutes * 60;
        // Every outage attempt fits, paced by the backoff or by the runs: none of them is the last receive.
        const backoffAttempts = [0, 30, 90, 210, 450].filter(
          (at) => at < OUTAGE_TO_SURVIVE_IN_SECONDS,
        ).length;
        const attempts = Math.max(backoffAttempts, Math.ceil(OUTAGE_TO_SURVIVE_IN_SECONDS / tick));
        expect(routineMaxReceiveCountFor(tick, hold)).toBeGreaterThan(attempts + Math.ceil(hold / tick) + 1);
      }),
    );
  });

  it('sizes the urgent receive count for a day-long pause, a ten-minute outage and a leak', () => {
    // 5 requests/s for 30 - 3 s: 135 calls of 20 tokens.
    expect(tokensPerUrgentInvocation(5, 30)).toBe(2700);
    expect(tokensPerUrgentInvocation(0.5, 4)).toBe(20); // at least one call
    // 2 receives of a 24-hour pause (12 h each) + 1 just before its end + 1 meeting it
    // + ceil(600 / 185) = 4 outage attempts + ceil(10,000 / 2,700) - 1 = 3 releases + settling + killed.
    expect(urgentMaxReceiveCountFor({ visibilityTimeoutInSeconds: 185, tokensPerInvocation: 2700 })).toBe(13);
    expect(PIPELINE_DEFAULTS.maxReceiveCount).toBe(
      urgentMaxReceiveCountFor({
        visibilityTimeoutInSeconds: visibilityTimeoutInSeconds(
          PIPELINE_DEFAULTS.functionTimeoutInSeconds,
          PIPELINE_DEFAULTS.maxBatchingWindowInSeconds,
        ),
        tokensPerInvocation: tokensPerUrgentInvocation(
          PIPELINE_DEFAULTS.requestsPerSecondPerFunction,
          PIPELINE_DEFAULTS.functionTimeoutInSeconds,
        ),
      }),
    );
    // Nothing to survive: the pause's two edges, the settling receive and the margin.
    expect(
      urgentMaxReceiveCountFor({
        visibilityTimeoutInSeconds: 185,
        tokensPerInvocation: 2700,
        pauseSeconds: 0,
        outageSeconds: 0,
        leakTokens: 0,
      }),
    ).toBe(4);
  });

  it('lets no pause up to a day dead-letter an urgent message: each receive hides it 12 h at most', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: PAUSE_TO_SURVIVE_IN_SECONDS }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 60 }),
        (pauseSeconds, lateReceiveSeconds, handlerSeconds) => {
          // Prepare: the message is received as the pause begins; each later receive comes when its
          // visibility ends (plus a poller's delay), and the handler hides it until the pause's end,
          // at most 12 h from that receive.
          let receives = 1;
          let now = lateReceiveSeconds;
          const hiddenUntil = (receivedAt: number) =>
            Math.min(pauseSeconds, receivedAt + MAX_VISIBILITY_SECONDS - handlerSeconds);
          let visibleAt = hiddenUntil(0);
          // Act
          while (visibleAt < pauseSeconds) {
            now = visibleAt + lateReceiveSeconds;
            receives += 1;
            visibleAt = hiddenUntil(now);
          }
          receives += 1; // the receive after the pause, which sends it
          // Assess: SQS dead-letters on the receive after maxReceiveCount; ordinary retries still fit.
          const count = urgentMaxReceiveCountFor({
            visibilityTimeoutInSeconds: 185,
            tokensPerInvocation: 2700,
          });
          expect(receives + Math.ceil(600 / 185) + 3).toBeLessThanOrEqual(count);
        },
      ),
    );
  });

  it('ends a routine run before the next tick, and keeps its messages hidden past it', () => {
    for (const tick of [60, 120, 900]) {
      expect(consumerTimeoutInSeconds(tick)).toBeLessThan(tick);
      expect(consumerTimeoutInSeconds(tick)).toBeGreaterThan(tick / 2);
      expect(routineVisibilityTimeoutInSeconds(tick)).toBeGreaterThan(tick);
    }
    expect(consumerTimeoutInSeconds(60)).toBe(50);
    expect(routineVisibilityTimeoutInSeconds(60)).toBe(110);
  });
});

describe('construct settings', () => {
  it('applies the pipeline defaults and derives the rest', () => {
    const s = resolveProps({});
    expect(s).toMatchObject({
      batchSize: 100,
      maxReceiveCount: 13,
      routineMaxReceiveCount: 14,
      maxConcurrency: 3,
      requestsPerSecondPerFunction: 5,
      routineRequestsPerSecond: 5,
      callConcurrency: 4,
      routineCallConcurrency: 4,
      dailyCallBudget: 9000,
      urgentReserveCalls: 1800,
      routineQuotaFloorFraction: 0.2,
      removalPolicy: RemovalPolicy.RETAIN,
      quotaReserveFraction: 0.5,
      authStyle: 'query',
      logLevel: 'INFO',
      operatorRoles: [],
    });
    expect(s.visibilityTimeout.toSeconds()).toBe(185);
    expect(s.routineVisibilityTimeout.toSeconds()).toBe(110);
    expect(s.functionTimeout.toSeconds()).toBe(30);
    expect(s.consumerTimeout.toSeconds()).toBe(50);
    expect(s.tick.toSeconds()).toBe(60);
    expect(s.maxHold.toSeconds()).toBe(60);
    expect(s.maxDefer.toSeconds()).toBe(900);
    expect(s.maxMessageAge.toMinutes()).toBe(20);
    expect(s.urgentMaxMessageAge.toMinutes()).toBe(5);
    expect(s.retentionPeriod.toDays()).toBe(10);
    expect(s.deadLetterRetentionPeriod.toDays()).toBe(14);
    expect(s.deadLetterAgeAlarm.toDays()).toBe(10);
  });

  it('applies every literal @default the props document (numbers, strings, Durations, removal)', () => {
    // Prepare: the doc comments the README table is generated from.
    const documented = parseProps(readFileSync(join(__dirname, '..', '..', PROPS_FILE), 'utf8'));
    const resolved = resolveProps({}) as unknown as Record<string, unknown>;
    const expected = (text: string): unknown => {
      const duration = /^Duration\.(seconds|minutes|days)\((\d+)\)$/.exec(text);
      if (duration)
        return Duration[duration[1] as 'seconds' | 'minutes' | 'days'](Number(duration[2])).toSeconds();
      if (text === 'RemovalPolicy.RETAIN') return RemovalPolicy.RETAIN;
      if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
      if (/^'[^']*'$/.test(text)) return text.slice(1, -1);
      if (text === 'false' || text === 'true') return text === 'true';
      return undefined; // a described default ("- derived ..."), checked elsewhere
    };
    // Act
    const checked = documented.flatMap(({ name, defaultValue }) => {
      const want = expected(defaultValue ?? '');
      if (want === undefined) return [];
      const got = resolved[name];
      return [{ name, want, got: got instanceof Duration ? got.toSeconds() : got }];
    });
    // Assess
    expect(checked.length).toBeGreaterThan(20);
    for (const { name, want, got } of checked) expect({ name, value: got }).toEqual({ name, value: want });
  });

  it('derives the urgent receive count from the timeout and rate unless given', () => {
    // Visibility 6 x 60 + 5 = 365 s: 2 outage attempts; 5 x 57 x 20 = 5,700 tokens: 1 release.
    expect(resolveProps({ functionTimeout: Duration.seconds(60) }).maxReceiveCount).toBe(9);
    expect(resolveProps({ maxReceiveCount: 5 }).maxReceiveCount).toBe(5);
  });

  it('keeps 20% of the daily call budget for the urgent lane unless told otherwise', () => {
    expect(resolveProps({ dailyCallBudget: 5000 })).toMatchObject({
      dailyCallBudget: 5000,
      urgentReserveCalls: 1000,
    });
    expect(resolveProps({ dailyCallBudget: 7, urgentReserveCalls: 7 }).urgentReserveCalls).toBe(7);
    expect(resolveProps({ urgentReserveCalls: 0 }).urgentReserveCalls).toBe(0);
    expect(resolveProps({ removalPolicy: RemovalPolicy.DESTROY }).removalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  it('derives the routine receive count from the tick and the hold unless given', () => {
    expect(resolveProps({ maxHold: Duration.minutes(5) }).routineMaxReceiveCount).toBe(18);
    expect(resolveProps({ tick: Duration.minutes(2) }).routineMaxReceiveCount).toBe(9);
    expect(resolveProps({ tick: Duration.minutes(15) }).routineMaxReceiveCount).toBe(9);
    expect(resolveProps({ routineMaxReceiveCount: 12 }).routineMaxReceiveCount).toBe(12);
  });

  it('computes the visibility timeout as 6 x function timeout + batching window', () => {
    const s = resolveProps({
      functionTimeout: Duration.seconds(60),
      maxBatchingWindow: Duration.seconds(20),
    });
    expect(s.visibilityTimeout.toSeconds()).toBe(380);
    synthesize({ revocation: { functionTimeout: Duration.seconds(60) } }).template.hasResourceProperties(
      'AWS::SQS::Queue',
      { VisibilityTimeout: 365, QueueName: Match.stringLikeRegexp('-urgent$') },
    );
  });

  it.each<[string, Parameters<typeof resolveProps>[0], RegExp]>([
    ['both key sources', { keySecretName: 'a', keyParameterName: '/b' }, /not both/],
    ['a zero budget', { totalRequestsPerSecond: 0 }, /totalRequestsPerSecond/],
    [
      'more than the handler allows per function',
      { requestsPerSecondPerFunction: 30 },
      /requestsPerSecondPerFunction must be a number from 0.01 to 25, got 30/,
    ],
    ['an urgent share of the whole budget', { urgentRequestsPerSecond: 20 }, /urgentRequestsPerSecond/],
    ['a routine share above one process', { totalRequestsPerSecond: 50 }, /routine consumer's share/],
    ['a tick of seconds', { tick: Duration.seconds(90) }, /tick must be a whole number of minutes/],
    ['a tick above 15 minutes', { tick: Duration.minutes(20) }, /tick/],
    ['a hold above an hour', { maxHold: Duration.hours(2) }, /maxHold/],
    [
      'a deferral above the visibility maximum',
      { maxDefer: Duration.hours(13), retentionPeriod: Duration.days(4) },
      /maxDefer must be an integer from 0 to 43200 s/,
    ],
    ['a reserve above the whole quota', { quotaReserveFraction: 1.5 }, /quotaReserveFraction/],
    [
      'a deferral beyond the retention',
      { retentionPeriod: Duration.hours(1), maxDefer: Duration.hours(2) },
      /maxDefer \(7200 s\) must be shorter than retentionPeriod/,
    ],
    ['no routine receives', { routineMaxReceiveCount: 0 }, /routineMaxReceiveCount/],
    ['a fractional routine call concurrency', { routineCallConcurrency: 2.5 }, /routineCallConcurrency/],
    [
      'a backlog alarm below the deferral',
      { maxMessageAge: Duration.minutes(10) },
      /maxMessageAge.*maxDefer/,
    ],
    [
      'an urgent backlog alarm under a minute',
      { urgentMaxMessageAge: Duration.seconds(30) },
      /urgentMaxMessageAge/,
    ],
    ['a batch above the SQS maximum', { batchSize: 10_001 }, /batchSize/],
    ['a big batch without a window', { batchSize: 100, maxBatchingWindow: Duration.seconds(0) }, /window/i],
    ['a window above 5 minutes', { maxBatchingWindow: Duration.minutes(6) }, /maxBatchingWindow/],
    ['a timeout above 15 minutes', { functionTimeout: Duration.minutes(16) }, /functionTimeout/],
    ['no receives', { maxReceiveCount: 0 }, /maxReceiveCount/],
    ['a fraction of 1', { quotaAlarmFraction: 1 }, /quotaAlarmFraction/],
    ['a fractional call concurrency', { callConcurrency: 1.5 }, /callConcurrency/],
    [
      'a daily budget of no calls',
      { dailyCallBudget: 0 },
      /dailyCallBudget must be an integer from 1 to 1000000, got 0/,
    ],
    [
      'an urgent reserve above the budget',
      { dailyCallBudget: 100, urgentReserveCalls: 101 },
      /urgentReserveCalls \(101\) must be at most dailyCallBudget \(100\)/,
    ],
    ['a fractional urgent reserve', { urgentReserveCalls: 1.5 }, /urgentReserveCalls must be an integer/],
    [
      'a quota floor above the whole quota',
      { routineQuotaFloorFraction: 1.2 },
      /routineQuotaFloorFraction must be a number from 0 to 1, got 1.2/,
    ],
    [
      'a retention as long as the dead-letter queue',
      { retentionPeriod: Duration.days(14) },
      /retentionPeriod must be at least 60 s and shorter than the dead-letter queue's 14 days/,
    ],
    ['a snapshot removal policy', { removalPolicy: RemovalPolicy.SNAPSHOT }, /removalPolicy must be RETAIN/],
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
      urgentRequestsPerSecond: '4',
      tickInSeconds: '120',
      maxHoldInSeconds: '90',
      maxDeferInSeconds: '600',
      quotaReserveFraction: '0.3',
      routineMaxReceiveCount: '15',
      urgentMaxMessageAgeInMinutes: '3',
      dailyCallBudget: '4000',
      urgentReserveCalls: '1000',
      routineQuotaFloorFraction: '0.3',
      removalPolicy: 'destroy',
      operatorRoleArns: 'arn:aws:iam::123456789012:role/oncall, arn:aws:iam::123456789012:role/sec/audit',
      pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages',
      ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tickets',
      runbookUrl: 'https://wiki.example.com/token-revoker',
    };
    const { stackName, props } = settingsFromContext(testApp(context).node);
    expect(stackName).toBe('Revoker-prod');
    expect(props.eventBusName).toBe('bus');
    expect(props).toMatchObject({
      pageTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages',
      ticketTopicArn: 'arn:aws:sns:eu-west-1:123456789012:tickets',
    });
    expect(props.revocation?.runbookUrl).toBe('https://wiki.example.com/token-revoker');
    expect(props.revocation).toMatchObject({
      keySecretName: 'prod/se-key',
      authStyle: 'header',
      totalRequestsPerSecond: 12,
      useSqsManagedEncryption: true,
      logLevel: 'DEBUG',
    });
    expect(props.revocation?.functionTimeout?.toSeconds()).toBe(45);
    expect(props.revocation?.maxMessageAge?.toMinutes()).toBe(30);
    expect(props.revocation).toMatchObject({
      urgentRequestsPerSecond: 4,
      quotaReserveFraction: 0.3,
      routineMaxReceiveCount: 15,
      dailyCallBudget: 4000,
      urgentReserveCalls: 1000,
      routineQuotaFloorFraction: 0.3,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(props.revocation?.tick?.toSeconds()).toBe(120);
    expect(props.revocation?.maxHold?.toSeconds()).toBe(90);
    expect(props.revocation?.maxDefer?.toSeconds()).toBe(600);
    expect(props.revocation?.urgentMaxMessageAge?.toMinutes()).toBe(3);
    expect(props.operatorRoleArns).toEqual([
      'arn:aws:iam::123456789012:role/oncall',
      'arn:aws:iam::123456789012:role/sec/audit',
    ]);
  });

  it('builds the stack cdk.json describes: one tick, the default split', () => {
    const { props } = settingsFromContext(testApp().node);
    const s = resolveProps(props.revocation ?? {});
    expect(s.tick.toSeconds()).toBe(PIPELINE_DEFAULTS.tickSeconds);
    expect(s.urgentRequestsPerSecond).toBe(PIPELINE_DEFAULTS.urgentRequestsPerSecond);
    expect(s.routineRequestsPerSecond).toBe(5);
    expect(props.operatorRoleArns).toBeUndefined();
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
    ['tickInSeconds', 'hourly'],
    ['quotaReserveFraction', 'half'],
    ['removalPolicy', 'snapshot'],
    ['dailyCallBudget', 'lots'],
  ])('refuses %s=%s with a message naming the setting', (name, value) => {
    expect(() => settingsFromContext(testApp({ [name]: value }).node)).toThrow(name);
  });

  it('refuses an operator that is not a role ARN, naming operatorRoleArns', () => {
    expect(() => synthesize({ operatorRoleArns: ['arn:aws:iam::123456789012:user/alice'] })).toThrow(
      /operatorRoleArns: "arn:aws:iam::123456789012:user\/alice" is not an IAM role ARN/,
    );
  });

  it('lists every setting in infra/README.md', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'infra', 'README.md'), 'utf8');
    for (const name of CONTEXT_SETTINGS) expect(readme).toContain(`\`${name}\``);
  });
});
