// SQS's DeadLetterQueueSourceArn, which fauxqs does not set: a message SQS moves to a dead-letter queue
// (after maxReceiveCount receives of its source queue) carries the source queue's ARN as a system
// attribute, which receives return when asked for (`All` or `DeadLetterQueueSourceArn`). It keeps its
// MessageId when moved, in SQS as in fauxqs; so this remembers which queue each message with a redrive
// policy was sent to, and a message received from another queue than the one it was sent to was moved.
import { askSelf, bodyOf, sqsAction } from './sqs-wire.mjs';

/** Messages remembered at most (the oldest are forgotten first: they lose the attribute). */
export const MAX_REMEMBERED_MESSAGES = 200_000;

const ATTRIBUTE = 'DeadLetterQueueSourceArn';

/** `http://127.0.0.1:PORT/000000000000/NAME` -> `NAME`. */
const nameOf = (queueUrl) => (typeof queueUrl === 'string' ? (queueUrl.split('/').pop() ?? '') : '');

/** @param {Record<string, unknown>} body */
function asksForSourceArn(body) {
  const names = [body.MessageSystemAttributeNames, body.AttributeNames].flatMap((value) =>
    Array.isArray(value) ? value : [],
  );
  return names.includes('All') || names.includes(ATTRIBUTE);
}

/**
 * Sets DeadLetterQueueSourceArn on messages fauxqs moved to a dead-letter queue.
 * @param {import('fastify').FastifyInstance} app fauxqs' app, before it listens
 */
export function setDeadLetterSourceArn(app) {
  /** Names of queues with a redrive policy, and of the dead-letter queues they name. */
  const redriven = new Set();
  const deadLetterQueues = new Set();
  /** MessageId -> name of the queue it was sent to (queues with a redrive policy only). */
  const sentTo = new Map();
  /** Queue name -> ARN. */
  const arns = new Map();

  const remember = (messageId, queueName) => {
    sentTo.set(messageId, queueName);
    if (sentTo.size > MAX_REMEMBERED_MESSAGES) sentTo.delete(sentTo.keys().next().value);
  };
  const arnOf = async (queueUrl) => {
    const name = nameOf(queueUrl);
    if (!arns.has(name)) {
      const answer = await askSelf(app, 'GetQueueAttributes', {
        QueueUrl: queueUrl,
        AttributeNames: ['QueueArn'],
      });
      if (answer === undefined) return undefined;
      arns.set(name, answer.Attributes?.QueueArn);
    }
    return arns.get(name);
  };

  app.addHook('preHandler', async (request) => {
    const action = sqsAction(request);
    if (action !== 'CreateQueue' && action !== 'SetQueueAttributes') return;
    const body = bodyOf(request);
    const policy = body?.Attributes?.RedrivePolicy;
    if (body === undefined || typeof policy !== 'string') return;
    const name = action === 'CreateQueue' ? body.QueueName : nameOf(body.QueueUrl);
    if (policy === '') {
      redriven.delete(name);
      return;
    }
    redriven.add(name);
    try {
      const target = JSON.parse(policy).deadLetterTargetArn;
      if (typeof target === 'string') deadLetterQueues.add(target.split(':').pop());
    } catch {
      // fauxqs answers a bad policy itself.
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || reply.statusCode !== 200) return payload;
    const action = sqsAction(request);
    const body = bodyOf(request);
    if (body === undefined) return payload;
    if (action === 'SendMessage' || action === 'SendMessageBatch') {
      const queueName = nameOf(body.QueueUrl);
      if (!redriven.has(queueName)) return payload;
      const answer = JSON.parse(payload);
      const ids =
        action === 'SendMessage' ? [answer.MessageId] : (answer.Successful ?? []).map((e) => e.MessageId);
      for (const id of ids) if (typeof id === 'string') remember(id, queueName);
      return payload;
    }
    if (action !== 'ReceiveMessage' || !asksForSourceArn(body)) return payload;
    // Only dead-letter queues hold moved messages: receives from the others pass untouched.
    const receivedFrom = nameOf(body.QueueUrl);
    if (!deadLetterQueues.has(receivedFrom)) return payload;
    const answer = JSON.parse(payload);
    let changed = false;
    for (const message of answer.Messages ?? []) {
      const source = sentTo.get(message.MessageId);
      if (source === undefined || source === receivedFrom) continue;
      const arn = await arnOf(body.QueueUrl.replace(/[^/]*$/, source));
      if (arn === undefined) continue;
      message.Attributes = { ...message.Attributes, [ATTRIBUTE]: arn };
      changed = true;
    }
    return changed ? JSON.stringify(answer) : payload;
  });
}
