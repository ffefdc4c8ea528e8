// Real SQS calls take about 5-20 ms each in-region; fauxqs answers in well under 1 ms, which hides
// sequential SQS work (issue 16: a consumer that receives and deletes one call after another). This holds
// every SQS call for a fixed time before fauxqs handles it.
import { setTimeout as sleep } from 'node:timers/promises';
import { sqsAction } from './sqs-wire.mjs';

/**
 * Adds `latencyMs` to every SQS call (long polls too: the wait comes on top of their own).
 * @param {import('fastify').FastifyInstance} app fauxqs' app, before it listens
 * @param {number} latencyMs 0 adds nothing
 */
export function addLatency(app, latencyMs) {
  if (latencyMs === 0) return;
  app.addHook('onRequest', async (request) => {
    if (sqsAction(request) !== undefined) await sleep(latencyMs);
  });
}
