// Queue URLs every client here can use: http://127.0.0.1:PORT/000000000000/NAME.
//
// fauxqs 2.x names queues http://sqs.REGION.HOST:PORT/000000000000/NAME, whatever `host` buildApp is given;
// names under `.localhost` do not resolve on these machines, and `sqs.us-east-1.127.0.0.1` is no address.
// fauxqs 2.x finds a queue by the name at the end of its URL, whatever the host, so the answers that carry
// queue URLs (CreateQueue, GetQueueUrl, ListQueues) are given the host the client called instead: the
// loopback address and port it uses as its endpoint.
import { sqsAction } from './sqs-wire.mjs';

const ANSWERS_WITH_QUEUE_URLS = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues']);

/**
 * Rewrites fauxqs' queue URLs to the Host the client called.
 * @param {import('fastify').FastifyInstance} app fauxqs' app, before it listens
 * @param {string} fauxqsHost the `host` given to buildApp
 * @param {() => string} fallbackHost `127.0.0.1:PORT`, for a request without a Host header
 */
export function useCalledHostInQueueUrls(app, fauxqsHost, fallbackHost) {
  const escaped = fauxqsHost.replaceAll('.', '\\.');
  const fauxqsOrigin = new RegExp(`http://sqs\\.[a-z0-9-]+\\.${escaped}(?::\\d+)?/`, 'g');
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || reply.statusCode !== 200) return payload;
    if (!ANSWERS_WITH_QUEUE_URLS.has(sqsAction(request) ?? '')) return payload;
    return payload.replace(fauxqsOrigin, `http://${request.headers.host ?? fallbackHost()}/`);
  });
}
