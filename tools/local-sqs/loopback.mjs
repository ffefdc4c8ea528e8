// The one way this project starts fauxqs (an SQS-compatible server): on 127.0.0.1 only, and as strict as
// SQS where fauxqs is not (README.md in this folder).
//
// fauxqs' own startFauxqs() listens on 0.0.0.0, so this builds its fastify app (buildApp, its public entry
// point), adds SQS's latency and rules as fastify hooks, and listens on loopback itself.
import { setDeadLetterSourceArn } from './dead-letter-source.mjs';
import { buildApp } from './fauxqs.mjs';
import { enforceInFlightLimit } from './in-flight-limit.mjs';
import { addLatency } from './latency.mjs';
import { resolveOptions } from './options.mjs';
import { useCalledHostInQueueUrls } from './queue-urls.mjs';
import { enforceVisibilityLimit } from './visibility-limit.mjs';

/** Loopback only: nothing outside this machine can reach the queues (they hold raw tokens). */
export const LOOPBACK_HOST = '127.0.0.1';

/** The `host` fauxqs builds queue URLs from (replaced by the called host, see queue-urls.mjs). */
const FAUXQS_HOST = 'localhost';

/**
 * Starts fauxqs in this process on 127.0.0.1, with SQS's latency, 12-hour visibility rule and in-flight
 * limit. Options not given come from their environment variables, else their defaults (options.mjs).
 * @param {import('./options.d.mts').LocalSqsOptions} [options]
 * @returns {Promise<import('./loopback.d.mts').LoopbackSqsServer>}
 */
export async function startLoopbackSqs(options = {}) {
  const { port, latencyMs, maxInFlightMessages } = resolveOptions(options);
  const app = buildApp({ logger: false, host: FAUXQS_HOST });
  let listeningPort = port;
  addLatency(app, latencyMs);
  enforceVisibilityLimit(app);
  enforceInFlightLimit(app, maxInFlightMessages);
  setDeadLetterSourceArn(app);
  useCalledHostInQueueUrls(app, FAUXQS_HOST, () => `${LOOPBACK_HOST}:${listeningPort}`);
  await app.listen({ port, host: LOOPBACK_HOST });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error(`local SQS server: unexpected listening address ${String(address)}`);
  }
  listeningPort = address.port;
  return {
    port: address.port,
    endpoint: `http://${LOOPBACK_HOST}:${address.port}`,
    latencyMs,
    maxInFlightMessages,
    stop: () => app.close(),
  };
}
