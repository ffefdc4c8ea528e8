import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('npx cdk synth', () => {
  it('synthesizes offline, bundles the handler with local esbuild, and passes cdk-nag', async () => {
    // Prepare
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    try {
      // Act
      await run('npx', ['cdk', 'synth', '--quiet', '-o', out], {
        cwd: root,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
        timeout: 180_000,
      });
      // Assess
      const template = JSON.parse(readFileSync(join(out, 'TokenRevoker.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
      expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect((fn?.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key).toBeDefined();
      // cdk-nag (both packs) and the CloudFormation validation ran: the report lists only plugins with
      // findings or acknowledgements (the Serverless acknowledgements at least), and none failed.
      const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; conclusion: string }[];
      };
      expect(report.pluginReports.map((r) => r.pluginName)).toContain('Serverless');
      for (const plugin of report.pluginReports) expect(plugin).toMatchObject({ conclusion: 'success' });
      const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
      const bundle = assets.map((a) => join(out, a, 'index.mjs')).find((file) => existsSync(file));
      expect(bundle).toBeDefined();
      const code = readFileSync(bundle as string, 'utf8');
      expect(code).toContain('createRequire');
      expect(code).not.toMatch(/from\s*"ky"/); // ky is bundled; only @aws-sdk stays external
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
