/**
 * `npm run bill`: the real monthly bill (idle, 0.5, 2 and 20 tokens/s) of what `cdk synth` deploys,
 * without the whole benchmark: run times from the last `npm run bench` (tools/bench/results.json),
 * log bytes and metrics measured now on the real functions. Markdown on stdout.
 */
import { startLocalSqs } from '../local-sqs';
import { billsFor, readBenchFigures } from './bill';
import { billMarkdown } from './monthly-bill';

async function main() {
  const sqs = await startLocalSqs();
  try {
    const { bills } = await billsFor(sqs, readBenchFigures());
    return billMarkdown(bills);
  } finally {
    await sqs.stop();
  }
}

main().then(
  (markdown) => process.stdout.write(`${markdown}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
