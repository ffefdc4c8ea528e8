import { BatchFailedError, ErrorCategory } from '../../functions/lib/errors';
import { ParkReason } from '../../functions/lib/message';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type Simulator, startSimulator } from '../../tools/simulator';
import { lambdaContext, sqsEvent } from '../support/lambda';
import { drainQueue, runBatch } from './harness';

describe('processBatch', () => {
  let sqs: LocalSqs;
  let sim: Simulator;
  let dlqUrl: string;
  let queueCount = 0;

  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    sim = await startSimulator({ seed: 11 });
    queueCount += 1;
    dlqUrl = (await sqs.createQueue(`dlq-${queueCount}`)).queueUrl;
  });
  afterEach(() => sim.close());

  const run = (bodies: readonly (string | object)[], options: Partial<Parameters<typeof runBatch>[1]> = {}) =>
    runBatch(sqsEvent(bodies), { apiUrl: sim.url, sqs, parkedQueueUrl: dlqUrl, ...options });

  describe('packing', () => {
    it('turns 100 single-token messages into 5 calls of 20', async () => {
      // Prepare
      const tokens = sim.issueTokens(100);
      // Act
      const { response, tally } = await run(tokens.map((token) => ({ token })));
      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests.map((r) => r.tokens.length)).toEqual([20, 20, 20, 20, 20]);
      expect(tokens.every((t) => sim.tokenState(t) === 'invalidated')).toBe(true);
      expect(tally.tokensInvalidated).toBe(100);
    });

    it('collapses duplicates across messages', async () => {
      const tokens = sim.issueTokens(20);
      const bodies: object[] = [...tokens, ...tokens].map((token) => ({ token }));
      const { response } = await run([...bodies, { tokens }]);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests).toHaveLength(1);
      expect(sim.requests[0]?.tokens).toHaveLength(20);
    });

    it('turns a 45-token message into 3 calls', async () => {
      const tokens = sim.issueTokens(45);
      const { response } = await run([{ tokens }]);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests.map((r) => r.tokens.length).sort()).toEqual([20, 20, 5]);
    });

    it('keeps actions apart: de-authenticate goes to its own endpoint', async () => {
      const [a, b] = sim.issueTokens(2, { accountId: 1 });
      const [c] = sim.issueTokens(1, { accountId: 2 });
      const { response, tally } = await run([{ tokens: [a, c] }, { token: b, action: 'deauthenticate' }]);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests.map((r) => r.method).sort()).toEqual(['deauthenticate', 'invalidate']);
      expect(tally.tokensDeauthenticated).toBe(1);
    });
  });

  describe('outcomes', () => {
    it('counts tokens absent from items as already dead, without retrying them', async () => {
      const live = sim.issueTokens(3);
      const { response, tally } = await run([{ tokens: [...live, 'neverIssued1', 'neverIssued2'] }]);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(tally.tokensInvalidated).toBe(3);
      expect(tally.tokensAlreadyDead).toBe(2);
      expect(sim.requests).toHaveLength(1);
    });

    it('isolates one poison token among 40: 39 invalidated, the poison parked', async () => {
      // Prepare
      const tokens = sim.issueTokens(40);
      const poison = tokens[27] as string;
      sim.poisonTokens([poison]);
      // Act
      const event = sqsEvent([{ tokens }]);
      const { response, tally } = await runBatch(event, { apiUrl: sim.url, sqs, parkedQueueUrl: dlqUrl });
      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(tokens.filter((t) => sim.tokenState(t) === 'invalidated')).toHaveLength(39);
      expect(tally.tokensInvalidated).toBe(39);
      const parked = await drainQueue(sqs, dlqUrl);
      expect(parked).toEqual([
        expect.objectContaining({
          reason: ParkReason.RejectedByApi,
          attributeReason: ParkReason.RejectedByApi,
          sourceMessageId: event.Records[0]?.messageId,
          tokens: [poison],
        }),
      ]);
    });

    it('parks hostile tokens without sending them, and lets the valid ones of the message through', async () => {
      // Prepare
      const [valid] = sim.issueTokens(1);
      const hostile = ['a;b', '../x', 'x/y', '%2F', ' ', '', 'x'.repeat(300), 42, null, { t: 1 }];
      // Act
      const { response, tally } = await run([{ tokens: [valid, ...hostile] }]);
      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests.flatMap((r) => r.tokens)).toEqual([valid]);
      const [parked] = await drainQueue(sqs, dlqUrl);
      expect(parked?.reason).toBe(ParkReason.InvalidToken);
      expect(parked?.tokens).toEqual(hostile);
      expect(parked?.problems?.map((p) => p.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(tally.tokensParked).toBe(hostile.length);
    });

    it.each([
      ['not json at all', ParkReason.BodyNotJson],
      ['{"hello":"world"}', ParkReason.NoTokens],
      ['{"tokens":"abc"}', ParkReason.InvalidMessage],
      ['{"token":"abc","action":"explode"}', ParkReason.UnknownAction],
    ])('parks the unusable body %j with its original text', async (body, reason) => {
      const event = sqsEvent([body]);
      const { response } = await runBatch(event, { apiUrl: sim.url, sqs, parkedQueueUrl: dlqUrl });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(sim.requests).toHaveLength(0);
      expect(await drainQueue(sqs, dlqUrl)).toEqual([
        expect.objectContaining({
          reason,
          body,
          sourceMessageId: event.Records[0]?.messageId,
          attributeReason: reason,
        }),
      ]);
    });

    it('reports the message instead when parking fails', async () => {
      const event = sqsEvent(['not json', { token: sim.issueTokens(1)[0] }]);
      const { response, tally } = await runBatch(event, {
        apiUrl: sim.url,
        sqs,
        parkedQueueUrl: `${dlqUrl}-does-not-exist`,
      });
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
      expect(tally.parkingFailures).toBe(1);
    });
  });

  describe('failures', () => {
    it('reports exactly the messages whose tokens failed, and loses nothing', async () => {
      // Prepare: the first call fails for good, the others succeed
      const tokens = sim.issueTokens(40);
      sim.injectFault('internal_error', { times: 3 });
      const event = sqsEvent(tokens.map((token) => ({ token })));
      // Act
      const { response, tally } = await runBatch(event, {
        apiUrl: sim.url,
        sqs,
        parkedQueueUrl: dlqUrl,
        callConcurrency: 1,
      });
      // Assess
      const failed = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier));
      expect(failed.size).toBe(20);
      event.Records.forEach((record, index) => {
        const state = sim.tokenState(tokens[index] as string);
        expect(failed.has(record.messageId)).toBe(state !== 'invalidated');
      });
      expect(tally.tokensRetried).toBe(20);
    });

    it('throws a typed error when every message failed, so Lambda backs off', async () => {
      sim.injectFault('html_503', { times: 10 });
      const { error } = await run(sim.issueTokens(3).map((token) => ({ token })));
      expect(error).toBeInstanceOf(BatchFailedError);
      expect((error as BatchFailedError).messageIds).toHaveLength(3);
      expect((error as BatchFailedError).category).toBe(ErrorCategory.Transient);
    });

    it('makes one call, not a storm, on a configuration error', async () => {
      sim.injectFault('access_denied', { times: 100 });
      const { error, tally } = await run(sim.issueTokens(100).map((token) => ({ token })));
      expect(error).toBeInstanceOf(BatchFailedError);
      expect((error as BatchFailedError).category).toBe(ErrorCategory.Configuration);
      expect(sim.requests.length).toBeLessThanOrEqual(4); // the calls already in flight, then none
      expect(Object.values(tally.configurationErrors).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    });

    it('stops calling after a throttle violation and reports the rest', async () => {
      sim.injectFault('throttle_violation');
      const tokens = sim.issueTokens(100);
      const { response, error } = await run(
        tokens.map((token) => ({ token })),
        { callConcurrency: 1, context: lambdaContext(8_000) },
      );
      expect(sim.requests).toHaveLength(1);
      expect(error ?? response).toBeDefined();
    });

    it('honours backoff across the calls of a batch', async () => {
      const backoffSim = await startSimulator({ seed: 3, backoffSeconds: 1 });
      try {
        backoffSim.injectFault('backoff');
        const tokens = backoffSim.issueTokens(60);
        const { response } = await runBatch(sqsEvent(tokens.map((token) => ({ token }))), {
          apiUrl: backoffSim.url,
          sqs,
          parkedQueueUrl: dlqUrl,
        });
        expect(response).toEqual({ batchItemFailures: [] });
        expect(backoffSim.stats().backoffViolations).toBe(0);
        expect(tokens.every((t) => backoffSim.tokenState(t) === 'invalidated')).toBe(true);
      } finally {
        await backoffSim.close();
      }
    });

    it('stops calling before the Lambda deadline and reports what is left', async () => {
      sim.setLatency(400);
      const tokens = sim.issueTokens(200);
      const started = Date.now();
      const event = sqsEvent(tokens.map((token) => ({ token })));
      const { response, error } = await runBatch(event, {
        apiUrl: sim.url,
        sqs,
        parkedQueueUrl: dlqUrl,
        callConcurrency: 1,
        context: lambdaContext(2_000),
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      const reported = new Set(
        response?.batchItemFailures.map((f) => f.itemIdentifier) ?? (error as BatchFailedError).messageIds,
      );
      expect(reported.size).toBeGreaterThan(100);
      expect(reported.size).toBeLessThan(200);
      event.Records.forEach((record, index) => {
        if (!reported.has(record.messageId))
          expect(sim.tokenState(tokens[index] as string)).toBe('invalidated');
      });
    });

    it('treats invalid_access_token for a lone token as already dead', async () => {
      sim.injectFault('invalid_access_token', { times: 3 });
      const tokens = sim.issueTokens(2);
      const { response, tally } = await run([{ tokens }]);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(tally.tokensAlreadyDead + tally.tokensInvalidated).toBe(2);
    });
  });
});
