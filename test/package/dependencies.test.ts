import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const readJson = (...path: string[]) =>
  JSON.parse(readFileSync(join(ROOT, ...path), 'utf8')) as {
    version: string;
    engines: { node: string };
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);
const POWERTOOLS = ['logger', 'metrics'].map((name) => `@aws-lambda-powertools/${name}`);

describe('dependency versions', () => {
  const manifest = readJson('package.json');

  it("@types/node describes the oldest Node of engines, not an older one's API", () => {
    const oldest = major(manifest.engines.node);
    expect(major(manifest.devDependencies['@types/node'] ?? '')).toBe(oldest);
    expect(major(readJson('node_modules', '@types', 'node', 'package.json').version)).toBe(oldest);
  });

  it('Powertools logger and metrics follow 2.x together, on one copy of their commons', () => {
    const ranges = POWERTOOLS.map((name) => manifest.dependencies[name]);
    expect(new Set(ranges).size).toBe(1);
    expect(ranges[0]).toMatch(/^\^2\.\d+\.\d+$/);
    const versions = [...POWERTOOLS, '@aws-lambda-powertools/commons'].map(
      (name) => readJson('node_modules', name, 'package.json').version,
    );
    expect(new Set(versions).size).toBe(1);
    for (const name of POWERTOOLS)
      expect(existsSync(join(ROOT, 'node_modules', name, 'node_modules', '@aws-lambda-powertools'))).toBe(
        false,
      );
  });

  it('TypeScript 7 (no JavaScript API): only its tsc is run, no module loads the compiler', () => {
    // `typescript7` type-checks and builds; `typescript` stays 5.9 for Stryker's checker, which needs the compiler API.
    expect(major((manifest.devDependencies.typescript7 ?? '').replace('npm:typescript@', ''))).toBe(7);
    expect(major(manifest.devDependencies.typescript ?? '')).toBe(5);
    const sources = ['functions', 'infra', 'tools', 'test']
      .flatMap((folder) =>
        (readdirSync(join(ROOT, folder), { recursive: true }) as string[]).map((file) => join(folder, file)),
      )
      .filter((file) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(file));
    const loaders = sources.filter((file) =>
      /(from\s+|require\(\s*|import\(\s*)['"]typescript['"]/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(sources.length).toBeGreaterThan(100);
    expect(loaders).toEqual([]);
  });
});
