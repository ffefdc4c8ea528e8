/**
 * The deployable artifact: `npx cdk synth` into a folder (bundling with the local esbuild, as for a
 * deployment), then a function's asset found in that cloud assembly by the entry file its bundle was
 * built from (the source map's `sources`), never by a hash.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LambdaRuntimeError } from './errors';

const ROOT = join(__dirname, '..', '..');

/** A Lambda function of the synthesized templates, with its bundle. */
export interface FunctionArtifact {
  readonly stackName: string;
  readonly logicalId: string;
  /** The template's Handler, e.g. `index.handler`. */
  readonly handler: string;
  /** The template's Runtime, e.g. `nodejs24.x`. */
  readonly runtime: string;
  /** @default 128 when the template does not say */
  readonly memorySizeInMb: number;
  /** The template's environment variables that are plain strings (references to resources left out). */
  readonly environment: Readonly<Record<string, string>>;
  /** The asset folder: the bundle, as Lambda's /var/task. */
  readonly assetFolder: string;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly Properties?: {
    readonly Handler?: string;
    readonly Runtime?: string;
    readonly MemorySize?: number;
    readonly Environment?: { readonly Variables?: Readonly<Record<string, unknown>> };
  };
}

/** Runs `npx cdk synth` (the app of cdk.json, offline) into `outFolder`; its output is kept, not printed. */
export async function synthesizeApp(outFolder: string): Promise<string> {
  try {
    await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '-o', outFolder], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      timeout: 180_000,
      maxBuffer: 20 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new LambdaRuntimeError(`cdk synth failed:\n${stderr ?? ''}`, { outFolder }, { cause: error });
  }
  return outFolder;
}

async function bundleSources(assetFolder: string): Promise<string[]> {
  const maps = (await readdir(assetFolder)).filter((name) => name.endsWith('.map'));
  const sources: string[] = [];
  for (const map of maps) {
    const parsed = JSON.parse(await readFile(join(assetFolder, map), 'utf8')) as { sources?: unknown };
    if (Array.isArray(parsed.sources)) sources.push(...parsed.sources.map(String));
  }
  return sources;
}

/**
 * The one function of the cloud assembly in `assemblyFolder` whose bundle was built from `entry`
 * (a path from the project root, e.g. `functions/revoke-tokens/handler.ts`).
 */
export async function findFunction(assemblyFolder: string, entry: string): Promise<FunctionArtifact> {
  const manifest = JSON.parse(await readFile(join(assemblyFolder, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type?: string; properties?: { templateFile?: string } }>;
  };
  const found: FunctionArtifact[] = [];
  for (const [stackName, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const templateFile = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || templateFile === undefined) continue;
    const template = JSON.parse(await readFile(join(assemblyFolder, templateFile), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
      const assetFolder = join(assemblyFolder, assetPath);
      if (!existsSync(assetFolder)) continue;
      const sources = await bundleSources(assetFolder);
      if (!sources.some((source) => source.replaceAll('\\', '/').endsWith(`/${entry}`))) continue;
      const variables = resource.Properties?.Environment?.Variables ?? {};
      found.push({
        stackName,
        logicalId,
        handler: resource.Properties?.Handler ?? '',
        runtime: resource.Properties?.Runtime ?? '',
        memorySizeInMb: resource.Properties?.MemorySize ?? 128,
        environment: Object.fromEntries(
          Object.entries(variables).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
        ),
        assetFolder,
      });
    }
  }
  if (found.length !== 1) {
    throw new LambdaRuntimeError(`expected one function built from ${entry}, found ${found.length}`, {
      assemblyFolder,
      entry,
      found: found.map((f) => `${f.stackName}/${f.logicalId}`).join(', '),
    });
  }
  return found[0] as FunctionArtifact;
}

/**
 * Gives a task root the AWS SDK the way Lambda's runtime does: from outside the bundle. A
 * `node_modules/@aws-sdk` next to the task root links to the project's; nothing else is provided,
 * so any other package the bundle left external fails to load, as it would on Lambda.
 */
export async function provideAwsSdk(taskRoot: string): Promise<void> {
  const target = join(dirname(taskRoot), 'node_modules', '@aws-sdk');
  if (existsSync(target)) return;
  await mkdir(dirname(target), { recursive: true });
  await symlink(join(ROOT, 'node_modules', '@aws-sdk'), target, 'dir');
}
