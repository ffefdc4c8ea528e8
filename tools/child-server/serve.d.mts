/**
 * Starts a server, prints `describe(server)` (by default {"port": N}) as one JSON line on stdout, stops it
 * when stdin closes or a signal arrives; a server that cannot start exits 2 with `name: reason` on stderr.
 */
export declare function serveForParent<S extends { readonly port: number; stop(): Promise<void> }>(
  start: () => Promise<S>,
  options?: {
    /** @default 'local server' */
    readonly name?: string;
    /** @default the port alone */
    readonly describe?: (server: S) => Record<string, unknown>;
  },
): Promise<void>;
