import fc from 'fast-check';
import { chunk, fingerprint, MAX_TOKENS_PER_CALL } from '../../functions/lib/tokens';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { type FaultKind, startSimulator } from '../../tools/simulator';
import { hostileBody, hostileShape } from '../support/hostile-bodies';
import { lambdaContext, sqsEvent } from '../support/lambda';
import { drainQueue, runBatch } from './harness';

describe('packing (property)', () => {
  it('chunks keep every item once, in order, at most 20 per call, ceil(N/20) calls', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 200 }), (items) => {
        const groups = chunk(items, MAX_TOKENS_PER_CALL);
        expect(groups.flat()).toEqual(items);
        expect(groups.length).toBe(Math.ceil(items.length / MAX_TOKENS_PER_CALL));
        expect(groups.every((g) => g.length >= 1 && g.length <= MAX_TOKENS_PER_CALL)).toBe(true);
      }),
    );
  });
});

/**
 * Whatever the messages hold and whatever the API answers, every token of every message ends
 * confirmed by the simulator, parked in the dead-letter queue, or in a message reported for retry.
 */
describe('failure mapping (property, against the simulator and a real SQS server)', () => {
  let sqs: LocalSqs;
  let queues = 0;
  beforeAll(async () => {
    sqs = await startLocalSqs();
  });
  afterAll(() => sqs.stop());

  const faultKinds: FaultKind[] = [
    'internal_error',
    'temporarily_unavailable',
    'html_503',
    'connection_reset',
    'bad_parameter',
    'write_failed',
    'duplicate_request',
  ];
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('live' as const), id: fc.nat(59) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('poison' as const), id: fc.nat(2) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), id: fc.nat(5) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('hostile' as const),
        value: fc.constantFrom<unknown>('a;b', '../x', '', 7, null, 'a b'),
      }),
    },
  );
  const message = fc.oneof(
    { weight: 8, arbitrary: fc.array(entry, { minLength: 1, maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom('not json', '{}', '{"tokens":5}') },
  );

  it('loses no token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 0.6, noNaN: true }),
        fc.subarray(faultKinds, { minLength: 1 }),
        fc.integer({ min: 1, max: 1000 }),
        async (messages, faultRate, kinds, seed) => {
          // Prepare
          const sim = await startSimulator({ seed, faults: { rate: faultRate, kinds } });
          queues += 1;
          const { queueUrl } = await sqs.createQueue(`property-${queues}`);
          const live = sim.issueTokens(60);
          const poison = sim.issueTokens(3);
          sim.poisonTokens(poison);
          const unknown = ['unknownA', 'unknownB', 'unknownC', 'unknownD', 'unknownE', 'unknownF'];
          const bodies = messages.map((m) =>
            typeof m === 'string'
              ? m
              : {
                  tokens: m.map((e) =>
                    e.kind === 'live'
                      ? live[e.id]
                      : e.kind === 'poison'
                        ? poison[e.id]
                        : e.kind === 'unknown'
                          ? unknown[e.id]
                          : e.value,
                  ),
                },
          );
          const event = sqsEvent(bodies);

          // Act
          const { response, error } = await runBatch(event, {
            apiUrl: sim.url,
            sqs,
            parkedQueueUrl: queueUrl,
            client: { retryBaseDelayMs: 1, circuitBreakMs: 0 },
            context: lambdaContext(20_000),
          });
          await sim.close();

          // Assess
          const reported = new Set(
            response?.batchItemFailures.map((f) => f.itemIdentifier) ??
              (error as { messageIds: string[] }).messageIds,
          );
          const parked = await drainQueue(sqs, queueUrl);
          const parkedTokens = new Map<string, unknown[]>();
          const parkedBodies = new Set<string>();
          for (const p of parked) {
            parkedTokens.set(p.sourceMessageId, [
              ...(parkedTokens.get(p.sourceMessageId) ?? []),
              ...(p.tokens ?? []),
            ]);
            if (p.body !== undefined) parkedBodies.add(p.sourceMessageId);
          }
          event.Records.forEach((record, index) => {
            if (reported.has(record.messageId)) return;
            const body = bodies[index];
            if (typeof body === 'string') {
              expect(parkedBodies.has(record.messageId)).toBe(true);
              return;
            }
            for (const token of body?.tokens ?? []) {
              const state = typeof token === 'string' ? sim.tokenState(token) : 'unknown';
              const confirmed =
                state === 'invalidated' || (typeof token === 'string' && unknown.includes(token));
              const isParked = (parkedTokens.get(record.messageId) ?? []).some(
                (t) => fingerprint(t) === fingerprint(token),
              );
              expect({ token: typeof token, confirmed, isParked }).toEqual(
                expect.objectContaining(confirmed || isParked ? {} : { confirmed: true }),
              );
            }
          });
        },
      ),
      { numRuns: 25, seed: 20261124 },
    );
  }, 120_000);

  it('loses no token next to hostile shapes: depth to 100,000, width, size, anywhere in a message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileShape, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 1000 }),
        async (shapes, seed) => {
          // Prepare: each hostile message carries two live tokens; two innocent messages carry 20 each.
          const sim = await startSimulator({ seed });
          queues += 1;
          const { queueUrl } = await sqs.createQueue(`property-hostile-${queues}`);
          const hostile = shapes.map((shape) => ({ shape, tokens: sim.issueTokens(2) }));
          const innocent = [sim.issueTokens(20), sim.issueTokens(20)];
          const event = sqsEvent([
            ...hostile.map(({ shape, tokens }) => hostileBody(shape, tokens)),
            ...innocent.map((tokens) => ({ tokens })),
          ]);
          // Act
          const { response, error } = await runBatch(event, {
            apiUrl: sim.url,
            sqs,
            parkedQueueUrl: queueUrl,
            context: lambdaContext(60_000),
          });
          await sim.close();
          // Assess: no batch failure; innocent messages revoked and settled; a hostile message's live
          // tokens are revoked wherever the hostile value sits (only a hostile body has none to read),
          // and the hostile value is parked (or, if its parked copy is too large for SQS, the message
          // is retried).
          expect(error).toBeUndefined();
          const retried = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier));
          event.Records.forEach((record, index) => {
            const entry = hostile[index];
            if (entry === undefined) {
              expect(retried.has(record.messageId)).toBe(false);
              for (const token of innocent[index - hostile.length] ?? []) {
                expect(sim.tokenState(token)).toBe('invalidated');
              }
            } else if (entry.shape.placement !== 'body') {
              for (const token of entry.tokens) expect(sim.tokenState(token)).toBe('invalidated');
            }
          });
        },
      ),
      { numRuns: 15, seed: 20261203 },
    );
  }, 180_000);
});
