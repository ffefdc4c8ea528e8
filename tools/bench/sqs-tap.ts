import { once } from 'node:events';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message a ReceiveMessage answer carried. */
export interface ReceiveSeen {
  /** Date.now() when the ReceiveMessage request reached the tap (before SQS's latency). */
  readonly requestedAt: number;
  /** Date.now() when its answer passed the tap. */
  readonly answeredAt: number;
  /** The queue's name (the last part of its URL). */
  readonly queue: string;
  readonly messageId: string;
  /** ApproximateReceiveCount, when the receiver asked for it. */
  readonly receiveCount: number | undefined;
}

/**
 * A loopback HTTP proxy in front of the local SQS server that sees every receive, whoever makes it:
 * the event source model in this process and the function processes alike (their AWS_ENDPOINT_URL_SQS
 * is the tap). Queue URLs name the tap (the local server answers with the host it was called by).
 */
export interface SqsTap {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** Every message received through the tap so far, in answer order. */
  readonly receives: readonly ReceiveSeen[];
  /** SQS requests through the tap, by action (ReceiveMessage, DeleteMessageBatch, ...). */
  readonly requests: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

interface ReceiveAnswer {
  readonly Messages?: readonly {
    readonly MessageId?: string;
    readonly Attributes?: { readonly ApproximateReceiveCount?: string };
  }[];
}

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** The queue name of a JSON-protocol request body (`QueueUrl`), or '' when it has none. */
function queueOf(body: Buffer): string {
  try {
    const url = (JSON.parse(body.toString('utf8')) as { QueueUrl?: unknown }).QueueUrl;
    return typeof url === 'string' ? (url.split('/').pop() ?? '') : '';
  } catch {
    return '';
  }
}

/** Starts the tap on 127.0.0.1 in front of `target` (the local SQS server's endpoint). */
export async function startSqsTap(target: string): Promise<SqsTap> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const receives: ReceiveSeen[] = [];
  const requests: Record<string, number> = {};
  const server = createServer(async (incoming, outgoing) => {
    try {
      const requestedAt = Date.now();
      const body = await readAll(incoming);
      const target = incoming.headers['x-amz-target'];
      const action = typeof target === 'string' ? target.replace(/^AmazonSQS\./, '') : 'other';
      requests[action] = (requests[action] ?? 0) + 1;
      const answer = await new Promise<IncomingMessage>((resolve, reject) => {
        const forwarded = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
            agent,
          },
          resolve,
        );
        forwarded.on('error', reject);
        forwarded.end(body);
      });
      const payload = await readAll(answer);
      if (action === 'ReceiveMessage' && answer.statusCode === 200) {
        const answeredAt = Date.now();
        const queue = queueOf(body);
        const parsed = JSON.parse(payload.toString('utf8')) as ReceiveAnswer;
        for (const message of parsed.Messages ?? []) {
          const count = Number(message.Attributes?.ApproximateReceiveCount);
          receives.push({
            requestedAt,
            answeredAt,
            queue,
            messageId: message.MessageId ?? '',
            receiveCount: Number.isFinite(count) ? count : undefined,
          });
        }
      }
      outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
      outgoing.end(payload);
    } catch {
      outgoing.destroy();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    receives,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
