import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Text with a title change (OSC ... BEL), hidden text (CSI 8m) and a C1 CSI: what a hostile server may answer. */
export const HOSTILE_TEXT = '\u001b]0;PWNED-TITLE\u0007\u001b[8m\u009b2J';

/**
 * An SQS-compatible server (JSON protocol) on 127.0.0.1 that answers with terminal escape sequences
 * where SQS puts text: the first ReceiveMessage returns one message whose id and `reason` attribute
 * hold them, ChangeMessageVisibilityBatch succeeds, and every other call fails with an error message
 * that holds them.
 */
const BODY = JSON.stringify({ tokens: ['hostileToken1'] });

export async function startHostileSqs(): Promise<{ readonly endpoint: string; close(): Promise<void> }> {
  let received = false;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const action = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(body));
      };
      if (action === 'ReceiveMessage') {
        const messages = received
          ? []
          : [
              {
                MessageId: `id-${HOSTILE_TEXT}-end`,
                ReceiptHandle: 'receipt-1',
                Body: BODY,
                MD5OfBody: createHash('md5').update(BODY).digest('hex'),
                Attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '3' },
                MessageAttributes: { reason: { DataType: 'String', StringValue: HOSTILE_TEXT } },
              },
            ];
        received = true;
        reply(200, { Messages: messages });
      } else if (action === 'ChangeMessageVisibilityBatch') {
        reply(200, { Successful: [{ Id: '0' }], Failed: [] });
      } else {
        reply(400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: `gone ${HOSTILE_TEXT} away` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
