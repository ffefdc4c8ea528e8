import { ErrorCategory } from '../../functions/lib/errors';
import { RevocationAction } from '../../functions/lib/message';
import { outcomeOf, revokeTokens } from '../../functions/lib/revoke';
import { type ClientEvent, StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { type Simulator, startSimulator } from '../../tools/simulator';

describe('revokeTokens', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ seed: 9 });
  });
  afterEach(() => sim.close());
  const client = () =>
    new StackExchangeClient({ apiUrl: sim.url, requestsPerSecond: 50, retryBaseDelayMs: 5 });
  const revoke = (wanted: [RevocationAction, string[]][], onEvent?: (event: ClientEvent) => void) =>
    revokeTokens(client(), new Map(wanted), { concurrency: 4, deadline: Date.now() + 10_000, onEvent });

  it('sends each action in calls of 20 and confirms what the API returns', async () => {
    // Prepare
    const invalidate = sim.issueTokens(41);
    const deauthenticate = sim.issueTokens(3);
    const events: ClientEvent[] = [];
    // Act
    const { outcomes, callErrors } = await revoke(
      [
        [RevocationAction.Invalidate, [...invalidate, 'neverIssued']],
        [RevocationAction.Deauthenticate, deauthenticate],
      ],
      (event) => events.push(event),
    );
    // Assess
    expect(sim.requests.map((r) => `${r.method}:${r.tokens.length}`).sort()).toEqual([
      'deauthenticate:3',
      'invalidate:2',
      'invalidate:20',
      'invalidate:20',
    ]);
    expect(
      invalidate.every((t) => outcomeOf(outcomes, RevocationAction.Invalidate, t)?.kind === 'confirmed'),
    ).toBe(true);
    expect(outcomeOf(outcomes, RevocationAction.Invalidate, 'neverIssued')).toEqual({
      kind: 'dead',
      cause: 'absent',
    });
    expect(callErrors).toEqual([]);
    expect(events.filter((e) => e.type === 'response')).toHaveLength(4);
  });

  it('isolates a token the API rejects by splitting its call in halves', async () => {
    const tokens = sim.issueTokens(20);
    sim.poisonTokens([tokens[13] as string]);
    const { outcomes } = await revoke([[RevocationAction.Invalidate, tokens]]);
    expect(outcomeOf(outcomes, RevocationAction.Invalidate, tokens[13] as string)).toMatchObject({
      kind: 'rejected',
    });
    expect(
      tokens.filter((t) => outcomeOf(outcomes, RevocationAction.Invalidate, t)?.kind === 'confirmed'),
    ).toHaveLength(19);
    // 1 + 2 + 2 + 2 + 2 + 2 calls at most for a depth-5 split of 20.
    expect(sim.requests.length).toBeLessThanOrEqual(11);
  });

  it('marks the tokens of a call that failed as a whole as failed, with the category', async () => {
    sim.injectFault('access_denied');
    const tokens = sim.issueTokens(3);
    const { outcomes, callErrors } = await revoke([[RevocationAction.Invalidate, tokens]]);
    expect(outcomeOf(outcomes, RevocationAction.Invalidate, tokens[0] as string)).toEqual({
      kind: 'failed',
      category: ErrorCategory.Configuration,
      errorName: 'access_denied',
    });
    expect(callErrors).toEqual([expect.objectContaining({ tokenCount: 3 })]);
  });

  it('makes no call after the deadline and says why', async () => {
    const tokens = sim.issueTokens(2);
    const { outcomes } = await revokeTokens(client(), new Map([[RevocationAction.Invalidate, tokens]]), {
      concurrency: 1,
      deadline: Date.now() - 1,
    });
    expect(outcomeOf(outcomes, RevocationAction.Invalidate, tokens[0] as string)).toMatchObject({
      kind: 'failed',
      errorName: 'not_attempted_deadline',
    });
    expect(sim.requests).toHaveLength(0);
  });
});
