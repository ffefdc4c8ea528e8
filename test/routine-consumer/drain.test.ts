import { ParkReason } from '../../functions/lib/message';
import { QuotaWatch } from '../../functions/routine-consumer/quota';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { drainQueue } from '../revoke-tokens/harness';
import { queueDepth, runDrain, sendBodies, visibleNow } from './support';

describe('drain (one run of the routine consumer)', () => {
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
    sim = await startSimulator({ seed: 5 });
    const dlq = await sqs.createQueue(`drain-dlq-${n}`);
    dlqUrl = dlq.queueUrl;
    queueUrl = (
      await sqs.createQueue(`drain-${n}`, { deadLetter: { queueArn: dlq.queueArn, maxReceiveCount: 15 } })
    ).queueUrl;
  });
  afterEach(() => sim.close());

  const run = (options: Partial<Parameters<typeof runDrain>[0]> = {}) =>
    runDrain({ sqs, apiUrl: sim.url, queueUrl, parkedQueueUrl: dlqUrl, ...options });

  /** Issues `count` live tokens and sends each as a single-token logout; returns the tokens. */
  const sendLogouts = async (count: number) => {
    const tokens = sim.issueTokens(count);
    await sendBodies(
      sqs,
      queueUrl,
      tokens.map((token) => ({ token })),
    );
    return tokens;
  };

  it('sends fresh logouts only in full calls and holds the rest for the next run', async () => {
    // Prepare
    await sendLogouts(45);
    // Act
    const report = await run();
    // Assess
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([20, 20]);
    expect(report).toMatchObject({ received: 45, deleted: 40, carried: 5, released: 0 });
    expect(report.counts).toMatchObject({ tokensInvalidated: 40, tokensHeld: 5, tokensDeferred: 0 });
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 5 });
  });

  it('held messages come back for the next run, before their hold is over', async () => {
    const tokens = await sendLogouts(25);
    const first = await run();
    expect(first.carried).toBe(5);
    // Act: the next run starts a tick later (6 s), holds over.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const second = await run({ settings: { maxHoldSeconds: 5 } });
    // Assess
    expect(second).toMatchObject({ received: 5, deleted: 5, carried: 0 });
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([20, 5]);
    expect(tokens.every((token) => sim.tokenState(token) === 'invalidated')).toBe(true);
    expect(second.counts.secondsToRevoke.every((s) => s < 10)).toBe(true);
  }, 20_000);

  it('times the next run from the scheduled time, so a late start does not delay held messages', async () => {
    // Prepare: a 20 s tick whose run started 17 s late: the next run is due 3 s from now.
    await sendLogouts(25);
    // Act
    const report = await run({ settings: { tickSeconds: 20 }, scheduledAt: Date.now() - 17_000 });
    // Assess: the 5 held messages are visible again for that run, not 20 s after this one began.
    expect(report.carried).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await visibleNow(sqs, queueUrl)).toBe(5);
  });

  it("sends a token before its hold is over, counting the next round's receive", async () => {
    // Prepare: 1 s rounds, each ending with a 1 s empty long poll; a 2.5 s hold. Waiting for the
    // next round would send at about 3.1 s: past the hold.
    await sendLogouts(5);
    // Act
    const report = await run({ settings: { maxHoldSeconds: 2.5 } });
    // Assess: one call of 5 in the first round, within the hold
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([5]);
    expect(report).toMatchObject({ deleted: 5, carried: 0 });
    expect(report.counts.secondsToRevoke).toHaveLength(5);
    expect(Math.max(...report.counts.secondsToRevoke)).toBeLessThanOrEqual(2.5);
  });

  it('sends tokens at their time limit at once, filling the last call', async () => {
    await sendLogouts(45);
    const report = await run({ settings: { maxHoldSeconds: 0 } });
    expect(sim.requests.map((r) => r.tokens.length).sort((a, b) => a - b)).toEqual([5, 20, 20]);
    expect(report).toMatchObject({ deleted: 45, carried: 0 });
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('treats a body that says "urgent" as routine: the lane is the queue, so it is held for a full call', async () => {
    const [token] = sim.issueTokens(1);
    await sendBodies(sqs, queueUrl, [{ token, priority: 'urgent' }]);
    const report = await run();
    expect(report).toMatchObject({ deleted: 0, carried: 1 });
    expect(sim.requests).toHaveLength(0);
  });

  it('parks bad input, revokes the valid tokens of the same message, and deletes both', async () => {
    const tokens = sim.issueTokens(20);
    await sendBodies(sqs, queueUrl, [
      'not json',
      { tokens: [...tokens.slice(0, 19), 'bad;token'] },
      { token: tokens[19] },
    ]);
    const report = await run();
    expect(report).toMatchObject({ received: 3, deleted: 3, carried: 0 });
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([20]);
    const parked = await drainQueue(sqs, dlqUrl);
    expect(parked.map((p) => p.reason).sort()).toEqual([ParkReason.BodyNotJson, ParkReason.InvalidToken]);
  });

  it('counts tokens the API no longer knows as already dead (a repeated run)', async () => {
    const tokens = sim.issueTokens(20);
    await sendBodies(sqs, queueUrl, [{ tokens }]);
    await run();
    await sendBodies(sqs, queueUrl, [{ tokens }]);
    const repeated = await run();
    expect(repeated.counts).toMatchObject({ tokensInvalidated: 0, tokensAlreadyDead: 20 });
    expect(repeated.deleted).toBe(1);
  });

  it('releases messages whose calls failed, with a backoff delay, and deletes none', async () => {
    await sim.close();
    sim = await startSimulator({ seed: 5, faults: { rate: 1, kinds: ['internal_error'] } });
    await sendLogouts(20);
    const report = await run();
    expect(report).toMatchObject({ received: 20, deleted: 0, released: 20, carried: 0 });
    expect(report.counts.tokensRetried).toBe(20);
    // Released for 30 s or more: not visible again yet, and nothing was dead-lettered.
    expect(await visibleNow(sqs, queueUrl)).toBe(0);
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 20 });
  });

  it('below the quota reserve, defers partial calls (one visibility change) and still sends full ones', async () => {
    const quota = new QuotaWatch();
    quota.observe(100, 10_000);
    await sendLogouts(25);
    const report = await run({ quota, settings: { maxHoldSeconds: 0, maxDeferSeconds: 900 } });
    expect(sim.requests.map((r) => r.tokens.length)).toEqual([20]);
    expect(report.counts).toMatchObject({ tokensDeferred: 5, tokensHeld: 0 });
    expect(report.carried).toBe(5);
    expect(await drainQueue(sqs, dlqUrl)).toEqual([]);
  });

  it('settles every message of a send whose calls end at different times', async () => {
    // Prepare: two calls, the second answered up to 1.5 s later.
    await sendLogouts(40);
    sim.setLatency({ min: 0, max: 1500 });
    // Act: on the system clock (the calls' real latency is what this test is about).
    const report = await run({
      remainingMs: 8000,
      settings: { callConcurrency: 2 },
    });
    // Assess: everything settled; the queue empty.
    expect(report).toMatchObject({ deleted: 40, carried: 0 });
    expect(await queueDepth(sqs, queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('ends at once on an empty queue', async () => {
    const started = Date.now();
    const report = await run();
    expect(report).toMatchObject({ rounds: 1, received: 0 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(sim.requests).toHaveLength(0);
  });
});
