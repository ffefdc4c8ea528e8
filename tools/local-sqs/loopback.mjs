// The one way this project starts fauxqs (an SQS-compatible server): on 127.0.0.1 only.
//
// fauxqs 1.9.2's startFauxqs() ignores the host it is given and listens on 0.0.0.0, so this builds
// its fastify app and listens on loopback itself. The app's SqsStore gets an empty `host`: queue URLs
// are then taken from the request's Host header, http://127.0.0.1:PORT/000000000000/NAME, the same
// address the clients use as their endpoint (no *.localhost name that does not resolve).
import { buildApp } from 'fauxqs';

/** Loopback only: nothing outside this machine can reach the queues (they hold raw tokens). */
export const LOOPBACK_HOST = '127.0.0.1';

// SqsStore is not among fauxqs' package exports: load it by file from next to the entry point
// (fauxqs is pinned to 1.9.2; test/local-sqs checks the resulting queue URLs).
const { SqsStore } = await import(new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs')).href);

/**
 * Starts fauxqs in this process on 127.0.0.1.
 * @param {{ readonly port?: number }} [options] port 0 (the default) picks a free one
 * @returns {Promise<import('./loopback.d.mts').LoopbackSqsServer>}
 */
export async function startLoopbackSqs(options = {}) {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port: ${String(port)} is not an integer between 0 and 65535`);
  }
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  const app = buildApp({ logger: false, stores: { sqsStore } });
  await app.listen({ port, host: LOOPBACK_HOST });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error(`local SQS server: unexpected listening address ${String(address)}`);
  }
  return {
    port: address.port,
    endpoint: `http://${LOOPBACK_HOST}:${address.port}`,
    stop: () => app.close(),
  };
}
