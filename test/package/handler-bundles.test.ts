import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  HANDLER_FOLDERS,
  HandlerBundleMissingError,
  handlerBundleDir,
  packageRoot,
} from '../../infra/handler-bundles';
import { buildHandlers } from '../../tools/build/handlers';

const ROOT = join(__dirname, '..', '..');

describe('buildHandlers', () => {
  let root: string;

  beforeEach(() => {
    // Prepare: a package with one of the listed handlers (CommonJS and ESM dependencies, the AWS SDK).
    root = mkdtempSync(join(tmpdir(), 'handler-bundles-'));
    writeFileSync(join(root, 'package.json'), '{"name":"fixture"}\n');
    // The bundle includes the AWS SDK: the fixture resolves it from the repository's node_modules.
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    mkdirSync(join(root, 'functions', 'revoke-tokens'), { recursive: true });
    writeFileSync(
      join(root, 'functions', 'revoke-tokens', 'handler.ts'),
      [
        "import { createHash } from 'node:crypto';",
        'export const handler = async (event: { text: string }): Promise<string> => {',
        "  const { SQSClient } = await import('@aws-sdk/client-sqs');",
        "  return [typeof new SQSClient({ region: 'us-east-1' }).send, createHash('sha256').update(event.text).digest('hex')].join(' ');",
        '};',
        '',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('bundles each listed handler that has a source into minified ESM with a source map, the AWS SDK included', async () => {
    // Act
    const built = await buildHandlers(root);
    // Assess
    expect(built.map((handler) => handler.folder)).toEqual(['revoke-tokens']);
    const folder = join(root, 'dist', 'handlers', 'revoke-tokens');
    expect(readdirSync(folder).sort()).toEqual(['chunks', 'index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(folder, 'index.mjs'), 'utf8');
    const chunks = readdirSync(join(folder, 'chunks'));
    const chunkCode = chunks.filter((file) => file.endsWith('.mjs'));
    // Every chunk has its source map; the SQS client, imported on first use, is a chunk of its own.
    expect(chunks.filter((file) => file.endsWith('.mjs.map')).sort()).toEqual(
      chunkCode.map((file) => `${file}.map`).sort(),
    );
    expect(code).toMatch(/import\("\.\/chunks\/[\w-]+\.mjs"\)/);
    const all = chunkCode.map((file) => readFileSync(join(folder, 'chunks', file), 'utf8')).join('\n');
    expect(all).toContain('SQSClient');
    expect(all).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(")).toBe(
      true,
    );
    // The SDK the tests ran against travels with the handler (security review 2): no import of it is left.
    expect(code).not.toMatch(/from\s*"@aws-sdk\//);
    expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    // Minified: long lines (the SDK's template literals keep their own newlines).
    expect(all.split('\n').length).toBeLessThan(all.length / 1000);
    const map = JSON.parse(readFileSync(join(folder, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../../../functions/revoke-tokens/handler.ts');
    expect(built[0]).toMatchObject({ bundle: 'dist/handlers/revoke-tokens/index.mjs', changed: true });
    expect(built[0]?.bytes).toBe(Buffer.byteLength(code));
    const chunkBytes = chunkCode.map((file) => statSync(join(folder, 'chunks', file)).size);
    expect(built[0]?.totalBytes).toBe(Buffer.byteLength(code) + chunkBytes.reduce((sum, n) => sum + n, 0));
  });

  it('runs: the entry loads its chunks when the handler first needs them', async () => {
    // Prepare
    await buildHandlers(root);
    const entry = join(root, 'dist', 'handlers', 'revoke-tokens', 'index.mjs');
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(entry).href)});
      process.stdout.write(await handler({ text: 'x' }));`;
    // Act: in a process of its own, as Lambda loads it (Node 24 of the test run)
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    // Assess
    expect(output).toBe('function 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  it('leaves an unchanged bundle alone, and replaces one whose source changed', async () => {
    // Prepare
    await buildHandlers(root);
    // Act
    const again = await buildHandlers(root);
    writeFileSync(
      join(root, 'functions', 'revoke-tokens', 'handler.ts'),
      "export const handler = () => 'v2';\n",
    );
    const changed = await buildHandlers(root);
    // Assess
    expect(again[0]?.changed).toBe(false);
    expect(changed[0]?.changed).toBe(true);
    expect(readFileSync(join(root, 'dist', 'handlers', 'revoke-tokens', 'index.mjs'), 'utf8')).toContain(
      '"v2"',
    );
    // No temporary file left behind, and the chunks of the first build, which v2 no longer has, are gone.
    expect(readdirSync(join(root, 'dist', 'handlers', 'revoke-tokens'), { recursive: true }).sort()).toEqual([
      'chunks',
      'index.mjs',
      'index.mjs.map',
    ]);
  });
});

describe('handlerBundleDir', () => {
  it('finds the bundles of this repository from the sources, as the compiled construct finds its own', () => {
    expect(packageRoot()).toBe(ROOT);
    expect(packageRoot(join(ROOT, 'dist', 'infra'))).toBe(ROOT);
    const built = HANDLER_FOLDERS.filter((folder) =>
      existsSync(join(ROOT, 'functions', folder, 'handler.ts')),
    );
    for (const folder of built) {
      expect(handlerBundleDir(folder)).toBe(join(ROOT, 'dist', 'handlers', folder));
    }
  });

  it('names the folder and the path when a bundle is missing, and refuses an unknown folder', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-bundles-'));
    try {
      let missing: unknown;
      try {
        handlerBundleDir('revoke-tokens', empty);
      } catch (error) {
        missing = error;
      }
      expect(missing).toBeInstanceOf(HandlerBundleMissingError);
      expect(missing).toMatchObject({
        name: 'HandlerBundleMissingError',
        folder: 'revoke-tokens',
        path: join(empty, 'dist', 'handlers', 'revoke-tokens'),
      });
      expect((missing as Error).message).toContain('npm run build');
      expect(() => handlerBundleDir('../../etc')).toThrow(
        /handler folder must be one of revoke-tokens, routine-consumer, got '..\/..\/etc'/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
