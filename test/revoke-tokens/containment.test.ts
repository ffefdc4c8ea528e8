import type { SQSRecord } from 'aws-lambda';
import { ParkReason } from '../../functions/lib/message';
import { type Parker, sqsParker } from '../../functions/lib/park';
import type { StepLogger } from '../../functions/lib/read-messages';
import type { ApiMethod } from '../../functions/lib/stackexchange/api-method';
import { type CallOptions, StackExchangeClient } from '../../functions/lib/stackexchange/client';
import { createTelemetry } from '../../functions/lib/telemetry';
import { poisonBody } from '../support/hostile-bodies';
import { captureOutput, lambdaContext, sqsEvent } from '../support/lambda';
import { useLocalServers } from '../support/servers';
import { drainQueue, runBatch } from './harness';

const { logger } = createTelemetry({ serviceName: 'containment-test', metricsNamespace: 'ContainmentTest' });

/** A client whose calls throw a TypeError (a bug, not an API answer) whenever they carry `poison`. */
class BrokenClient extends StackExchangeClient {
  readonly #poison: string;
  constructor(apiUrl: string, poison: string) {
    super({ apiUrl, requestsPerSecond: 25, retryBaseDelayMs: 1 });
    this.#poison = poison;
  }
  override async call(method: ApiMethod, tokens: readonly string[], options?: CallOptions) {
    if (tokens.includes(this.#poison)) throw new TypeError('broken inside the call');
    return super.call(method, tokens, options);
  }
}

/**
 * Security review 2, point 1: a failure of one message, in any step of the urgent lane, fails that
 * message alone. Each case breaks one step for message A; B and C (20 tokens each, so each message's
 * tokens travel in their own call) must be revoked and settled.
 */
describe('processBatch contains each message in every step', () => {
  const servers = useLocalServers({ seed: 17 });

  const prepare = async () => {
    const { sim, sqs } = servers;
    const [a, b, c] = [sim.issueTokens(20), sim.issueTokens(20), sim.issueTokens(20)];
    const dlqUrl = (await sqs.createQueue(`containment-${Math.random().toString(36).slice(2)}`)).queueUrl;
    return { a: a as string[], b: b as string[], c: c as string[], dlqUrl };
  };

  const expectInnocentsRevoked = (
    response: { batchItemFailures: { itemIdentifier: string }[] } | undefined,
    ids: readonly string[],
    tokens: readonly string[],
  ) => {
    expect(response).toBeDefined();
    const failed = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier));
    for (const id of ids) expect(failed.has(id)).toBe(false);
    for (const token of tokens) expect(servers.sim.tokenState(token)).toBe('invalidated');
  };

  it('reading the record: a record that cannot be read is retried alone', async () => {
    // Prepare
    const { a, b, c, dlqUrl } = await prepare();
    const event = sqsEvent([{ tokens: a }, { tokens: b }, { tokens: c }]);
    const broken = event.Records[0] as SQSRecord;
    Object.defineProperty(broken, 'attributes', {
      get: () => {
        throw new TypeError('unreadable record');
      },
    });
    // Act
    const { result } = await captureOutput(() =>
      runBatch(event, { apiUrl: servers.sim.url, sqs: servers.sqs, parkedQueueUrl: dlqUrl }),
    );
    // Assess
    expect(result?.response?.batchItemFailures).toEqual([{ itemIdentifier: broken.messageId }]);
    expectInnocentsRevoked(
      result?.response,
      [event.Records[1]?.messageId ?? '', event.Records[2]?.messageId ?? ''],
      [...b, ...c],
    );
  });

  it('reading and logging: a logger that throws for one message fails nothing', async () => {
    const { a, b, c, dlqUrl } = await prepare();
    const event = sqsEvent([{ tokens: [...a, 'bad token'] }, { tokens: b }, { tokens: c }]);
    const target = event.Records[0]?.messageId;
    const throwing =
      (level: keyof StepLogger) =>
      (message: string, ...rest: unknown[]) => {
        if (JSON.stringify(rest).includes(`"${target}"`)) throw new Error(`logging ${message} failed`);
        (logger[level] as (m: string, ...r: unknown[]) => void)(message, ...rest);
      };
    const stepLogger = {
      debug: throwing('debug'),
      info: throwing('info'),
      warn: throwing('warn'),
      error: throwing('error'),
    };
    const { result, error } = await captureOutput(() =>
      runBatch(event, {
        apiUrl: servers.sim.url,
        sqs: servers.sqs,
        parkedQueueUrl: dlqUrl,
        logger: stepLogger,
      }),
    );
    expect(error).toBeUndefined();
    expect(result?.response).toEqual({ batchItemFailures: [] });
    expectInnocentsRevoked(
      result?.response,
      event.Records.map((r) => r.messageId),
      [...a, ...b, ...c],
    );
    expect((await drainQueue(servers.sqs, dlqUrl)).map((p) => p.reason)).toEqual([ParkReason.InvalidToken]);
  });

  it('parking: a parker that throws for one message retries that message; the others park and settle', async () => {
    const { a, b, c, dlqUrl } = await prepare();
    const event = sqsEvent([{ tokens: [...a, 'bad token'] }, { tokens: [...b, 'bad;token'] }, { tokens: c }]);
    const target = event.Records[0]?.messageId;
    const real = sqsParker({ queueUrl: dlqUrl, sqs: () => servers.sqs.client });
    const park: Parker = async (entries) => {
      if (entries.some((entry) => entry.sourceMessageId === target)) throw new TypeError('parking broke');
      return real(entries);
    };
    const { result } = await captureOutput(() =>
      runBatch(event, { apiUrl: servers.sim.url, sqs: servers.sqs, parkedQueueUrl: dlqUrl, park }),
    );
    expect(result?.response?.batchItemFailures).toEqual([{ itemIdentifier: target }]);
    expectInnocentsRevoked(
      result?.response,
      [event.Records[1]?.messageId ?? '', event.Records[2]?.messageId ?? ''],
      [...b, ...c],
    );
    const parked = await drainQueue(servers.sqs, dlqUrl);
    expect(parked.map((p) => p.sourceMessageId)).toEqual([event.Records[1]?.messageId]);
  });

  it('the API call: a call that throws unexpectedly retries the tokens it carried, not the batch', async () => {
    const { a, b, c, dlqUrl } = await prepare();
    const event = sqsEvent([{ tokens: a }, { tokens: b }, { tokens: c }]);
    const client = new BrokenClient(servers.sim.url, a[0] as string);
    const { result } = await captureOutput(() =>
      runBatch(event, {
        apiUrl: servers.sim.url,
        sqs: servers.sqs,
        parkedQueueUrl: dlqUrl,
        existingClient: client,
      }),
    );
    expect(result?.response?.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expectInnocentsRevoked(
      result?.response,
      [event.Records[1]?.messageId ?? '', event.Records[2]?.messageId ?? ''],
      [...b, ...c],
    );
    expect(result?.tally.tokensRetried).toBe(20);
  });

  it.each([
    ['array', 6000],
    ['object', 6000],
    ['array', 100_000],
  ] as const)(
    'the 19 KB message (a %s %i deep after 1,000 tokens) fails nothing: its excess is parked',
    async (shape, depth) => {
      const { b, c, dlqUrl } = await prepare();
      const body = poisonBody({ shape, depth });
      const event = sqsEvent([body, { tokens: b }, { tokens: c }]);
      const { result } = await captureOutput(() =>
        runBatch(event, {
          apiUrl: servers.sim.url,
          sqs: servers.sqs,
          parkedQueueUrl: dlqUrl,
          context: lambdaContext(60_000),
        }),
      );
      expect(result?.response).toEqual({ batchItemFailures: [] });
      expectInnocentsRevoked(
        result?.response,
        event.Records.map((r) => r.messageId),
        [...b, ...c],
      );
      const parked = await drainQueue(servers.sqs, dlqUrl);
      expect(parked.map((p) => [p.sourceMessageId, p.reason, p.tokens?.length])).toEqual([
        [event.Records[0]?.messageId, ParkReason.TooManyTokens, 1],
      ]);
    },
  );
});
