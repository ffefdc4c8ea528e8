// SQS's in-flight limit, which fauxqs does not keep: at most about 120,000 messages of a standard queue
// may be in flight (received, neither deleted nor visible again); a receive beyond answers OverLimit.
import { askSelf, bodyOf, sqsAction, sqsError } from './sqs-wire.mjs';

/** SQS's limit of messages in flight per standard queue. */
export const DEFAULT_MAX_IN_FLIGHT_MESSAGES = 120_000;

/**
 * How many messages of a queue fauxqs holds in flight (ApproximateNumberOfMessagesNotVisible, asked
 * in-process), or undefined when fauxqs cannot say (no such queue: the receive itself then gets the error).
 * The count includes messages whose visibility ran out but that fauxqs has not yet put back (it does so at
 * its next receive of that queue), so it can read a little high, never low.
 * @param {import('fastify').FastifyInstance} app
 * @param {string} queueUrl
 * @returns {Promise<number | undefined>}
 */
async function countInFlight(app, queueUrl) {
  const answer = await askSelf(app, 'GetQueueAttributes', {
    QueueUrl: queueUrl,
    AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
  });
  if (answer === undefined) return undefined;
  const count = Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible);
  return Number.isInteger(count) ? count : undefined;
}

/**
 * Keeps the in-flight limit on fauxqs' app: a receive that finds `maxInFlightMessages` of its queue in
 * flight answers OverLimit (HTTP 403, as SQS does); one that finds fewer is given at most the room left.
 * Checked when the receive arrives: long polls already waiting can together pass the limit by up to 10 each.
 * @param {import('fastify').FastifyInstance} app fauxqs' app, before it listens
 * @param {number} maxInFlightMessages
 */
export function enforceInFlightLimit(app, maxInFlightMessages) {
  app.addHook('preHandler', async (request, reply) => {
    if (sqsAction(request) !== 'ReceiveMessage') return;
    const body = bodyOf(request);
    if (body === undefined || typeof body.QueueUrl !== 'string') return;
    const inFlight = await countInFlight(app, body.QueueUrl);
    if (inFlight === undefined) return;
    if (inFlight >= maxInFlightMessages) {
      const error = sqsError(
        'OverLimit',
        `Maximum number of in-flight messages reached: ${inFlight} of at most ${maxInFlightMessages} per queue.`,
      );
      reply.code(403).headers(error.headers).send(error.body);
      return reply;
    }
    const asked = body.MaxNumberOfMessages ?? 1;
    if (Number.isInteger(asked) && asked >= 1 && asked <= 10) {
      body.MaxNumberOfMessages = Math.min(asked, maxInFlightMessages - inFlight);
    }
  });
}
