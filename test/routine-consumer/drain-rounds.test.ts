import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { auditFingerprint, auditRecords, type SettledTokens } from '../../functions/lib/audit';
import { Governor } from '../../functions/lib/control/governor';
import { budgetDayEndOf, type ControlStore, memoryControlStore } from '../../functions/lib/control/store';
import { ParkReason } from '../../functions/lib/message';
import { ApiMethod } from '../../functions/lib/stackexchange/api-method';
import { StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { Lane } from '../../functions/lib/telemetry-names';
import { systemClock } from '../../functions/routine-consumer/drain';
import { QuotaWatch } from '../../functions/routine-consumer/quota';
import { captureOutput } from '../support/lambda';
import { INSTANT_SQS, timedRun } from './manual-clock';
import { loggedErrors, sendBodies, useDrainQueues } from './support';

/**
 * The timing of a run, on a manual clock (tests/routine-consumer/manual-clock.ts): rounds, the waits
 * between them, and the visibility every message is given. SQS and the API are the real local servers;
 * only the run's time stands still until it sleeps, so many rounds take milliseconds and every time
 * asked for is exact. Settings are `FAST` (support.ts) unless a test says: a 6 s tick (1 s rounds), 1 s
 * long polls, a 5 s function with 0.5 s kept free.
 */
describe('systemClock', () => {
  it('tells the time and sleeps at least the time asked', async () => {
    const before = Date.now();
    const now = systemClock.now();
    await systemClock.sleep(30);
    const after = Date.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
    // Timers may fire up to 1 ms early on some platforms.
    expect(after - now).toBeGreaterThanOrEqual(29);
  });
});

describe('drain rounds (manual clock)', () => {
  const t = useDrainQueues('rounds', { seed: 31, banSeconds: 80_000 }, INSTANT_SQS);

  const governorOver = (store: ControlStore, dailyCallBudget = 9000, urgentReserveCalls = 1800) =>
    new Governor(store, { dailyCallBudget, urgentReserveCalls }, Lane.Routine);
  const seconds = (run: { record: { visibility: readonly { seconds: number }[] } }) =>
    run.record.visibility.map((v) => v.seconds);

  describe('rounds', () => {
    it('receives again a round later, and sends the full call the second round makes', async () => {
      // Prepare: 15 logouts now; 5 more arrive while the run waits for its second round.
      await t.sendLogouts(15);
      // Act
      const run = await timedRun(t, { meanwhile: () => t.sendLogouts(5).then(() => undefined) });
      // Assess: round 1 holds 15 (no full call), waits a round (1 s), round 2 receives 5 and sends 20.
      expect(run.clock.sleeps).toEqual([1000]);
      expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20]);
      expect(run.report).toMatchObject({
        rounds: 2,
        received: 20,
        deleted: 20,
        carried: 0,
        released: 0,
        tokensReceived: 20,
        tokensLeft: 0,
      });
      expect(run.report.counts).toMatchObject({ tokensInvalidated: 20, tokensPerCall: [20], tokensHeld: 0 });
      expect(run.record.receives.map((r) => r.count).reduce((a, b) => a + b)).toBe(20);
    });

    it.each([
      // tick s, function ms, round ms, rounds, hold asked (s)
      [4, 5000, 1000, 2, -1],
      [12, 5000, 2000, 2, 6],
      [120, 13_000, 10_000, 2, 106],
    ])(
      'with a %i s tick (function %i ms) rounds last %i ms; what waits is held until 2 s before the next run',
      async (tickSeconds, remainingMs, roundMs, rounds, hold) => {
        // Prepare: one message, held for a fuller call.
        await t.sendLogouts(1);
        // Act
        const run = await timedRun(t, { remainingMs, settings: { tickSeconds } });
        // Assess: round 1 (a receive, then a 1 s empty long poll), a round's wait, round 2, then carried
        // until the next run (a tick after the start) less 2 s, counted from the end of round 2.
        expect(run.clock.sleeps).toEqual([roundMs]);
        expect(run.report).toMatchObject({ rounds, received: 1, carried: 1, deleted: 0, tokensLeft: 1 });
        expect(run.report.counts).toMatchObject({ tokensHeld: 1, tokensDeferred: 0 });
        expect(run.clock.now() - run.startedAt).toBe(roundMs + 2000);
        expect(seconds(run)).toEqual([hold]);
      },
    );

    it.each([
      // scheduled start from the run's start (ms), hold asked (s)
      [-5000, 1],
      [3000, 6],
    ])(
      'times the next run from the earlier of the scheduled start (%i ms from the start) and the start',
      async (scheduled, hold) => {
        // Prepare: a 12 s tick (2 s rounds); the run ends 4 s after its start.
        await t.sendLogouts(1);
        const startAt = Date.now() + 1000;
        // Act
        const run = await timedRun(t, {
          startAt,
          scheduledAt: startAt + scheduled,
          settings: { tickSeconds: 12 },
        });
        // Assess: the next run is due a tick after the earlier one; held until 2 s before it.
        expect(seconds(run)).toEqual([hold]);
      },
    );

    it.each([
      // function ms, sleeps
      [5500, [1000]],
      [5501, [1000, 1000]],
    ])(
      'a function of %i ms: the last round is the one after which a round and a long poll no longer fit',
      async (remainingMs, sleeps) => {
        // Prepare: the deadline is 5 s (or 5.001 s) after the start; round 2 ends at 3 s.
        await t.sendLogouts(1);
        // Act
        const run = await timedRun(t, { remainingMs });
        // Assess: at 3 s, a 1 s round and a 1 s poll end exactly at a 5 s deadline: round 2 is the last.
        expect(run.clock.sleeps).toEqual(sleeps);
        expect(run.report.rounds).toBe(sleeps.length + 1);
        expect(run.report.carried).toBe(1);
      },
    );

    it('asks each receive for the rest of the function plus 30 s of visibility, with the long poll of the settings', async () => {
      await t.sendLogouts(1);
      const run = await timedRun(t, { remainingMs: 5000 });
      // Round 1 at 0 s (a message, then nothing: 5 s left), round 2 at 2 s (3 s left).
      expect(run.record.receives).toEqual([
        { visibilitySeconds: 35, waitSeconds: 1, count: 1 },
        { visibilitySeconds: 35, waitSeconds: 1, count: 0 },
        { visibilitySeconds: 33, waitSeconds: 1, count: 0 },
      ]);
    });

    it('an empty queue ends the run after its first round, without waiting', async () => {
      const run = await timedRun(t);
      expect(run.report).toMatchObject({ rounds: 1, received: 0, carried: 0 });
      expect(run.clock.sleeps).toEqual([]);
      expect(run.record.receives).toHaveLength(1);
    });

    it('a round that received only bad input (parked and deleted) is followed by one more round', async () => {
      await sendBodies(t.sqs, t.queueUrl, ['not json', '{"token": 7}', 'also not json']);
      const run = await timedRun(t);
      expect(run.report).toMatchObject({ rounds: 2, received: 3, deleted: 3, carried: 0, tokensReceived: 0 });
      expect(run.report.counts).toMatchObject({ messagesParked: 3 });
      expect(run.clock.sleeps).toEqual([1000]);
    });
  });

  it('keeps the quota each answer reported, and shares the newest in the control table', async () => {
    await t.sendLogouts(20);
    const quota = new QuotaWatch();
    const store = memoryControlStore();
    await timedRun(t, { quota, governor: governorOver(store) });
    const remaining = t.sim.stats().quotaRemaining;
    expect(quota.latest()).toMatchObject({ remaining, max: 10_000 });
    const day = new Date().toISOString().slice(0, 10);
    expect((await store.read(day)).quota).toMatchObject({ remaining });
  });

  it('treats a body that says "urgent" as routine (the lane is the queue): held for a full call', async () => {
    const [token] = t.sim.issueTokens(1);
    await sendBodies(t.sqs, t.queueUrl, [{ token, priority: 'urgent' }]);
    const run = await timedRun(t, { settings: { maxHoldSeconds: 30 } });
    expect(t.sim.requests).toHaveLength(0);
    expect(run.report).toMatchObject({ carried: 1, deleted: 0 });
  });

  describe('what a run takes on: no more than it can send, and delete, before its deadline', () => {
    /** `count` messages that all carry the same `size` tokens: never a full call, so nothing is sent while receiving. */
    const sendSameTokens = async (count: number, size: number) => {
      const tokens = t.sim.issueTokens(size);
      await sendBodies(
        t.sqs,
        t.queueUrl,
        Array.from({ length: count }, () => ({ tokens })),
      );
    };

    it('stops receiving when the tokens it holds fill the calls there is time for', async () => {
      // Prepare: 1 request a second; a 7 s function: 6.5 s to the deadline, less 1 s, is time for 5 calls
      // (100 tokens). Each message carries the same 10 tokens (counted once per message: an upper bound).
      await sendSameTokens(30, 10);
      // Act
      const run = await timedRun(t, { remainingMs: 7000, settings: { requestsPerSecond: 1 } });
      // Assess: one receive of 10 messages (100 tokens) fills it; later rounds have less time, and receive nothing.
      expect(run.record.receives.map((r) => r.count)).toEqual([10]);
      expect(run.report).toMatchObject({ received: 10, carried: 10, rounds: 6 });
      expect(run.clock.sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
    });

    it("stops receiving in time to make visible again what it holds, counting SQS's time", async () => {
      // Prepare: SQS takes 200 ms a call; the same token in each message (never a full call), and time
      // to send far more. Receive j starts at 200j ms, while 200j + a 1 s poll + the calls still needed
      // for the messages held (a delete per 10, 8 at once: 1 call per 80 messages, and one more) end
      // before the 4.5 s deadline.
      await sendSameTokens(160, 1);
      // Act
      const run = await timedRun(t, {
        sqsCallMs: { receive: 200, batch: 200 },
        settings: { requestsPerSecond: 1000 },
      });
      // Assess: 15 receives (the 15th at 2.8 s: 2.8 + 1 + 0.4 + 0.2 < 4.5 s; a 16th at 3 s would end at 4.6 s).
      expect(run.record.receives).toHaveLength(15);
      expect(t.sim.requests).toHaveLength(0);
      expect(run.report).toMatchObject({ received: 150, carried: 150, rounds: 1 });
    });

    it('counts the time of its deletes too', async () => {
      // Prepare: bad input only (parked and deleted as received). A receive takes 100 ms, a delete
      // 300 ms: 200 ms a call on average. Receive j starts at 400j ms, while 400j + a 1 s poll +
      // 200 ms end before the deadline (4.35 s).
      await sendBodies(t.sqs, t.queueUrl, Array(100).fill('not json'));
      // Act
      const run = await timedRun(t, { remainingMs: 4850, sqsCallMs: { receive: 100, batch: 300 } });
      // Assess: 8 receives (the 8th at 2.8 s); counting receives alone (100 ms) would have made 9.
      expect(run.record.receives).toHaveLength(8);
      expect(run.report).toMatchObject({ received: 80, deleted: 80, rounds: 1 });
    });
  });

  describe('deferral below the quota reserve', () => {
    const below = () => {
      const quota = new QuotaWatch();
      quota.observe(100, 10_000);
      return quota;
    };

    it('a deferred message stays invisible until its deferral ends, less a tick and 2 s', async () => {
      // Prepare: 5 tokens (3, then 2 a little later), no hold: below the reserve they wait for a full call up to 900 s.
      await t.sendLogouts(3);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await t.sendLogouts(2);
      // Act
      const run = await timedRun(t, {
        quota: below(),
        settings: { maxHoldSeconds: 0, maxDeferSeconds: 900 },
      });
      // Assess: nothing sent; each message invisible until sent + 900 s - 6 s - 2 s (the run after
      // that one sends it in time), counted from when the run asked.
      expect(t.sim.requests).toHaveLength(0);
      expect(run.report.counts).toMatchObject({ tokensDeferred: 5, tokensHeld: 0 });
      expect(run.record.visibility).toHaveLength(5);
      for (const v of run.record.visibility) expect(v.seconds).toBe((v.sentAt + 892_000 - v.at) / 1000);
      expect(Math.min(...seconds(run))).toBeGreaterThan(880);
      // The report: the age of the oldest message at the end, the highest receive count.
      const oldest = Math.min(...run.record.visibility.map((v) => v.sentAt));
      expect(new Set(run.record.visibility.map((v) => v.sentAt)).size).toBeGreaterThan(1);
      expect(run.report.oldestPendingAgeSeconds).toBe((run.clock.now() - oldest) / 1000);
      expect(run.report).toMatchObject({ maxReceiveCountSeen: 1, tokensLeft: 5, tokensReceived: 5 });
    });

    it('a deferral that ends before the next run is held until that run', async () => {
      // Prepare: a 10 s deferral: sent about 1 s before the start, it is not due before the next
      // run (6 s + its 1 s receive), but its end less a tick and 2 s falls before that run.
      await t.sendLogouts(1);
      // Act
      const run = await timedRun(t, { quota: below(), settings: { maxHoldSeconds: 0, maxDeferSeconds: 10 } });
      // Assess: held until 2 s before the next run: 6 s - 2 s from the start, asked at 3 s.
      expect(run.report.counts).toMatchObject({ tokensDeferred: 1 });
      expect(seconds(run)).toEqual([1]);
    });
  });

  describe('release of messages whose calls failed', () => {
    /** A client that tries each call once and pauses the method `circuitBreakMs` after it failed. */
    const failingClient = (circuitBreakMs: number) => {
      t.sim.setFaults({ rate: 1, kinds: ['internal_error'] });
      return new StackExchangeClient({
        apiUrl: t.sim.url,
        requestsPerSecond: 25,
        retryBaseDelayMs: 1,
        maxAttempts: 1,
        circuitBreakMs,
      });
    };

    it.each([
      ['no pause', 0],
      ['a pause shorter than the backoff', 10_000],
    ])('with %s, released for the backoff of a first receive (30 s)', async (_, circuitBreakMs) => {
      await t.sendLogouts(20);
      const run = await timedRun(t, { client: failingClient(circuitBreakMs) });
      expect(run.report).toMatchObject({ received: 20, released: 20, deleted: 0, stoppedBy: undefined });
      expect(seconds(run)).toEqual(Array(20).fill(30));
    });

    it('with a pause longer than the backoff, released until the pause ends', async () => {
      // Prepare: the client rests the method 100 s after a failed call (its own pause: not shared).
      await t.sendLogouts(20);
      const client = failingClient(100_000);
      const store = memoryControlStore();
      // Act
      const { result: run, output } = await captureOutput(() =>
        timedRun(t, { client, governor: governorOver(store) }),
      );
      // Assess
      const until = client.pausedUntil(ApiMethod.Invalidate)?.until ?? Number.NaN;
      expect(run?.report).toMatchObject({ received: 20, released: 20, deleted: 0, stoppedBy: undefined });
      for (const v of run?.record.visibility ?? []) expect(v.seconds).toBe((until - v.at) / 1000);
      expect(Math.min(...(run?.record.visibility ?? []).map((v) => v.seconds))).toBeGreaterThan(95);
      // The failed call is said once; the client's own rest is not a pause the API named.
      expect(loggedErrors(output)).toEqual([
        expect.objectContaining({ message: 'Stack Exchange call failed', tokenCount: 20 }),
      ]);
      const day = new Date().toISOString().slice(0, 10);
      expect((await store.read(day)).pause).toBeUndefined();
    });

    it('doubles the backoff with each receive: 120 s on the third', async () => {
      // Prepare: 10 messages received twice before (and made visible again at once), then 10 new ones.
      await t.sendLogouts(10);
      for (let receive = 0; receive < 2; receive++) {
        let seen = 0;
        while (seen < 10) {
          const { Messages = [] } = await t.sqs.client.send(
            new ReceiveMessageCommand({
              QueueUrl: t.queueUrl,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: 0,
            }),
          );
          seen += Messages.length;
        }
      }
      await t.sendLogouts(10);
      // Act
      const run = await timedRun(t, { client: failingClient(0) });
      // Assess: 30 s on a first receive, 120 s on a third.
      expect(run.record.visibility).toHaveLength(20);
      for (const v of run.record.visibility)
        expect([v.receiveCount, v.seconds]).toEqual(v.receiveCount === 3 ? [3, 120] : [1, 30]);
      expect(run.record.visibility.filter((v) => v.receiveCount === 3)).toHaveLength(10);
      expect(run.report.maxReceiveCountSeen).toBe(3);
      expect(run.report.counts).toMatchObject({ tokensRetried: 20 });
    });
  });

  it('writes an audit line for every settled token: parked as read, revoked as its call ends', async () => {
    // Prepare: a message of 19 live tokens and a malformed one, and a message of 1 live token.
    const tokens = t.sim.issueTokens(20);
    await sendBodies(t.sqs, t.queueUrl, [
      { tokens: [...tokens.slice(0, 19), 'bad;token'] },
      { token: tokens[19] },
    ]);
    const settled: SettledTokens[] = [];
    // Act
    await timedRun(t, { audit: (step) => settled.push(step) });
    // Assess
    const records = settled.flatMap((step) => auditRecords(step));
    expect(
      records
        .filter((r) => r.outcome === 'invalidated')
        .map((r) => r.fingerprint)
        .sort(),
    ).toEqual(tokens.map(auditFingerprint).sort());
    expect(records.filter((r) => r.outcome === 'parked')).toEqual([
      expect.objectContaining({
        fingerprint: auditFingerprint('bad;token'),
        reason: ParkReason.InvalidToken,
      }),
    ]);
    expect(new Set(records.map((r) => r.lane))).toEqual(new Set([Lane.Routine]));
    expect(records).toHaveLength(21);
  });

  it('shares a backoff the API asks for in the control table, and goes on (only a throttle stops the run)', async () => {
    // Prepare: the first answer asks for a 2 s backoff.
    await t.sendLogouts(20);
    t.sim.injectFault('backoff');
    const store = memoryControlStore();
    // Act
    const run = await timedRun(t, { governor: governorOver(store) });
    // Assess
    expect(run.report).toMatchObject({ deleted: 20, stoppedBy: undefined });
    const day = new Date().toISOString().slice(0, 10);
    expect((await store.read(day)).pause).toMatchObject({ cause: 'backoff' });
  });

  describe('stops', () => {
    it('at a throttle: every message it holds waits until the pause ends (released or carried), nothing more is sent', async () => {
      // Prepare: the first call is refused for 80,000 s.
      await t.sendLogouts(60);
      t.sim.injectFault('throttle_violation');
      const client = new StackExchangeClient({
        apiUrl: t.sim.url,
        requestsPerSecond: 25,
        retryBaseDelayMs: 1,
      });
      // Act
      const run = await timedRun(t, { client, settings: { maxHoldSeconds: 0 } });
      // Assess
      const until = client.pausedUntil(ApiMethod.Invalidate)?.until ?? Number.NaN;
      expect(run.report.stoppedBy).toBe('paused');
      expect(t.sim.requests).toHaveLength(1);
      expect(run.report.deleted).toBe(0);
      expect(run.record.visibility).toHaveLength(run.report.received);
      expect(run.report.released + run.report.carried).toBe(run.report.received);
      for (const v of run.record.visibility) expect(v.seconds).toBe((until - v.at) / 1000);
    });

    it("when the lane's budget runs out: reserves each send's calls, sends what it got, holds the rest until the next budget day", async () => {
      // Prepare: a budget of 2 calls with 1 kept for urgent work leaves routine 1 call (20 tokens) of 40.
      await t.sendLogouts(40);
      const store = memoryControlStore();
      const governor = governorOver(store, 2, 1);
      const reserve = jest.spyOn(governor, 'reserve');
      // Act
      const run = await timedRun(t, { governor });
      // Assess: each send asked for its one call; the first got it, the second got none.
      expect(reserve.mock.calls).toEqual([[1], [1]]);
      expect(await Promise.all(reserve.mock.results.map((result) => result.value))).toEqual([1, 0]);
      expect(t.sim.requests.map((request) => request.tokens.length)).toEqual([20]);
      expect(run.report).toMatchObject({ deleted: 20, carried: 20, stoppedBy: 'budget_exhausted' });
      for (const v of run.record.visibility) expect(v.seconds).toBe((budgetDayEndOf(v.at) - v.at) / 1000);
      const day = new Date().toISOString().slice(0, 10);
      expect((await store.read(day)).budget).toMatchObject({ spent: 1, routine: 1 });
    });

    it('a message that needs more calls than the budget grants is not sent, and the grant is given back', async () => {
      // Prepare: one message of 40 tokens (2 calls); routine may make 1.
      await sendBodies(t.sqs, t.queueUrl, [{ tokens: t.sim.issueTokens(40) }]);
      const store = memoryControlStore();
      // Act
      const run = await timedRun(t, { governor: governorOver(store, 2, 1) });
      // Assess
      expect(t.sim.requests).toHaveLength(0);
      expect(run.report).toMatchObject({ stoppedBy: 'budget_exhausted', carried: 1, budgetCallsSpent: 0 });
      const day = new Date().toISOString().slice(0, 10);
      expect((await store.read(day)).budget).toMatchObject({ spent: 0, routine: 0 });
    });

    it('when the control table cannot be reached: nothing is sent, and everything waits for the next run (not a deferral)', async () => {
      // Prepare: below the quota reserve (so that what waits would be deferred), a table that refuses.
      await t.sendLogouts(25);
      const quota = new QuotaWatch();
      quota.observe(100, 10_000);
      const store: ControlStore = {
        ...memoryControlStore(),
        reserve: () => Promise.reject(new TypeError('control table unreachable')),
      };
      // Act
      const { result, output } = await captureOutput(() =>
        timedRun(t, { quota, governor: governorOver(store), settings: { maxHoldSeconds: 0 } }),
      );
      // Assess: held until 2 s before the next run (6 s after the start), for all 25; said once.
      expect(t.sim.requests).toHaveLength(0);
      expect(result?.report).toMatchObject({ stoppedBy: 'control_unavailable', received: 25, carried: 25 });
      const startedAt = result?.startedAt ?? Number.NaN;
      for (const v of result?.record.visibility ?? [])
        expect(v.seconds).toBe((startedAt + 4000 - v.at) / 1000);
      expect(loggedErrors(output)).toEqual([
        expect.objectContaining({
          message: 'Send failed before any call; the run stops taking work',
          error: { name: 'TypeError' },
        }),
      ]);
    });
  });
});
