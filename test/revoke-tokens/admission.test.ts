import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { readConfig } from '../../functions/lib/config';
import { memoryControlStore } from '../../functions/lib/control/store';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { toRecord } from '../../tools/event-source/records';
import { queueDepth, sendBodies } from '../routine-consumer/support';
import { captureOutput, lambdaContext } from '../support/lambda';
import { useLocalServers } from '../support/servers';

/** The urgent lane at the quota edge: what a batch takes, holds and gives back. */
describe('urgent handler admission', () => {
  const servers = useLocalServers({ seed: 9 });
  let n = 0;

  /** Sends bodies to a new queue and receives them as the event source would: records with receipt handles. */
  const receivedRecords = async (bodies: readonly object[]) => {
    n += 1;
    const { queueUrl, queueArn } = await servers.sqs.createQueue(`admission-${n}`, {
      visibilityTimeoutInSeconds: 120,
    });
    await sendBodies(servers.sqs, queueUrl, bodies);
    const messages: Message[] = [];
    while (messages.length < bodies.length) {
      const { Messages = [] } = await servers.sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      messages.push(...Messages);
    }
    const records: SQSRecord[] = messages.map((message) => toRecord(message, queueArn));
    return { queueUrl, records };
  };

  const handlerWith = (control = memoryControlStore(), env: Record<string, string> = {}) =>
    createHandler(
      {
        ...readConfig({
          STACKEXCHANGE_API_URL: servers.sim.url,
          STACKEXCHANGE_REQUESTS_PER_SECOND: '5',
          ...env,
        }),
        sqsEndpoint: servers.sqs.endpoint,
      },
      { sqs: servers.sqs.client, control },
    );

  it('while the API pause lasts, sends nothing and keeps the records out of every batch until it ends', async () => {
    // Prepare: another instance recorded a throttle that ends in 80,000 s.
    const control = memoryControlStore();
    await control.recordPause({ until: Date.now() + 80_000_000, cause: 'throttled' });
    const tokens = servers.sim.issueTokens(3);
    const { queueUrl, records } = await receivedRecords(tokens.map((token) => ({ token })));
    // Act
    const { result } = await captureOutput(() => handlerWith(control)({ Records: records }, lambdaContext()));
    // Assess: every record returned, none sent; they stay invisible (not back after the 120 s default either).
    expect(result?.batchItemFailures).toHaveLength(3);
    expect(servers.sim.requests).toHaveLength(0);
    expect(await queueDepth(servers.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 3 });
  });

  it('takes only what it can send before its deadline and gives the rest back at once', async () => {
    // Prepare: 30 messages of 20 tokens; at 5 requests/s an 8 s invocation (3 s safety margin, 1 s for
    // the last answer) has time for 20 calls.
    const bodies = Array.from({ length: 30 }, () => ({ tokens: servers.sim.issueTokens(20) }));
    const { queueUrl, records } = await receivedRecords(bodies);
    // Act
    const { result } = await captureOutput(() => handlerWith()({ Records: records }, lambdaContext(8000)));
    // Assess: at most 20 full calls, no token sent twice; the messages it did not take are visible again
    // now (a slow machine may leave a taken call unstarted: that message is retried, not lost).
    const sent = servers.sim.requests.map((request) => request.tokens);
    expect(sent.length).toBeLessThanOrEqual(20);
    expect(sent.length).toBeGreaterThanOrEqual(15);
    expect(sent.every((tokens) => tokens.length === 20)).toBe(true);
    expect(new Set(sent.flat()).size).toBe(sent.length * 20);
    expect(result?.batchItemFailures).toHaveLength(30 - sent.length);
    // Given back at once: the messages it did not take (10, or a few more when a loaded machine started late).
    const { visible } = await queueDepth(servers.sqs, queueUrl);
    expect(visible).toBeGreaterThanOrEqual(10);
    expect(visible + sent.length).toBeLessThanOrEqual(30);
  });

  it('spends the whole budget, the urgent reserve included, then holds what it has no calls for', async () => {
    // Prepare: a budget of 3 calls, 2 of them the urgent reserve; routine spent 1 already.
    const control = memoryControlStore();
    const day = new Date().toISOString().slice(0, 10);
    await control.reserve(day, 'routine', 1, 1);
    const bodies = Array.from({ length: 4 }, () => ({ tokens: servers.sim.issueTokens(20) }));
    const { queueUrl, records } = await receivedRecords(bodies);
    // Act
    const { result } = await captureOutput(() =>
      handlerWith(control, { DAILY_CALL_BUDGET: '3', URGENT_RESERVE_CALLS: '2' })(
        { Records: records },
        lambdaContext(),
      ),
    );
    // Assess: 2 calls (the reserve), 2 messages held until the budget day ends.
    expect(servers.sim.requests).toHaveLength(2);
    expect(result?.batchItemFailures).toHaveLength(2);
    expect((await control.read(day)).budget).toMatchObject({ spent: 3, routine: 1, urgent: 2 });
    // What the API said of the quota is shared with quota_max, so routine can judge its floor.
    expect((await control.read(day)).quota).toMatchObject({ max: 10_000 });
    // The 2 sent wait for the event source to delete them; the 2 held stay invisible.
    expect(await queueDepth(servers.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 4 });
  });

  it("while an operator's pause lasts (a deploy enabled the mapping again), revokes nothing and holds the batch", async () => {
    // Prepare: the urgent lane paused with token-revoker pause; the batch arrives anyway.
    const control = memoryControlStore();
    await control.pauseLane('urgent', { reason: 'incident 7', at: Date.now() - 1000, by: 'alice' });
    const tokens = servers.sim.issueTokens(2);
    const { queueUrl, records } = await receivedRecords(tokens.map((token) => ({ token })));
    // Act
    const { result, output } = await captureOutput(() =>
      handlerWith(control)({ Records: records }, lambdaContext()),
    );
    // Assess: nothing sent, both returned and hidden; one line naming the operator's pause; the metric.
    expect(servers.sim.requests).toHaveLength(0);
    expect(result?.batchItemFailures).toHaveLength(2);
    expect(await queueDepth(servers.sqs, queueUrl)).toEqual({ visible: 0, inFlight: 2 });
    const held = output.split('\n').filter((line) => line.includes('paused by an operator'));
    expect(held).toHaveLength(1);
    expect(JSON.parse(held[0] as string)).toMatchObject({
      level: 'WARN',
      cause: 'operator_paused',
      operatorPause: { reason: 'incident 7', by: 'alice' },
    });
    expect(output).toMatch(/"OperatorPausedRuns":1/);
    // Resumed: the next batch is revoked.
    await control.resumeLane('urgent');
    const again = await receivedRecords(servers.sim.issueTokens(1).map((token) => ({ token })));
    const { result: after } = await captureOutput(() =>
      handlerWith(control)({ Records: again.records }, lambdaContext()),
    );
    expect(after).toEqual({ batchItemFailures: [] });
    expect(servers.sim.requests).toHaveLength(1);
  });
});
