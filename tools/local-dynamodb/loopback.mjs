// The one way this project starts dynalite (a DynamoDB-compatible server, in memory): on 127.0.0.1 only.
import dynalite from 'dynalite';

/** Loopback only: nothing outside this machine can reach the tables. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * Starts dynalite in this process on 127.0.0.1, in memory, tables ACTIVE at once.
 * @param {{ readonly port?: number }} [options] port 0 (the default) picks a free one
 * @returns {Promise<import('./loopback.d.mts').LoopbackDynamoDbServer>}
 */
export async function startLoopbackDynamoDb(options = {}) {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port: ${String(port)} is not an integer between 0 and 65535`);
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    server.close();
    throw new Error(`local DynamoDB server: unexpected listening address ${String(address)}`);
  }
  return {
    port: address.port,
    endpoint: `http://${LOOPBACK_HOST}:${address.port}`,
    stop: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve(undefined)));
        // Clients keep connections alive: close them, or close() waits for its 30 s timeout.
        server.closeAllConnections();
      }),
  };
}
