/**
 * Runs the Stack Exchange simulator on its own: `npx tsx tools/simulator/cli.ts --port 8080 --seed 1 --issue 5`.
 * Prints one JSON line, `{"url": ..., "issued": [fingerprints]}` (issued tokens are secrets even here:
 * only their fingerprints are printed), then serves until interrupted or until stdin ends, so a parent
 * process that dies never leaves it behind.
 */
import { parseArgs } from 'node:util';
import { fingerprint } from '../../functions/lib/tokens';
import { startSimulator } from './server';
import { FAULT_KINDS, type FaultKind, type SimulatorOptions } from './types';

const USAGE = `Usage: npx tsx tools/simulator/cli.ts [options]
  --port N                      port on 127.0.0.1 (default 0: any free port)
  --seed N                      seed of every random draw (default 1)
  --latency-ms N | MIN-MAX      per-request latency (default 0)
  --max-requests-per-second N   throttle threshold per client (default 30)
  --ban-seconds N               ban after a throttle violation (default 30)
  --fault-rate R                probability of a random fault per request, 0..1 (default 0)
  --faults K1,K2                fault kinds to draw from (default: internal_error)
  --backoff-seconds N           backoff sent by the 'backoff' fault (default 2)
  --required-key KEY            require this app key
  --quota-max N                 calls a day, quota_max (default 10000)
  --quota-reset-seconds N       once the quota is spent, refuse every call for N seconds (default 80000)
  --compression auto|gzip|deflate|none   (default auto)
  --issue N                     create N live tokens and print their fingerprints
  --help
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) fail(`--${name} must be a number >= 0`);
  return value;
}

function latency(text: string | undefined): SimulatorOptions['latencyMs'] {
  const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text ?? '');
  if (range) return { min: Number(range[1]), max: Number(range[2]) };
  return number('latency-ms', text);
}

function faultKinds(text: string | undefined): FaultKind[] {
  const kinds = (text ?? 'internal_error').split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) fail(`unknown fault kind: ${kind}`);
  }
  return kinds as FaultKind[];
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        'latency-ms': { type: 'string' },
        'max-requests-per-second': { type: 'string' },
        'ban-seconds': { type: 'string' },
        'fault-rate': { type: 'string' },
        faults: { type: 'string' },
        'backoff-seconds': { type: 'string' },
        'required-key': { type: 'string' },
        'quota-max': { type: 'string' },
        'quota-reset-seconds': { type: 'string' },
        compression: { type: 'string' },
        issue: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}
const values = parse();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const compression = values.compression ?? 'auto';
if (!['auto', 'gzip', 'deflate', 'none'].includes(compression))
  fail('--compression must be auto, gzip, deflate or none');
const faultRate = number('fault-rate', values['fault-rate']) ?? 0;
if (faultRate > 1) fail('--fault-rate must be between 0 and 1');

const options: SimulatorOptions = {
  port: number('port', values.port) ?? 0,
  seed: number('seed', values.seed) ?? 1,
  latencyMs: latency(values['latency-ms']),
  maxRequestsPerSecond: number('max-requests-per-second', values['max-requests-per-second']) ?? 30,
  banSeconds: number('ban-seconds', values['ban-seconds']) ?? 30,
  backoffSeconds: number('backoff-seconds', values['backoff-seconds']) ?? 2,
  compression: compression as NonNullable<SimulatorOptions['compression']>,
  quotaMax: number('quota-max', values['quota-max']) ?? 10_000,
  quotaResetSeconds: number('quota-reset-seconds', values['quota-reset-seconds']) ?? 80_000,
  ...(values['required-key'] === undefined ? {} : { requiredKey: values['required-key'] }),
  ...(faultRate > 0 ? { faults: { rate: faultRate, kinds: faultKinds(values.faults) } } : {}),
};
const issue = number('issue', values.issue) ?? 0;

startSimulator(options).then(
  (simulator) => {
    const issued = simulator.issueTokens(Math.floor(issue));
    process.stdout.write(`${JSON.stringify({ url: simulator.url, issued: issued.map(fingerprint) })}\n`);
    const stop = () => simulator.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.stdin.on('end', stop);
    process.stdin.resume();
  },
  (error: unknown) => fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`),
);
