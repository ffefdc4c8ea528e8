import { laneOf, laneOfQueue, queueNameOf } from '../../../functions/cli/dlq/lane';

const URLS = {
  routine: 'https://sqs.eu-west-1.amazonaws.com/123456789012/revocations',
  urgent: 'https://sqs.eu-west-1.amazonaws.com/123456789012/leaks',
};
const arn = (name: string) => `arn:aws:sqs:eu-west-1:123456789012:${name}`;

describe('the lane of a dead-letter message', () => {
  it('names a source queue by the lane URLs given, else by the names the stack gives its queues', () => {
    expect(queueNameOf(URLS.urgent)).toBe('leaks');
    expect(queueNameOf(arn('leaks'))).toBe('leaks');
    expect(laneOfQueue('revocations', URLS)).toBe('routine');
    expect(laneOfQueue('leaks', URLS)).toBe('urgent');
    // A URL given wins over a name's ending.
    expect(laneOfQueue('x-urgent', { routine: `${URLS.routine.replace('revocations', 'x-urgent')}` })).toBe(
      'routine',
    );
    expect(laneOfQueue('Stack-RevocationQueues1234-source', {})).toBe('routine');
    expect(laneOfQueue('Stack-RevocationQueues1234-urgent', {})).toBe('urgent');
    expect(laneOfQueue('revocations', {})).toBe('unknown');
  });

  it("takes a parked message's lane from its seal only, and a dead-lettered one's from SQS's source ARN", () => {
    const fromLeaks = { Attributes: { DeadLetterQueueSourceArn: arn('leaks') } };
    expect(laneOf(fromLeaks, { kind: 'dead_lettered' }, URLS)).toBe('urgent');
    expect(laneOf(fromLeaks, { kind: 'unreadable' }, URLS)).toBe('urgent');
    expect(laneOf({}, { kind: 'dead_lettered' }, URLS)).toBe('unknown');
    expect(laneOf(fromLeaks, { kind: 'parked', parkedLane: 'routine' }, URLS)).toBe('routine');
    expect(laneOf(fromLeaks, { kind: 'parked' }, URLS)).toBe('unknown');
    expect(laneOf(fromLeaks, { kind: 'unsealed' }, URLS)).toBe('unknown');
  });
});
