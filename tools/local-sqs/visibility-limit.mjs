// SQS's 12-hour rule, which fauxqs does not keep: ChangeMessageVisibility (and each entry of its batch
// form) may not make a message invisible past 12 hours from the receive that gave its receipt handle.
// SQS answers InvalidParameterValue (a failed entry in the batch form) and does not clamp; fauxqs only checks
// 0-43,200 per call. Receipt handles are remembered with the time their receive arrived.
import { bodyOf, sqsAction, sqsError } from './sqs-wire.mjs';

/** The longest a message may stay invisible, counted from the receive that gave its receipt handle. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** A value fauxqs refuses with InvalidParameterValue: how a refused change reaches it (see below). */
const OUT_OF_RANGE = MAX_VISIBILITY_SECONDS + 1;
/** Key of the single form's one change in a request's map of refused changes. */
const SINGLE = '';

/**
 * SQS's message for a visibility change past the 12-hour limit.
 * @param {unknown} asked the VisibilityTimeout asked for
 */
export function beyondLimitMessage(asked) {
  return (
    `Value ${String(asked)} for parameter VisibilityTimeout is invalid. ` +
    `Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`
  );
}

/**
 * Keeps the 12-hour rule on fauxqs' app.
 *
 * A refused change is handed to fauxqs with an out-of-range VisibilityTimeout, so fauxqs still makes
 * every other check first, in its own order (missing queue, bad batch, unknown receipt handle), and fails
 * that change with InvalidParameterValue; onSend then puts SQS's message (and, in the single form, SQS's
 * error code header) on it.
 * @param {import('fastify').FastifyInstance} app fauxqs' app, before it listens
 */
export function enforceVisibilityLimit(app) {
  /** Receipt handle -> Date.now() when the receive that returned it arrived (roughly oldest first). */
  const receivedAt = new Map();
  /** ReceiveMessage request -> when it arrived. */
  const receiveArrived = new WeakMap();
  /** ChangeMessageVisibility(Batch) request -> entry Id (SINGLE for the single form) -> seconds asked. */
  const refusedChanges = new WeakMap();

  /** True when `seconds` from now would end past the limit of this receipt handle. */
  const beyondLimit = (receiptHandle, seconds, now) => {
    const at = receivedAt.get(receiptHandle);
    if (at === undefined || typeof seconds !== 'number') return false;
    if (!(seconds >= 0 && seconds <= MAX_VISIBILITY_SECONDS)) return false; // fauxqs' own range check
    return now - at + seconds * 1000 > MAX_VISIBILITY_SECONDS * 1000;
  };

  /** Handles received more than 12 hours ago can no longer be in flight: forget them. */
  const forgetExpired = (now) => {
    for (const [handle, at] of receivedAt) {
      if (now - at <= MAX_VISIBILITY_SECONDS * 1000) break;
      receivedAt.delete(handle);
    }
  };

  app.addHook('preHandler', async (request) => {
    const action = sqsAction(request);
    const body = bodyOf(request);
    if (body === undefined) return;
    const now = Date.now();
    if (action === 'ReceiveMessage') {
      receiveArrived.set(request, now);
      forgetExpired(now);
    } else if (action === 'ChangeMessageVisibility') {
      if (beyondLimit(body.ReceiptHandle, body.VisibilityTimeout, now)) {
        refusedChanges.set(request, new Map([[SINGLE, body.VisibilityTimeout]]));
        body.VisibilityTimeout = OUT_OF_RANGE;
      }
    } else if (action === 'ChangeMessageVisibilityBatch' && Array.isArray(body.Entries)) {
      const refused = new Map();
      for (const entry of body.Entries) {
        if (typeof entry !== 'object' || entry === null) continue;
        if (!beyondLimit(entry.ReceiptHandle, entry.VisibilityTimeout, now)) continue;
        refused.set(entry.Id, entry.VisibilityTimeout);
        entry.VisibilityTimeout = OUT_OF_RANGE;
      }
      if (refused.size > 0) refusedChanges.set(request, refused);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string') return payload;
    const arrived = receiveArrived.get(request);
    if (arrived !== undefined && reply.statusCode === 200) {
      for (const message of JSON.parse(payload).Messages ?? [])
        receivedAt.set(message.ReceiptHandle, arrived);
      return payload;
    }
    const refused = refusedChanges.get(request);
    if (refused === undefined) return payload;
    if (refused.has(SINGLE)) {
      if (reply.statusCode !== 400 || !payload.includes('#InvalidParameterValue')) return payload;
      const error = sqsError('InvalidParameterValue', beyondLimitMessage(refused.get(SINGLE)));
      reply.headers(error.headers);
      return error.body;
    }
    if (reply.statusCode !== 200) return payload;
    const answer = JSON.parse(payload);
    for (const failed of answer.Failed ?? []) {
      if (refused.has(failed.Id) && failed.Code === 'InvalidParameterValue') {
        failed.Message = beyondLimitMessage(refused.get(failed.Id));
      }
    }
    return JSON.stringify(answer);
  });
}
