/** Starts a server, prints {"port": N} on stdout, stops it when stdin closes or a signal arrives. */
export declare function serveForParent(
  start: () => Promise<{ readonly port: number; stop(): Promise<void> }>,
): Promise<void>;
