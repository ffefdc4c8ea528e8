import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HANDLER_FOLDERS } from '../../infra/handler-bundles';
import {
  bundleEnqueueOnly,
  installConsumerApp,
  type PackedPackage,
  packPackage,
} from '../../tools/build/consumer-app';
import { CONSUMER_FIELDS, consumerManifest } from '../../tools/build/consumer-manifest';
import { measureSizes, SIZES_END, SIZES_START, sizesParagraph } from '../../tools/build/sizes';
import { LOCAL_CREDENTIALS, type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { NODE_PINS, projectNode } from '../../tools/node-binaries';
import {
  CDK_INIT_COMPILER_OPTIONS,
  loadedSpecifiers,
  OLDER_CDK_INIT_COMPILER_OPTIONS,
  type ProcessRun,
  packageName,
  ROOT,
  readmeStack,
  runIn,
  satisfiesCaret,
} from './consumer';

interface Manifest {
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly peerDependenciesMeta: Record<string, { optional?: boolean }>;
  readonly exports: Record<string, string | Record<string, string>>;
  readonly typesVersions: Record<string, Record<string, string[]>>;
  readonly bin: Record<string, string>;
  readonly main: string;
  readonly types: string;
}

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Modules a consumer's synth must never load: the package ships its handler built. */
const BUILD_TOOLS = /[\\/]node_modules[\\/](esbuild|@esbuild|tsx|typescript|ts-node)[\\/]/;
const CDK_MODULES = /[\\/]node_modules[\\/](aws-cdk-lib|constructs)[\\/]|[\\/]dist[\\/]infra[\\/]/;
const HANDLERS_BUILT = HANDLER_FOLDERS.filter((folder) =>
  existsSync(join(ROOT, 'functions', folder, 'handler.ts')),
);

/** Fake tokens: this test checks they arrive, it never prints one. */
const TOKENS = { cjs: 'packedCjsToken01', esm: 'packedEsmToken02', bundle: 'packedBundleToken3' } as const;
/** The repository's own package.json, as developers have it. */
const DEVELOPMENT_MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<
  string,
  unknown
> & { engines: { node: string } };
/** The Node 22 the project brings (tools/node-binaries): the oldest it runs its tests on. */
const NODE22 = projectNode(22);
/** The first Node 22 whose `require` loads an ES module (ky) without a flag. */
const FIRST_REQUIRE_ESM = [22, 12, 0] as const;
const versionOf = (text: string) =>
  (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)?.slice(1) ?? []).map((part) => Number(part ?? 0));
const notBelow = (version: readonly number[], minimum: readonly number[]) => {
  for (const [index, part] of minimum.entries()) {
    const have = version[index] ?? 0;
    if (have !== part) return have > part;
  }
  return true;
};

