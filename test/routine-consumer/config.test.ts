import { ConfigurationError } from '../../functions/lib/errors';
import { readConsumerConfig } from '../../functions/routine-consumer/config';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/routine';

describe('readConsumerConfig', () => {
  it('applies the defaults on top of the handler settings', () => {
    expect(readConsumerConfig({ ROUTINE_QUEUE_URL: QUEUE })).toMatchObject({
      routineQueueUrl: QUEUE,
      tickSeconds: 60,
      maxHoldSeconds: 60,
      maxDeferSeconds: 900,
      quotaReserveFraction: 0.5,
      receiveWaitSeconds: 1,
      requestsPerSecond: 5,
    });
  });

  it('reads every setting', () => {
    const config = readConsumerConfig({
      ROUTINE_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/routine',
      TICK_SECONDS: '30',
      MAX_HOLD_SECONDS: '45',
      MAX_DEFER_SECONDS: '600',
      QUOTA_RESERVE_FRACTION: '0.25',
      RECEIVE_WAIT_SECONDS: '2',
      STACKEXCHANGE_REQUESTS_PER_SECOND: '15',
    });
    expect(config).toMatchObject({
      tickSeconds: 30,
      maxHoldSeconds: 45,
      maxDeferSeconds: 600,
      quotaReserveFraction: 0.25,
      receiveWaitSeconds: 2,
      requestsPerSecond: 15,
    });
  });

  it.each([
    [{}, 'ROUTINE_QUEUE_URL'],
    [{ ROUTINE_QUEUE_URL: 'http://sqs.eu-west-1.amazonaws.com/1/q' }, 'ROUTINE_QUEUE_URL'],
    [{ ROUTINE_QUEUE_URL: QUEUE, TICK_SECONDS: '0' }, 'TICK_SECONDS'],
    [{ ROUTINE_QUEUE_URL: QUEUE, MAX_HOLD_SECONDS: 'soon' }, 'MAX_HOLD_SECONDS'],
    [{ ROUTINE_QUEUE_URL: QUEUE, QUOTA_RESERVE_FRACTION: '1.5' }, 'QUOTA_RESERVE_FRACTION'],
    [{ ROUTINE_QUEUE_URL: QUEUE, RECEIVE_WAIT_SECONDS: '21' }, 'RECEIVE_WAIT_SECONDS'],
    [
      { ROUTINE_QUEUE_URL: QUEUE, STACKEXCHANGE_API_URL: 'http://api.stackexchange.com/2.3' },
      'STACKEXCHANGE_API_URL',
    ],
  ])('refuses %j and names %s', (env, setting) => {
    expect(() => readConsumerConfig(env)).toThrow(ConfigurationError);
    expect(() => readConsumerConfig(env)).toThrow(new RegExp(`^${setting}: `));
  });
});
