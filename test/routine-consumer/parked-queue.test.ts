import { drainQueue } from '../revoke-tokens/harness';
import { queueDepth, sendBodies, useDrainQueues } from './support';

/** Bad input is a ticket, dead-lettered requests a page: the consumer parks in the parked queue only. */
describe('routine parking (issue 18, point 3)', () => {
  const t = useDrainQueues('parked', { seed: 21 });

  it('parks bad input in the parked queue and leaves the dead-letter queue to SQS', async () => {
    // Prepare: two live logouts, a body that is not JSON and a token that could change the URL.
    const tokens = t.sim.issueTokens(2);
    await sendBodies(t.sqs, t.queueUrl, [...tokens.map((token) => ({ token })), 'garbage', { token: 'a;b' }]);
    // Act
    const report = await t.run({ settings: { maxHoldSeconds: 0 } });
    // Assess: the live tokens revoked, both bad messages parked with their reason, none dead-lettered.
    expect(report).toMatchObject({ received: 4, deleted: 4 });
    expect(tokens.every((token) => t.sim.tokenState(token) === 'invalidated')).toBe(true);
    const parked = await drainQueue(t.sqs, t.parkedUrl);
    expect(parked.map((p) => [p.reason, p.attributeReason]).sort()).toEqual([
      ['body_not_json', 'body_not_json'],
      ['invalid_token', 'invalid_token'],
    ]);
    expect(await queueDepth(t.sqs, t.dlqUrl)).toMatchObject({ visible: 0, inFlight: 0 });
  });
});
