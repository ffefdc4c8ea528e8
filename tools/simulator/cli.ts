/**
 * Runs the Stack Exchange simulator on its own: `npx tsx tools/simulator/cli.ts --port 8080`.
 * Prints one JSON line with the base URL, then serves until interrupted or until stdin closes
 * (so a parent process that dies never leaves it behind).
 */
import { parseArgs } from 'node:util';
import { fingerprint } from '../../functions/lib/tokens';
import { startSimulator } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'latency-ms': { type: 'string', default: '0' },
    'max-requests-per-second': { type: 'string', default: '30' },
    issue: { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'Usage: tsx tools/simulator/cli.ts [--port N] [--seed N] [--latency-ms N] [--max-requests-per-second N] [--issue N]\n' +
      '  --issue N creates N live tokens and prints their fingerprints (the tokens themselves are never printed).\n',
  );
  process.exit(0);
}

startSimulator({
  port: Number(values.port),
  seed: Number(values.seed),
  latencyMs: Number(values['latency-ms']),
  maxRequestsPerSecond: Number(values['max-requests-per-second']),
}).then((simulator) => {
  const issued = simulator.issueTokens(Number(values.issue));
  process.stdout.write(`${JSON.stringify({ url: simulator.url, issued: issued.map(fingerprint) })}\n`);
  const stop = () => simulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
});
