import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_MESSAGE, auditFingerprint } from '../../functions/lib/audit';
import { readConfig } from '../../functions/lib/config';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import { type LocalLogs, startLocalLogs } from '../../tools/local-logs';
import { FAST, sendBodies } from '../routine-consumer/support';
import { captureOutput, lambdaContext, sqsRecord } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { expectNoTokens, runCli } from './run-cli';

const URGENT_GROUP = '/aws/lambda/audit-urgent';
const ROUTINE_GROUP = '/aws/lambda/audit-routine';

/** Appends each JSON line a function wrote to a log group, as Lambda sends a function's output to CloudWatch. */
function ship(logs: LocalLogs, group: string, output: string): void {
  for (const line of output.split('\n')) if (line.startsWith('{')) logs.append(group, line);
}

describe('the audit trail and `token-revoker audit`', () => {
  const servers = useLocalServers({ seed: 18 });
  let logs: LocalLogs;
  beforeAll(async () => {
    logs = await startLocalLogs();
    logs.createLogGroup(URGENT_GROUP);
    logs.createLogGroup(ROUTINE_GROUP);
  });
  afterAll(() => logs.stop());
  const directory = mkdtempSync(join(tmpdir(), 'audit-test-'));

  it('writes one line per settled token in both lanes, and the CLI answers per token from the logs', async () => {
    // Prepare: urgent: two live tokens (source "leak-scanner"), one the API rejects, one invalid;
    // routine: a live token; and a token that was never sent.
    const { queueUrl: dlqUrl } = await servers.sqs.createQueue('audit-dlq');
    const { queueUrl: routineUrl } = await servers.sqs.createQueue('audit-routine');
    const [live1, live2, rejected, routine, neverSent] = servers.sim.issueTokens(5) as [
      string,
      string,
      string,
      string,
      string,
    ];
    servers.sim.poisonTokens([rejected]);
    const config = { ...readConfig({ STACKEXCHANGE_API_URL: servers.sim.url }), parkedQueueUrl: dlqUrl };
    const handler = createHandler(config, { sqs: servers.sqs.client });
    const records = [
      sqsRecord(JSON.stringify({ tokens: [live1, live2], source: 'leak-scanner' })),
      sqsRecord(JSON.stringify({ tokens: [rejected] })),
      sqsRecord(JSON.stringify({ tokens: ['bad;token'] })),
    ];
    await sendBodies(servers.sqs, routineUrl, [{ token: routine, source: 'web' }]);
    const consumer = createConsumer(
      { ...config, ...FAST, maxHoldSeconds: 0, routineQuotaFloorFraction: 0.2, routineQueueUrl: routineUrl },
      { sqs: servers.sqs.client },
    );
    // Act: both lanes run; their output goes to their log groups
    const urgentRun = await captureOutput(() => handler({ Records: records }, lambdaContext()));
    const routineRun = await captureOutput(() => consumer({}, lambdaContext(5000)));
    ship(logs, URGENT_GROUP, urgentRun.output);
    ship(logs, ROUTINE_GROUP, routineRun.output);
    // Assess: the lines themselves
    const audit = [urgentRun.output, routineRun.output]
      .join('\n')
      .split('\n')
      .filter((line) => line.includes(AUDIT_MESSAGE))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      audit.map((line) => [line.fingerprint, line.outcome, line.reason, line.lane, line.source]),
    ).toEqual(
      expect.arrayContaining([
        [auditFingerprint(live1), 'invalidated', undefined, 'urgent', 'leak-scanner'],
        [auditFingerprint(live2), 'invalidated', undefined, 'urgent', 'leak-scanner'],
        [auditFingerprint(rejected), 'parked', 'rejected_by_api', 'urgent', undefined],
        [auditFingerprint('bad;token'), 'parked', 'invalid_token', 'urgent', undefined],
        [auditFingerprint(routine), 'invalidated', undefined, 'routine', 'web'],
      ]),
    );
    expect(audit).toHaveLength(5);
    expect(audit[0]).toMatchObject({
      messageId: records[0]?.messageId,
      confirmedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      function_request_id: expect.any(String),
    });
    expect(String(audit[0]?.fingerprint)).toMatch(/^[0-9a-f]{32}$/);

    // Act: the CLI, from a file, against the logs stand-in
    const file = join(directory, 'tokens.txt');
    writeFileSync(file, `${[live1, rejected, routine, neverSent].join('\n')}\n`, { mode: 0o600 });
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
      AUDIT_LOG_GROUPS: `${URGENT_GROUP},${ROUTINE_GROUP}`,
    };
    const before = logs.requests.length;
    const text = await runCli(['audit', '--file', file, '--since', '1h'], { env });
    const json = await runCli(['audit', '--file', file, '--json'], { env });
    // Assess
    expect(text.code).toBe(1); // one token not found, one only parked
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${auditFingerprint(live1)}  invalidated .* lane=urgent message=${records[0]?.messageId} source=leak-scanner  ${file} line 1$`,
      ),
    );
    expect(lines[1]).toContain('parked');
    expect(lines[1]).toContain('reason=rejected_by_api');
    expect(lines[2]).toMatch(/invalidated .* lane=routine .* source=web/);
    expect(lines[3]).toBe(`${auditFingerprint(neverSent)}  not_found        ${file} line 4`);
    expect(text.stderr).toMatch(/audit: 4 token\(s\) since .*: 2 invalidated, 1 parked, 1 not_found\n$/);
    expectNoTokens(text, [live1, rejected, routine, neverSent]);
    expectNoTokens(json, [live1, rejected, routine, neverSent]);
    const document = JSON.parse(json.stdout) as { exitCode: number; tokens: { outcome: string }[] };
    expect(document.tokens.map((row) => row.outcome)).toEqual([
      'invalidated',
      'parked',
      'invalidated',
      'not_found',
    ]);
    expect(json.stderr).toBe('');
    // One query per run, polled until complete (the stand-in answers Running once).
    expect(logs.requests.slice(before)).toEqual([
      'StartQuery',
      'GetQueryResults',
      'GetQueryResults',
      'StartQuery',
      'GetQueryResults',
      'GetQueryResults',
    ]);
  });

  it('exits 3 naming the log group when it does not exist, and 2 without log groups', async () => {
    const file = join(directory, 'one.txt');
    writeFileSync(file, 'someToken1\n', { mode: 0o600 });
    const env = { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint };
    const missing = await runCli(['audit', '--file', file, '--log-group', '/aws/lambda/nope'], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('cannot search the audit trail in /aws/lambda/nope');
    expect(missing.stderr).toContain('ResourceNotFoundException');
    const none = await runCli(['audit', '--file', file], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--log-group / AUDIT_LOG_GROUPS is required');
    const badSince = await runCli(
      ['audit', '--file', file, '--since', 'yesterday', '--log-group', URGENT_GROUP],
      {
        env,
      },
    );
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since "yesterday" is not a duration');
  });
});