describe('token-revoker packed and installed like a dependency', () => {
  let work: string;
  let packed: PackedPackage;
  /** A platform team's CDK app: aws-cdk-lib, constructs, cdk-nag and the tarball. */
  let platform: string;
  /** An application team's service: the tarball only. */
  let service: string;
  let installed: Manifest;
  /** npx in the repository, with a cache of this test's own (npx links the package there). */
  let npxEnv: Record<string, string>;
  let binBeforeRebuild: ProcessRun;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'token-revoker-package-'));
    npxEnv = { PATH: process.env.PATH ?? '', npm_config_cache: join(work, 'npm-cache') };
    // npx links the repository's bin into its cache and makes it executable; packing rebuilds dist/.
    binBeforeRebuild = await runIn(ROOT, 'npx', ['--offline', '--yes', 'token-revoker', '--help'], npxEnv);
    packed = await packPackage(ROOT, work);
    platform = join(work, 'platform');
    service = join(work, 'service');
    await installConsumerApp(ROOT, platform, packed.tarball, 'platform');
    await installConsumerApp(ROOT, service, packed.tarball, 'service');
    installed = JSON.parse(
      readFileSync(join(platform, 'node_modules', 'token-revoker', 'package.json'), 'utf8'),
    ) as Manifest;
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('the tarball', () => {
    it('holds the compiled entry points, the ES module, the prebuilt handlers and the README, nothing else', () => {
      const allowed = [
        /^(README\.md|package\.json|LICENSE)$/,
        /^dist\/(functions|infra)\/[\w/-]+\.(js|d\.ts)$/,
        /^dist\/esm\/index\.mjs$/,
        /^dist\/handlers\/[\w-]+\/index\.mjs(\.map)?$/,
        /^dist\/handlers\/[\w-]+\/chunks\/[\w-]+\.mjs(\.map)?$/,
      ];
      expect(packed.files.filter((file) => !allowed.some((pattern) => pattern.test(file)))).toEqual([]);
      const targets = [
        installed.main,
        installed.types,
        ...Object.values(installed.bin),
        ...Object.values(installed.exports).flatMap((target) =>
          typeof target === 'string' ? [target] : Object.values(target),
        ),
        ...Object.values(installed.typesVersions).flatMap((paths) => Object.values(paths).flat()),
      ].map((target) => target.replace(/^\.\//, ''));
      expect(targets.filter((target) => !packed.files.includes(target))).toEqual([]);
      for (const folder of HANDLERS_BUILT) {
        expect(packed.files).toEqual(
          expect.arrayContaining([
            `dist/handlers/${folder}/index.mjs`,
            `dist/handlers/${folder}/index.mjs.map`,
          ]),
        );
      }
    });

    it('loads only Node built-ins, its dependencies and its peers (bundles: only Node built-ins, the AWS SDK inside)', () => {
      const packageDir = join(platform, 'node_modules', 'token-revoker');
      const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
      const declared = new Set([
        ...Object.keys(installed.dependencies),
        ...Object.keys(installed.peerDependencies),
      ]);
      const strays = packed.files
        .filter((file) => /\.(m?js)$/.test(file))
        .flatMap((file) => {
          const bundle = file.startsWith('dist/handlers/');
          return (
            loadedSpecifiers(readFileSync(join(packageDir, file), 'utf8'))
              .filter((specifier) => !specifier.startsWith('.') && !builtins.has(specifier))
              // The SDK's optional CRT signer is required only when installed (never in Lambda).
              .filter((specifier) =>
                bundle ? specifier !== '@aws-sdk/signature-v4-crt' : !declared.has(packageName(specifier)),
              )
              .map((specifier) => `${file}: ${specifier}`)
          );
        });
      expect(strays).toEqual([]);
    });

    it('carries a package.json with what a consumer needs, no scripts or development setup', () => {
      expect(installed).toEqual(consumerManifest(DEVELOPMENT_MANIFEST));
      expect(
        Object.keys(installed).filter((field) => !(CONSUMER_FIELDS as readonly string[]).includes(field)),
      ).toEqual([]);
      for (const field of [
        'scripts',
        'devDependencies',
        'optionalDependencies',
        'devEngines',
        'overrides',
        'allowScripts',
      ])
        expect(installed).not.toHaveProperty(field);
      // The Node binaries the repository runs on (tools/node-binaries) stay there: none in an app.
      const binaries = [platform, service].flatMap((app) =>
        NODE_PINS.map((pin) => join(app, 'node_modules', pin.alias)).filter((folder) => existsSync(folder)),
      );
      expect(binaries).toEqual([]);
    });

    it('is made by npm run pack: a plain npm pack in the repository is refused and says so', async () => {
      const run = await runIn(ROOT, 'npm', ['pack', '--dry-run', '--offline'], npxEnv);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('run npm run pack');
    });

    it('declares aws-cdk-lib and constructs as optional peers, in ranges the tested versions satisfy', () => {
      for (const peer of ['aws-cdk-lib', 'constructs']) {
        const tested = (
          JSON.parse(readFileSync(join(ROOT, 'node_modules', peer, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version;
        expect(satisfiesCaret(tested, installed.peerDependencies[peer] ?? '')).toBe(true);
        expect(installed.peerDependenciesMeta[peer]).toEqual({ optional: true });
        expect(installed.dependencies[peer]).toBeUndefined();
      }
      // npm installed no CDK into the application team's service.
      expect(existsSync(join(service, 'node_modules', 'aws-cdk-lib'))).toBe(false);
      expect(existsSync(join(service, 'node_modules', 'constructs'))).toBe(false);
    });
  });

  describe("the repository's own bin", () => {
    it('npx token-revoker --help still runs after a rebuild (the build keeps the bin executable)', async () => {
      // Act: packing rebuilt dist/ after npx had linked the bin.
      const after = await runIn(ROOT, 'npx', ['--offline', '--yes', 'token-revoker', '--help'], npxEnv);
      // Assess
      expect(binBeforeRebuild).toMatchObject({ code: 0 });
      expect(after).toMatchObject({ code: 0, stderr: '' });
      expect(after.stdout).toContain('Usage: token-revoker');
      const bin = join(ROOT, String((DEVELOPMENT_MANIFEST.bin as Record<string, string>)['token-revoker']));
      expect(statSync(bin).mode & 0o111).toBe(0o111);
    }, 60_000);
  });

  describe('token-revoker/cdk in a platform team CDK app', () => {
    let typeChecks: { current: ProcessRun; older: ProcessRun };
    let synth: ProcessRun;
    let outdir: string;
    let loaded: string[];
    let template: Template;

    beforeAll(async () => {
      // Prepare: the README's stack, the compiler options of `cdk init`, and a hook that records every
      // module the synth loads (aws-cdk-lib and the construct are CommonJS).
      writeFileSync(join(platform, 'app.ts'), readmeStack());
      writeFileSync(
        join(platform, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: CDK_INIT_COMPILER_OPTIONS, files: ['app.ts'] }),
      );
      writeFileSync(
        join(platform, 'tsconfig.older.json'),
        JSON.stringify({ compilerOptions: OLDER_CDK_INIT_COMPILER_OPTIONS, files: ['app.ts'] }),
      );
      writeFileSync(
        join(platform, 'record-modules.cjs'),
        "process.on('exit', () => require('node:fs').writeFileSync('loaded-modules.json', JSON.stringify(Object.keys(require.cache))));\n",
      );
      outdir = join(platform, 'cdk.out');
      // Act: compile with this repository's tsc (the app has none), then synthesize as `cdk synth` would.
      typeChecks = {
        current: await runIn(platform, process.execPath, [TSC, '-p', 'tsconfig.json']),
        older: await runIn(platform, process.execPath, [TSC, '-p', 'tsconfig.older.json']),
      };
      synth = await runIn(platform, process.execPath, ['--require', './record-modules.cjs', 'out/app.js'], {
        CDK_OUTDIR: outdir,
      });
      if (synth.code !== 0) return;
      loaded = JSON.parse(readFileSync(join(platform, 'loaded-modules.json'), 'utf8')) as string[];
      template = Template.fromJSON(
        JSON.parse(readFileSync(join(outdir, 'TokenRevocation.template.json'), 'utf8')) as Record<
          string,
          unknown
        >,
      );
    }, 120_000);

    it('type-checks the README stack with the compiler options of cdk init, new and older', () => {
      expect(typeChecks.current).toMatchObject({ code: 0, stdout: '' });
      expect(typeChecks.older).toMatchObject({ code: 0, stdout: '' });
    });

    it('synthesizes offline with cdk-nag (AwsSolutions, Serverless) and loads no build tool', () => {
      // An unacknowledged finding of either pack makes the synth throw and exit non-zero.
      expect(synth).toMatchObject({ code: 0 });
      expect(loaded.filter((file) => BUILD_TOOLS.test(file))).toEqual([]);
      const construct = realpathSync(join(platform, 'node_modules', 'token-revoker', 'dist', 'infra'));
      expect(loaded.some((file) => file.startsWith(construct))).toBe(true);
    });

    it('reports nothing unacknowledged; every acknowledgement has its reason', () => {
      expect(synth).toMatchObject({ code: 0 });
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: {
          pluginName: string;
          conclusion: string;
          violations: unknown[];
          suppressedViolations?: { ruleName: string; reason?: string }[];
        }[];
      };
      for (const plugin of report.pluginReports) {
        expect(plugin).toMatchObject({ conclusion: 'success', violations: [] });
        for (const suppressed of plugin.suppressedViolations ?? [])
          expect(suppressed.reason?.length ?? 0).toBeGreaterThan(40);
      }
    });

    it('deploys the prebuilt handler from the package as the function code', () => {
      expect(synth).toMatchObject({ code: 0 });
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(functions.length).toBeGreaterThan(0);
      const handlers = join(platform, 'node_modules', 'token-revoker', 'dist', 'handlers');
      const bundles = readdirSync(handlers).map((folder) =>
        readFileSync(join(handlers, folder, 'index.mjs')),
      );
      for (const fn of functions) {
        const properties = fn.Properties as { Handler: string; Runtime: string; Code: { S3Key: string } };
        expect(properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
        const asset = join(outdir, `asset.${properties.Code.S3Key.replace(/\.zip$/, '')}`);
        expect(readdirSync(asset).sort()).toEqual(['chunks', 'index.mjs', 'index.mjs.map']);
        const code = readFileSync(join(asset, 'index.mjs'));
        expect(bundles.some((bundle) => bundle.equals(code))).toBe(true);
        // Every chunk the entry imports travels with it (the AWS SDK clients, loaded on first use).
        const imported = [...code.toString('utf8').matchAll(/"\.\/(chunks\/[\w-]+\.mjs)"/g)].map(
          (m) => m[1] ?? '',
        );
        expect(imported.length).toBeGreaterThan(0);
        expect(imported.filter((chunk) => !existsSync(join(asset, chunk)))).toEqual([]);
      }
    });

    it('has the queue, its dead-letter queue, the alarms on both and on the handler metrics, and the grant', () => {
      expect(synth).toMatchObject({ code: 0 });
      const queues = template.findResources('AWS::SQS::Queue');
      const redriven = Object.values(queues).filter(
        (queue) => (queue.Properties as { RedrivePolicy?: unknown }).RedrivePolicy !== undefined,
      );
      expect(redriven.length).toBeGreaterThan(0);
      for (const queue of redriven) {
        const target = (
          queue.Properties as { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': string[] } } }
        ).RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
        expect(Object.keys(queues)).toContain(target);
      }
      const { MetricName } = createRequire(join(platform, 'package.json'))('token-revoker/cdk') as {
        MetricName: Record<string, string>;
      };
      const alarmed = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (alarm) => (alarm.Properties as { MetricName?: string }).MetricName,
      );
      expect(alarmed).toEqual(
        expect.arrayContaining([
          'ApproximateAgeOfOldestMessage',
          'NumberOfMessagesSent', // arrivals in the parked queue
          'Errors',
          MetricName.ConfigurationErrors,
          MetricName.ThrottleViolations,
          MetricName.QuotaRemaining,
        ]),
      );
      // Dead-lettered requests: arrivals computed from the dead-letter queue's depth (metric math).
      const math = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => (alarm.Properties as { Metrics?: unknown }).Metrics !== undefined,
      );
      expect(JSON.stringify(math)).toContain('ApproximateNumberOfMessagesVisible');
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: ['login-service'],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Effect: 'Allow' })]),
        },
      });
    });
  });

  describe('token-revoker in an application team service', () => {
    let sqs: LocalSqs;
    /** A fresh queue, and the environment of a process that enqueues TOKEN to it. */
    const queueFor = async (name: string, token: string) => {
      const { queueUrl } = await sqs.createQueue(name);
      const env = {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        SQS_ENDPOINT: sqs.endpoint,
        REVOCATION_QUEUE_URL: queueUrl,
        TOKEN: token,
      };
      return { queueUrl, env };
    };
    /** The requests on a queue, as { reason, tokens }. */
    const requestsOn = async (queueUrl: string) => {
      const received = await sqs.client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      return (received.Messages ?? []).map((message) => {
        const { reason, tokens } = JSON.parse(message.Body ?? '{}') as { reason?: string; tokens?: string[] };
        return { reason, tokens };
      });
    };
    /** Enqueues TOKEN with the installed library, then prints what was sent and every module loaded. */
    const script = (kind: 'cjs' | 'esm') =>
      [
        kind === 'cjs'
          ? "const { enqueueTokens } = require('token-revoker');\nconst { SQSClient } = require('@aws-sdk/client-sqs');"
          : "import { createRequire } from 'node:module';\nimport { SQSClient } from '@aws-sdk/client-sqs';\nimport { enqueueTokens } from 'token-revoker';\nconst require = createRequire(import.meta.url);",
        'const sqsClient = new SQSClient({ endpoint: process.env.SQS_ENDPOINT });',
        `enqueueTokens([process.env.TOKEN], { queueUrl: process.env.REVOCATION_QUEUE_URL, sqsClient, reason: '${kind}' }).then((result) =>`,
        '  process.stdout.write(JSON.stringify({ sent: result.sent, modules: Object.keys(require.cache) })));',
        '',
      ].join('\n');

    beforeAll(async () => {
      sqs = await startLocalSqs();
      writeFileSync(join(service, 'use-library.cjs'), script('cjs'));
      writeFileSync(join(service, 'use-library.mjs'), script('esm'));
    }, 30_000);
    afterAll(() => sqs?.stop());

    it.each([
      ['require (CommonJS)', 'cjs', 'use-library.cjs', TOKENS.cjs],
      ['import (ES module)', 'esm', 'use-library.mjs', TOKENS.esm],
    ] as const)(
      'enqueues through %s without loading aws-cdk-lib',
      async (_how, kind, file, token) => {
        // Prepare
        const { queueUrl, env } = await queueFor(`library-${kind}`, token);
        // Act
        const run = await runIn(service, process.execPath, [file], env);
        // Assess
        expect(run).toMatchObject({ code: 0, stderr: '' });
        const { sent, modules } = JSON.parse(run.stdout) as { sent: number; modules: string[] };
        expect(sent).toBe(1);
        expect(await requestsOn(queueUrl)).toEqual([{ reason: kind, tokens: [token] }]);
        const library = realpathSync(join(service, 'node_modules', 'token-revoker', 'dist', 'functions'));
        expect(modules.some((module) => module.startsWith(library))).toBe(true); // the cache check sees it
        expect(modules.filter((module) => CDK_MODULES.test(module))).toEqual([]);
      },
      30_000,
    );

    it('bundles a function that only enqueues from the ES module, without the API client or any CDK, and it runs', async () => {
      // Prepare
      const { queueUrl, env } = await queueFor('enqueue-only', TOKENS.bundle);
      // Act
      const bundle = await bundleEnqueueOnly(service);
      const run = await runIn(
        service,
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { handler } = await import(${JSON.stringify(`./${relative(service, bundle.file)}`)}); const r = await handler({ tokens: [process.env.TOKEN], reason: 'bundle' }); process.stdout.write(String(r.sent));`,
        ],
        env,
      );
      // Assess
      expect(bundle.inputs).toContain('node_modules/token-revoker/dist/esm/index.mjs');
      expect(
        bundle.inputs.filter((input) => /aws-cdk-lib|constructs|dist\/infra|[\\/]ky[\\/]/.test(input)),
      ).toEqual([]);
      expect(run).toMatchObject({ code: 0, stdout: '1', stderr: '' });
      expect(await requestsOn(queueUrl)).toEqual([{ reason: 'bundle', tokens: [TOKENS.bundle] }]);
    }, 30_000);

    it('loads with require on the oldest Node the project brings (node22), which engines admits', async () => {
      // Prepare
      expect(NODE22.problem).toBeUndefined();
      // Act
      const run = await runIn(service, NODE22.path ?? 'node22-missing', [
        '-e',
        "const { enqueueTokens } = require('token-revoker'); process.stdout.write(process.version + ' ' + typeof enqueueTokens);",
      ]);
      // Assess: no ERR_REQUIRE_ESM from ky, and no warning either.
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const [version = '', loaded] = run.stdout.split(' ');
      expect(loaded).toBe('function');
      const minimum = versionOf(DEVELOPMENT_MANIFEST.engines.node);
      expect(DEVELOPMENT_MANIFEST.engines.node).toMatch(/^>=\d+\.\d+(\.\d+)?$/);
      expect(notBelow(versionOf(version), minimum)).toBe(true);
      // Node 22.0-22.11 cannot require ky: engines must not claim them.
      expect(notBelow(minimum, FIRST_REQUIRE_ESM)).toBe(true);
    }, 30_000);

    it('the README quotes the sizes npm run size measures', async () => {
      // Act
      const measured = sizesParagraph(await measureSizes(packed, service));
      // Assess
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const quoted = readme.slice(
        readme.indexOf(SIZES_START) + SIZES_START.length,
        readme.indexOf(SIZES_END),
      );
      expect(quoted.trim()).toBe(measured);
    }, 60_000);

    it('runs the bin: npx token-revoker --help', async () => {
      // Act
      const run = await runIn(service, 'npx', ['--offline', 'token-revoker', '--help']);
      // Assess
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain('Usage: token-revoker');
      expect(run.stdout).toContain('enqueue');
      const bin = realpathSync(join(service, 'node_modules', '.bin', 'token-revoker'));
      expect(bin).toBe(
        realpathSync(join(service, 'node_modules', 'token-revoker', installed.bin['token-revoker'] ?? '')),
      );
    }, 30_000);
  });
});
