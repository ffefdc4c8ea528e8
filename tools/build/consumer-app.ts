/**
 * The package as consumers get it, offline: `npm run pack` (./pack.ts), then a fresh app that installs the tarball
 * with npm. A platform team's CDK app adds aws-cdk-lib, constructs and cdk-nag; an application
 * team's service adds nothing. Neither has esbuild, tsx or TypeScript. So that npm needs no registry,
 * every dependency is a `file:` link to this repository's node_modules (the tarball's own
 * dependencies too, at the versions the lock file pins); the tarball itself is extracted into the app
 * as by any npm install. Used by test/package and by `npm run size`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { HANDLER_BUILD_OPTIONS } from './handlers';

export { type PackedPackage, packPackage } from './pack';

const run = promisify(execFile);

/** What each kind of consumer depends on besides the package. */
export const CONSUMER_DEPENDENCIES = {
  /** A platform team's CDK app. */
  platform: ['aws-cdk-lib', 'constructs', 'cdk-nag'],
  /** An application team's service: the enqueue library only, no CDK. */
  service: [],
} as const;
export type ConsumerKind = keyof typeof CONSUMER_DEPENDENCIES;

const NPM_FLAGS = ['--offline', '--no-audit', '--no-fund', '--loglevel=error'] as const;

/** Creates an app in `appDir` and installs the tarball into it with npm, offline. */
export async function installConsumerApp(
  root: string,
  appDir: string,
  tarball: string,
  kind: ConsumerKind,
): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const linked = [...CONSUMER_DEPENDENCIES[kind], ...Object.keys(manifest.dependencies)];
  const dependencies: Record<string, string> = {};
  for (const name of linked) dependencies[name] = `file:${resolve(root, 'node_modules', name)}`;
  // Last: npm 11 places dependencies in this order, and fails ("reading 'matches'") when it meets the
  // tarball's peer dependencies before their links.
  dependencies['token-revoker'] = `file:${resolve(tarball)}`;
  mkdirSync(appDir, { recursive: true });
  writeFileSync(
    join(appDir, 'package.json'),
    `${JSON.stringify({ name: `${kind}-app`, version: '1.0.0', private: true, dependencies }, null, 2)}\n`,
  );
  // Offline, npm 11 looks up the manifests of optional peers it will not install, and fails in a
  // service on the missing constructs ("Found: constructs@undefined"); online it builds the same
  // tree as this. A platform app has the peers, and npm checks them.
  const peers = kind === 'service' ? ['--legacy-peer-deps'] : [];
  await run('npm', ['install', '--install-links=false', '--ignore-scripts', ...peers, ...NPM_FLAGS], {
    cwd: appDir,
  });
}

export interface EnqueueOnlyBundle {
  /** The bundle: exports `handler(event: { tokens, reason })`. */
  readonly file: string;
  readonly bytes: number;
  /** The files that contributed code to the bundle (after tree shaking). */
  readonly inputs: readonly string[];
}

/**
 * Bundles, from the installed package, a Lambda function that only enqueues, the way an application
 * team deploys one: the handlers' esbuild options without the source map, the AWS SDK external.
 * It reads its queue from REVOCATION_QUEUE_URL; SQS_ENDPOINT (tests) points its client elsewhere.
 */
export async function bundleEnqueueOnly(
  appDir: string,
  options: {
    /**
     * Bundle the package's CommonJS build instead of its ES module (no `module` export condition), as
     * a bundler that ignores that condition would.
     * @default false
     */
    readonly commonJs?: boolean;
  } = {},
): Promise<EnqueueOnlyBundle> {
  const entry = join(appDir, 'enqueue-only.mjs');
  writeFileSync(
    entry,
    [
      "import { SQSClient } from '@aws-sdk/client-sqs';",
      "import { enqueueTokens } from 'token-revoker';",
      '',
      'const sqsClient = new SQSClient({ endpoint: process.env.SQS_ENDPOINT });',
      'export const handler = (event) =>',
      '  enqueueTokens(event.tokens, { queueUrl: process.env.REVOCATION_QUEUE_URL, sqsClient, reason: event.reason });',
      '',
    ].join('\n'),
  );
  const file = join(appDir, options.commonJs ? 'enqueue-only-cjs' : 'enqueue-only', 'index.mjs');
  const result = await build({
    ...HANDLER_BUILD_OPTIONS,
    ...(options.commonJs ? { conditions: [] } : {}),
    sourcemap: false,
    // One file: what the library adds to an application team's function, chunks included.
    splitting: false,
    // An application team's function takes the SDK from the runtime: this measures the library alone.
    external: ['@aws-sdk/*'],
    entryPoints: [entry],
    outfile: file,
    absWorkingDir: appDir,
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs)[0];
  return {
    file,
    bytes: output?.bytes ?? 0,
    inputs: Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  };
}
