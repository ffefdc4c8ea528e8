// Loads fauxqs' buildApp quietly. fauxqs 2.x imports node:sqlite (for a persistence this project does not
// use); on Node 22 that prints "ExperimentalWarning: SQLite is an experimental feature" on stderr, which
// would break the quiet output of tests and `npm start`. That one warning is dropped while fauxqs loads;
// every other warning passes.

/** @param {unknown} warning @param {unknown} typeOrOptions */
function isSqliteExperimental(warning, typeOrOptions) {
  const type = typeof typeOrOptions === 'string' ? typeOrOptions : typeOrOptions?.type;
  const message = warning instanceof Error ? warning.message : String(warning);
  return type === 'ExperimentalWarning' && message.startsWith('SQLite');
}

const emitWarning = process.emitWarning;
process.emitWarning = function emitWarningButSqlite(warning, ...rest) {
  if (isSqliteExperimental(warning, rest[0])) return;
  return emitWarning.call(this, warning, ...rest);
};
let fauxqs;
try {
  fauxqs = await import('fauxqs');
} finally {
  process.emitWarning = emitWarning;
}

/** fauxqs' fastify app factory (its public entry point). */
export const { buildApp } = fauxqs;
