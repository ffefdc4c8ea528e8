import { RevocationPriority } from '../../functions/lib/message';
import { clientEnvironment } from '../../tools/local-pipeline/keep-running';
import { runCli } from '../cli/run-cli';
import { enqueue, leaks, usePipelines, waitFor } from './support';

/**
 * Issue 18: `token-revoker pause` and `resume` against the pipeline's real local servers (SQS, the
 * control table on dynalite, the Lambda API stand-in driving the urgent event source, the simulator),
 * the CLI in a process of its own as an operator runs it, with the environment `--keep-running` prints.
 */
describe('pause and resume, end to end', () => {
  const pipelines = usePipelines();

  it('pauses both lanes: two ticks pass with nothing received or revoked; resumed, everything is revoked', async () => {
    // Prepare: 4 s ticks; the urgent pollers' long polls last 1 s, so disabling takes about a second.
    const { pipeline, output } = await pipelines.start('pause', { urgentPollWaitSeconds: 1 });
    const sqs = pipelines.sqs();
    const env = clientEnvironment(pipeline, sqs.endpoint);
    // Act: pause both lanes, as an operator would.
    const paused = await runCli(['pause', '--lane', 'all', '--reason', 'end-to-end test', '--json'], { env });
    // Assess: both lanes paused, the urgent mapping disabled before the command returned.
    expect(paused.code).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      command: 'pause',
      exitCode: 0,
      lanes: [
        { lane: 'routine', paused: true, pause: { reason: 'end-to-end test' } },
        {
          lane: 'urgent',
          paused: true,
          mapping: { uuid: pipeline.lambda.urgentMappingUuid, state: 'Disabled' },
        },
      ],
    });
    const receivedBefore = pipeline.urgent.source.stats().receivedMessages;
    const runsBefore = pipeline.routine.runs().length;

    // Act: enqueue to both lanes, then let two ticks of the routine schedule pass.
    const routine = pipeline.simulator.issueTokens(20);
    const urgent = pipeline.simulator.issueTokens(3);
    await enqueue(sqs, pipeline, RevocationPriority.Routine, routine, 20);
    await enqueue(sqs, pipeline, RevocationPriority.Urgent, urgent, 1);
    await waitFor('two routine runs', () => pipeline.routine.runs().length >= runsBefore + 2, 15_000);

    // Assess: nothing revoked, nothing received (every message visible, no urgent receive), each run skipped.
    const all = [...routine, ...urgent];
    expect(all.filter((token) => pipeline.simulator.tokenState(token) === 'invalidated')).toEqual([]);
    expect(pipeline.urgent.source.stats().receivedMessages).toBe(receivedBefore);
    expect(await pipeline.depth(pipeline.routineQueueUrl)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    expect(await pipeline.depth(pipeline.urgentQueueUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
    for (const run of pipeline.routine.runs().slice(runsBefore))
      expect(run.report).toMatchObject({ received: 0, skipped: { cause: 'operator_paused' } });

    // status says so, with the queues' depths.
    const status = await runCli(['status', '--json'], { env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      lanes: {
        routine: { paused: true, pause: { reason: 'end-to-end test' }, queue: { visible: 1 } },
        urgent: { paused: true, eventSource: { state: 'Disabled' }, queue: { visible: 3 } },
      },
      deadLetters: { total: 0 },
      warnings: [],
    });

    // Act: resume both lanes.
    const resumed = await runCli(['resume', '--lane', 'all'], { env });
    // Assess: resumed, and every token revoked (urgent at once, routine at the next run).
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/routine: resumed \(paused since .* end-to-end test\)/);
    expect(resumed.stdout).toMatch(/urgent: resumed .*; event source Enabled/);
    await waitFor(
      'every token revoked',
      () => all.every((token) => pipeline.simulator.tokenState(token) === 'invalidated'),
      20_000,
    );
    expect(leaks(output, all)).toBe(0);
  }, 90_000);
});
