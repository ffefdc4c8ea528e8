import { readConfig } from '../../functions/lib/config';
import { ConfigurationError } from '../../functions/lib/errors';

describe('readConfig', () => {
  it('applies the documented defaults', () => {
    expect(readConfig({})).toEqual({
      apiUrl: 'https://api.stackexchange.com/2.3',
      keySource: { kind: 'none' },
      parkingKeySource: { kind: 'none' },
      authStyle: 'query',
      requestsPerSecond: 5,
      callConcurrency: 4,
      timeoutMs: 10_000,
      maxAttempts: 3,
      parkedQueueUrl: undefined,
      sqsEndpoint: undefined,
      safetyMarginMs: 3000,
      dailyCallBudget: 9000,
      urgentReserveCalls: 1800,
      controlTableName: undefined,
      dynamodbEndpoint: undefined,
      serviceName: 'token-revoker',
      metricsNamespace: 'TokenRevoker',
    });
  });

  it('reads the shared budget and its table; the reserve follows the budget unless given, and never exceeds it', () => {
    expect(readConfig({ DAILY_CALL_BUDGET: '500' })).toMatchObject({
      dailyCallBudget: 500,
      urgentReserveCalls: 100,
    });
    expect(
      readConfig({
        DAILY_CALL_BUDGET: '500',
        URGENT_RESERVE_CALLS: '0',
        CONTROL_TABLE_NAME: 'control',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      }),
    ).toMatchObject({
      urgentReserveCalls: 0,
      controlTableName: 'control',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
    });
    expect(() => readConfig({ DAILY_CALL_BUDGET: '500', URGENT_RESERVE_CALLS: '501' })).toThrow(
      /^URGENT_RESERVE_CALLS: 501 is more than DAILY_CALL_BUDGET \(500\)/,
    );
    expect(() => readConfig({ DAILY_CALL_BUDGET: '0' })).toThrow(/^DAILY_CALL_BUDGET: /);
    expect(() => readConfig({ AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamo.example.com' })).toThrow(
      /^AWS_ENDPOINT_URL_DYNAMODB: /,
    );
  });

  it('reads every variable', () => {
    const config = readConfig({
      STACKEXCHANGE_API_URL: 'https://api.stackexchange.com/2.2/',
      STACKEXCHANGE_KEY_SECRET_ID: 'se/app-key',
      STACKEXCHANGE_AUTH_STYLE: 'header',
      STACKEXCHANGE_REQUESTS_PER_SECOND: '2.5',
      STACKEXCHANGE_CALL_CONCURRENCY: '2',
      STACKEXCHANGE_TIMEOUT_MS: '5000',
      STACKEXCHANGE_MAX_ATTEMPTS: '2',
      PARKED_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324',
      DEADLINE_SAFETY_MARGIN_MS: '1000',
      POWERTOOLS_SERVICE_NAME: 'svc',
      POWERTOOLS_METRICS_NAMESPACE: 'Ns',
    });
    expect(config).toMatchObject({
      apiUrl: 'https://api.stackexchange.com/2.2',
      keySource: { kind: 'secret', secretId: 'se/app-key' },
      authStyle: 'header',
      requestsPerSecond: 2.5,
      callConcurrency: 2,
      timeoutMs: 5000,
      maxAttempts: 2,
      sqsEndpoint: 'http://127.0.0.1:9324',
      safetyMarginMs: 1000,
      serviceName: 'svc',
      metricsNamespace: 'Ns',
    });
  });

  it.each([
    [{ STACKEXCHANGE_API_URL: 'http://api.stackexchange.com/2.3' }, 'STACKEXCHANGE_API_URL'],
    [{ STACKEXCHANGE_API_URL: 'not a url' }, 'STACKEXCHANGE_API_URL'],
    [{ STACKEXCHANGE_API_URL: 'https://api.stackexchange.com/2.3?key=x' }, 'STACKEXCHANGE_API_URL'],
    [{ STACKEXCHANGE_AUTH_STYLE: 'cookie' }, 'STACKEXCHANGE_AUTH_STYLE'],
    [{ STACKEXCHANGE_REQUESTS_PER_SECOND: '31' }, 'STACKEXCHANGE_REQUESTS_PER_SECOND'],
    [{ STACKEXCHANGE_CALL_CONCURRENCY: 'many' }, 'STACKEXCHANGE_CALL_CONCURRENCY'],
    [{ STACKEXCHANGE_MAX_ATTEMPTS: '1.5' }, 'STACKEXCHANGE_MAX_ATTEMPTS'],
    [{ PARKED_QUEUE_URL: 'dlq' }, 'PARKED_QUEUE_URL'],
    [{ PARKED_QUEUE_URL: 'http://sqs.eu-west-1.amazonaws.com/1/dlq' }, 'PARKED_QUEUE_URL'],
    [{ AWS_ENDPOINT_URL_SQS: 'http://sqs.eu-west-1.amazonaws.com' }, 'AWS_ENDPOINT_URL_SQS'],
    [
      { STACKEXCHANGE_KEY: 'k', STACKEXCHANGE_KEY_PARAMETER_NAME: '/p' },
      'STACKEXCHANGE_KEY, STACKEXCHANGE_KEY_PARAMETER_NAME',
    ],
  ])('refuses %j and names %s', (env, setting) => {
    expect(() => readConfig(env)).toThrow(ConfigurationError);
    try {
      readConfig(env);
    } catch (error) {
      expect((error as ConfigurationError).setting).toBe(setting);
    }
  });

  it('allows plain http on loopback only', () => {
    expect(readConfig({ STACKEXCHANGE_API_URL: 'http://127.0.0.1:8080/2.3' }).apiUrl).toBe(
      'http://127.0.0.1:8080/2.3',
    );
    expect(readConfig({ STACKEXCHANGE_API_URL: 'http://localhost:8080/2.3' }).apiUrl).toBe(
      'http://localhost:8080/2.3',
    );
    expect(() => readConfig({ STACKEXCHANGE_API_URL: 'http://10.0.0.1/2.3' })).toThrow(/https/);
  });

  it('sends parked tokens to SQS over https, or plain http to a loopback server only', () => {
    const local = 'http://127.0.0.1:9324/000000000000/dlq';
    expect(
      readConfig({ PARKED_QUEUE_URL: local, AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' }),
    ).toMatchObject({
      parkedQueueUrl: local,
      sqsEndpoint: 'http://127.0.0.1:9324',
    });
    expect(() => readConfig({ PARKED_QUEUE_URL: 'http://10.1.2.3/1/dlq' })).toThrow(/https/);
  });
});
