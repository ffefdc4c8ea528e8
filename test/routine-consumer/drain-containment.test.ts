import { type Parker, sqsParker } from '../../functions/lib/park';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { drainQueue } from '../revoke-tokens/harness';
import { queueDepth, runDrain, sendBodies } from './support';

/** No message, however hostile, fails another: a step that throws for one message in the routine lane. */
describe('drain contains a message that breaks a step', () => {
  let sqs: LocalSqs;
  let sim: Simulator;
  let queueUrl: string;
  let dlqUrl: string;
  let n = 0;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    n += 1;
    sim = await startSimulator({ seed: 13 });
    const dlq = await sqs.createQueue(`contain-dlq-${n}`);
    dlqUrl = dlq.queueUrl;
    queueUrl = (
      await sqs.createQueue(`contain-${n}`, { deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 15 } })
    ).queueUrl;
  });
  afterEach(() => sim.close());

  /** A parker that throws (as a hostile body once made JSON.stringify throw) for entries of the poisoned message. */
  const throwingParker = (poisoned: (detail: string) => boolean): Parker => {
    const real = sqsParker({ queueUrl: dlqUrl, sqs: () => sqs.client });
    return async (entries) => {
      if (entries.some((entry) => poisoned(entry.detail)))
        throw new RangeError('Maximum call stack size exceeded');
      return real(entries);
    };
  };

  it('when parking throws for one message at admission, the other 19 are revoked and only it is retried', async () => {
    // Prepare: 19 single-token logouts and one message with a bad token whose parking throws.
    const tokens = sim.issueTokens(19);
    await sendBodies(sqs, queueUrl, [...tokens.map((token) => ({ token })), { tokens: ['bad;token'] }]);
    // Act
    const report = await runDrain({
      sqs,
      apiUrl: sim.url,
      queueUrl,
      deadLetterQueueUrl: dlqUrl,
      settings: { maxHoldSeconds: 0 },
      park: throwingParker(() => true),
    });
    // Assess: 19 revoked and deleted in one call; the broken message released for a later retry.
    expect(sim.requests.map((request) => request.tokens.length)).toEqual([19]);
    expect(report).toMatchObject({ received: 20, deleted: 19, released: 1 });
    expect(tokens.every((token) => sim.tokenState(token) === 'invalidated')).toBe(true);
    expect(await queueDepth(sqs, queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it('when parking the API rejections of one message throws, the other messages of the call are still settled', async () => {
    // Prepare: one poisoned token (the API answers bad_parameter) among 20 single-token messages.
    const tokens = sim.issueTokens(20);
    sim.poisonTokens([tokens[0] as string]);
    await sendBodies(
      sqs,
      queueUrl,
      tokens.map((token) => ({ token })),
    );
    // Act: parking the rejection throws.
    const report = await runDrain({
      sqs,
      apiUrl: sim.url,
      queueUrl,
      deadLetterQueueUrl: dlqUrl,
      remainingMs: 8000,
      park: throwingParker((detail) => detail.includes('bad_parameter')),
    });
    // Assess: 19 settled and deleted; the one whose parking broke is released, nothing parked.
    expect(report.deleted).toBe(19);
    expect(report.released).toBe(1);
    expect(await drainQueue(sqs, dlqUrl)).toEqual([]);
  });
});
