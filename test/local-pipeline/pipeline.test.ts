import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { settled, summarize } from '../../tools/local-pipeline/summary';
import { startDemo } from '../../tools/local-pipeline/workload';
import { leaks, usePipelines, waitFor } from './support';

/** The demo of `npm start` through both lanes, on the real local SQS server and the simulator. */
describe('local pipeline demo', () => {
  const pipelines = usePipelines();

  it('sends a trickle of logouts in calls of 20, the urgent token at once, and ends consistent', async () => {
    // Prepare
    const started = await pipelines.start('demo');
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    // Act: 60 logouts over 3 s, before the consumer's first run at 4 s
    const workload = await startDemo(sqs, p, { tokens: 60, trickleMs: 3000, seed: 3 });
    await waitFor('the demo to settle', () => settled(p, workload), 60_000);
    const summary = await summarize(p, workload);
    // Assess
    expect(summary.problems).toEqual([]);
    expect(summary.routineCalls).toEqual([20, 20, 20]);
    // The urgent token went out at once: sooner than the routine lane may hold a lone logout (6 s
    // here). Not "before the first routine call": that call races it by design (the 20 logouts sent
    // just before the urgent token fill a call at the next tick, whatever the load), so it failed
    // under load without anything being wrong.
    expect(summary.urgentSecondsToRevoke).toBeDefined();
    expect(summary.urgentSecondsToRevoke ?? Number.POSITIVE_INFINITY).toBeLessThan(
      p.settings.routine.maxHoldSeconds,
    );
    expect(summary.deadLetters.map((d) => `${d.kind} ${d.reason}`).sort()).toEqual([
      'dead_lettered max_receives_exceeded',
      'parked body_not_json',
      'parked invalid_token',
      'parked no_tokens',
      'parked rejected_by_api',
      'parked unknown_action',
    ]);
    // Each parked message names the lane that parked it (sealed with it: dlq redrive sends it back there).
    const parked = summary.deadLetters.filter((d) => d.kind === 'parked');
    expect(parked.filter((d) => d.lane !== 'routine' && d.lane !== 'urgent')).toEqual([]);
    expect(parked.find((d) => d.reason === 'rejected_by_api')?.lane).toBe('urgent');
    const all = [...workload.routine, ...workload.urgent, ...workload.deauthenticate, ...workload.rejected];
    expect(leaks(started.output, all)).toBe(0);
  }, 90_000);

  it('leaves a dead-lettered logout that a replay revokes', async () => {
    // Prepare: the demo, settled
    const started = await pipelines.start('replay');
    const p = started.pipeline;
    const sqs = pipelines.sqs();
    const workload = await startDemo(sqs, p, { tokens: 20, trickleMs: 1000, seed: 4 });
    await waitFor('the demo to settle', () => settled(p, workload), 60_000);
    const [replayable] = workload.replayable;
    // Act: move it back to its source queue, as `dlq redrive --to` does (receive, send, delete)
    let moved = 0;
    for (const message of await p.deadLetters()) {
      if (message.MessageAttributes?.reason !== undefined) continue;
      const { Messages = [] } = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: p.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
      );
      for (const copy of Messages.filter((m) => m.MessageId === message.MessageId)) {
        await sqs.client.send(
          new SendMessageCommand({ QueueUrl: p.routineQueueUrl, MessageBody: copy.Body }),
        );
        await sqs.client.send(
          new DeleteMessageCommand({ QueueUrl: p.deadLetterQueueUrl, ReceiptHandle: copy.ReceiptHandle }),
        );
        moved += 1;
      }
    }
    // Assess: held for a fuller call at most maxHold (6 s here), then revoked
    expect(moved).toBe(1);
    expect(p.simulator.tokenState(replayable ?? '')).toBe('live');
    await waitFor('the replay', () => p.simulator.tokenState(replayable ?? '') === 'invalidated', 30_000);
  }, 90_000);
});
