import { type Parker, sqsParker } from '../../functions/lib/park';
import { drainQueue } from '../revoke-tokens/harness';
import { captureOutput } from '../support/lambda';
import { INSTANT_SQS, timedRun } from './manual-clock';
import { loggedErrors, queueDepth, sendBodies, useDrainQueues } from './support';

/** No message, however hostile, fails another: a step that throws for one message in the routine lane. */
describe('drain contains a message that breaks a step', () => {
  const t = useDrainQueues('contain', { seed: 13 }, INSTANT_SQS);

  /** A parker that throws (as a hostile body once made JSON.stringify throw) for entries of the poisoned message. */
  const throwingParker = (poisoned: (detail: string) => boolean): Parker => {
    const real = sqsParker({ queueUrl: t.parkedUrl, sqs: () => t.sqs.client });
    return async (entries) => {
      if (entries.some((entry) => poisoned(entry.detail)))
        throw new RangeError('Maximum call stack size exceeded');
      return real(entries);
    };
  };

  it('when parking throws for one message at admission, the other 19 are revoked and only it is retried', async () => {
    // Prepare: 19 single-token logouts and one message with a bad token whose parking throws.
    const tokens = t.sim.issueTokens(19);
    await sendBodies(t.sqs, t.queueUrl, [...tokens.map((token) => ({ token })), { tokens: ['bad;token'] }]);
    // Act
    const { result, output } = await captureOutput(() =>
      timedRun(t, {
        settings: { maxHoldSeconds: 0 },
        park: throwingParker(() => true),
      }),
    );
    // Assess: 19 revoked and deleted in one call; the broken message released for a later retry, and said once.
    expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([19]);
    expect(result?.report).toMatchObject({ received: 20, deleted: 19, released: 1 });
    const released = result?.record.visibility.map((v) => v.messageId);
    expect(released).toHaveLength(1);
    expect(loggedErrors(output)).toEqual([
      expect.objectContaining({
        message: 'Message could not be admitted; it will be retried',
        messageId: released?.[0],
        error: { name: 'RangeError' },
      }),
    ]);
    expect(tokens.every((token) => t.sim.tokenState(token) === 'invalidated')).toBe(true);
    expect(await queueDepth(t.sqs, t.queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it('when parking the API rejections of one message throws, the other messages of the call are still settled', async () => {
    // Prepare: one poisoned token (the API answers bad_parameter) among 20 single-token messages.
    const tokens = t.sim.issueTokens(20);
    t.sim.poisonTokens([tokens[0] as string]);
    await sendBodies(
      t.sqs,
      t.queueUrl,
      tokens.map((token) => ({ token })),
    );
    // Act: parking the rejection throws.
    const { result, output } = await captureOutput(() =>
      timedRun(t, {
        remainingMs: 8000,
        park: throwingParker((detail) => detail.includes('bad_parameter')),
      }),
    );
    // Assess: 19 settled and deleted; the one whose parking broke is released (and said once), nothing parked.
    expect(result?.report).toMatchObject({ deleted: 19, released: 1 });
    const released = result?.record.visibility.map((v) => v.messageId);
    expect(released).toHaveLength(1);
    expect(loggedErrors(output)).toEqual([
      expect.objectContaining({
        message: 'Message could not be settled; it will be retried',
        messageId: released?.[0],
        error: { name: 'RangeError' },
      }),
    ]);
    expect(await drainQueue(t.sqs, t.parkedUrl)).toEqual([]);
  });
});
