import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  type StartQueryCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { type LocalLogs, startLocalLogs } from '../../tools/local-logs';
import { LOCAL_CREDENTIALS } from '../../tools/local-sqs';

describe('the local CloudWatch Logs stand-in (StartQuery, GetQueryResults)', () => {
  let logs: LocalLogs;
  let client: CloudWatchLogsClient;
  const now = Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    logs = await startLocalLogs();
    client = new CloudWatchLogsClient({
      endpoint: logs.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const line = (fingerprint: string, outcome: string) =>
      JSON.stringify({
        level: 'INFO',
        message: 'Token settled',
        fingerprint,
        outcome,
        nested: { lane: 'urgent' },
      });
    logs.append('/g/one', line('aa', 'invalidated'), { timestamp: (now - 100) * 1000 });
    logs.append('/g/one', line('bb', 'parked'), { timestamp: (now - 50) * 1000 });
    logs.append('/g/two', line('aa', 'already_dead'), { timestamp: (now - 10) * 1000 });
    logs.append('/g/two', 'START RequestId: 1 Version: $LATEST', { timestamp: (now - 10) * 1000 });
    logs.append('/g/one', line('aa', 'invalidated'), { timestamp: (now - 5000) * 1000 }); // outside the range
  });
  afterAll(async () => {
    client.destroy();
    await logs.stop();
  });

  const query = async (input: Partial<StartQueryCommandInput>) => {
    const { queryId } = await client.send(
      new StartQueryCommand({
        logGroupNames: ['/g/one', '/g/two'],
        startTime: now - 1000,
        endTime: now,
        queryString: 'fields @timestamp, fingerprint, outcome, nested.lane | sort @timestamp asc',
        ...input,
      }),
    );
    const statuses: string[] = [];
    for (;;) {
      const result = await client.send(new GetQueryResultsCommand({ queryId }));
      statuses.push(result.status ?? '');
      if (result.status === 'Complete') return { statuses, rows: result.results ?? [] };
    }
  };
  const values = (rows: { field?: string; value?: string }[][], field: string) =>
    rows.map((row) => row.find((cell) => cell.field === field)?.value);

  it('runs a query asynchronously over several groups, within the time range, JSON fields discovered', async () => {
    const { statuses, rows } = await query({
      queryString:
        'fields @timestamp, fingerprint, outcome, nested.lane | filter message = "Token settled" and fingerprint in ["aa", \'bb\'] | sort @timestamp asc | limit 10',
    });
    expect(statuses).toEqual(['Running', 'Complete']);
    expect(values(rows, 'outcome')).toEqual(['invalidated', 'parked', 'already_dead']);
    expect(values(rows, 'nested.lane')).toEqual(['urgent', 'urgent', 'urgent']);
    expect(values(rows, '@timestamp')[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('applies limit and descending sort', async () => {
    const { rows } = await query({
      queryString: 'fields outcome | filter message = "Token settled" | sort @timestamp desc | limit 1',
    });
    expect(values(rows, 'outcome')).toEqual(['already_dead']);
  });

  it('refuses what Insights refuses: a missing group, a bad query, a long query, a reversed range', async () => {
    const error = (input: Partial<StartQueryCommandInput>) =>
      query(input).then(
        () => undefined,
        (caught: Error) => caught.name,
      );
    expect(await error({ logGroupNames: ['/g/missing'] })).toBe('ResourceNotFoundException');
    expect(await error({ queryString: 'fields a | stats count(*) by b' })).toBe('MalformedQueryException');
    expect(await error({ queryString: `fields a | filter a in [${'"x", '.repeat(2500)}"y"]` })).toBe(
      'InvalidParameterException',
    );
    expect(await error({ startTime: now, endTime: now - 10 })).toBe('InvalidParameterException');
    expect(logs.requests.filter((action) => action === 'StartQuery').length).toBeGreaterThanOrEqual(4);
  });
});
