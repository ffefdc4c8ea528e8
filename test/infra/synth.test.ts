import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('npx cdk synth', () => {
  it('synthesizes offline, bundles both handlers with local esbuild, and passes cdk-nag', async () => {
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
      // Both lanes' functions, each bundled on its own: the urgent handler and the routine consumer.
      const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      expect(functions).toHaveLength(2);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      }
      const keys = functions.map((fn) => (fn.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key);
      expect(new Set(keys).size).toBe(2);
      expect(functions.find((fn) => fn.Properties.ReservedConcurrentExecutions === 1)).toBeDefined();
      // cdk-nag (both packs) and the CloudFormation validation ran: the report lists only plugins with
      // findings or acknowledgements (the Serverless acknowledgements at least), and none failed.
      const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; conclusion: string }[];
      };
      expect(report.pluginReports.map((r) => r.pluginName)).toContain('Serverless');
      for (const plugin of report.pluginReports) expect(plugin).toMatchObject({ conclusion: 'success' });
      const assets = readdirSync(out).filter((name) => name.startsWith('asset.'));
      const bundles = assets.map((a) => join(out, a, 'index.mjs')).filter((file) => existsSync(file));
      expect(bundles).toHaveLength(2);
      for (const bundle of bundles) {
        const code = readFileSync(bundle, 'utf8');
        expect(code).toContain('createRequire');
        expect(code).not.toMatch(/from\s*"(ky|@aws-sdk\/[\w-]+)"/); // ky and the AWS SDK are bundled
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
