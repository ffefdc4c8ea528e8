// What the rules in this folder read from and write to SQS's JSON protocol (the one @aws-sdk/client-sqs
// speaks): the action of a request, and an error answer shaped like SQS's.

/** Content type of every SQS JSON-protocol request and answer. */
export const SQS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * Requests this server makes to itself (app.inject) carry this header: the rules skip them, so a rule's own
 * look-up adds no latency and is not judged.
 */
export const INTERNAL_REQUEST_HEADER = 'x-local-sqs-internal';

/**
 * The SQS action of a client's request (`X-Amz-Target: AmazonSQS.ReceiveMessage` gives 'ReceiveMessage'),
 * or undefined for anything else (fauxqs' own routes, SNS, S3, this server's internal requests).
 * @param {import('fastify').FastifyRequest} request
 * @returns {string | undefined}
 */
export function sqsAction(request) {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith('AmazonSQS.')) return undefined;
  if (request.headers[INTERNAL_REQUEST_HEADER] !== undefined) return undefined;
  return target.slice('AmazonSQS.'.length);
}

/**
 * The parsed JSON body of a request, when it is an object (fauxqs parses SQS bodies before preHandler).
 * @param {import('fastify').FastifyRequest} request
 * @returns {Record<string, unknown> | undefined}
 */
export function bodyOf(request) {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined;
}

/**
 * An SQS error answer as the JSON protocol carries it: `__type` and `message` in the body, and the
 * query-compatible code in `x-amzn-query-error`, from which the AWS SDK names the error (`error.name`).
 * @param {string} code e.g. 'OverLimit'
 * @param {string} message
 * @returns {{ readonly body: string, readonly headers: Readonly<Record<string, string>> }}
 */
export function sqsError(code, message) {
  return {
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }),
    headers: { 'content-type': SQS_JSON_CONTENT_TYPE, 'x-amzn-query-error': `${code};Sender` },
  };
}

/**
 * Asks this server's own SQS API (app.inject, marked internal so that no rule judges or delays it).
 * @param {import('fastify').FastifyInstance} app
 * @param {string} action e.g. 'GetQueueAttributes'
 * @param {Record<string, unknown>} input
 * @returns {Promise<Record<string, any> | undefined>} the answer, or undefined when SQS answered an error
 */
export async function askSelf(app, action, input) {
  const answer = await app.inject({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': SQS_JSON_CONTENT_TYPE,
      'x-amz-target': `AmazonSQS.${action}`,
      [INTERNAL_REQUEST_HEADER]: '1',
    },
    payload: JSON.stringify(input),
  });
  return answer.statusCode === 200 ? answer.json() : undefined;
}
