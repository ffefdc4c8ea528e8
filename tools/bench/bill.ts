import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '../../infra/context';
import { TokenRevocationStack } from '../../infra/stack';
import type { LocalSqs } from '../local-sqs';
import { measureLogBytes } from './log-bytes';
import {
  type Inventory,
  inventoryOf,
  type MeasuredFigures,
  type MonthlyBill,
  monthlyBill,
} from './monthly-bill';

const root = join(__dirname, '..', '..');

/** The rates the bill is shown at (0: idle). */
export const BILL_RATES = [0, 0.5, 2, 20] as const;

/** The stack `cdk synth` deploys with cdk.json's settings (the defaults), synthesized offline, as JSON. */
export function synthesizedTemplate(context: Record<string, unknown> = {}): {
  Resources?: Record<string, never>;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'token-revoker-bill-'));
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    // The bill reads the template only: annotations (the missing app key) stay on the constructs.
    builtinCloudFormationValidation: false,
    context: {
      ...cdkJson.context,
      ...context,
      '@aws-cdk/core:annotationsInValidationReport': false,
      'aws:cdk:bundling-stacks': [],
    },
    outdir,
  });
  try {
    const { stackName, props } = settingsFromContext(app.node);
    const stack = new TokenRevocationStack(app, stackName, props);
    const assembly = app.synth();
    return assembly.getStackArtifact(stack.artifactId).template as { Resources?: Record<string, never> };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The figures of tools/bench/results.json that the bill uses (the last `npm run bench`). */
export interface BenchFigures {
  readonly idle: { readonly runMs: number; readonly sqsRequestsPerRun: number };
  readonly trickle: readonly {
    readonly tokensPerSecond: number;
    readonly design: string;
    readonly meanRunMs?: number;
    readonly lambdaMs?: number;
    readonly lambdaInvocations?: number;
  }[];
}

/** Mean consumer run by rate (the two-lane design), and mean urgent invocation (today's per-batch handler, the same code). */
export function runTimes(
  figures: BenchFigures,
): Pick<MeasuredFigures, 'consumerRunMsByRate' | 'urgentInvocationMs'> {
  const consumerRunMsByRate: Record<string, number> = {};
  let invocationMs = 0;
  let invocations = 0;
  for (const f of figures.trickle) {
    if (f.design === 'two lanes' && f.meanRunMs !== undefined)
      consumerRunMsByRate[String(f.tokensPerSecond)] = f.meanRunMs;
    if (f.design === 'per-batch (today)' && f.lambdaMs !== undefined && f.lambdaInvocations !== undefined) {
      invocationMs += f.lambdaMs;
      invocations += f.lambdaInvocations;
    }
  }
  return { consumerRunMsByRate, urgentInvocationMs: invocations === 0 ? 300 : invocationMs / invocations };
}

export function readBenchFigures(): BenchFigures {
  return JSON.parse(readFileSync(join(root, 'tools/bench/results.json'), 'utf8')) as BenchFigures;
}

/** The bills at BILL_RATES: the template's inventory, the bench's run times, log bytes measured now. */
export async function billsFor(
  sqs: LocalSqs,
  figures: BenchFigures,
  template = synthesizedTemplate(),
): Promise<{ inventory: Inventory; measured: MeasuredFigures; bills: MonthlyBill[] }> {
  const inventory = inventoryOf(template);
  const logs = await measureLogBytes(sqs);
  const measured: MeasuredFigures = {
    idleRunMs: figures.idle.runMs,
    idleSqsRequestsPerRun: figures.idle.sqsRequestsPerRun,
    ...runTimes(figures),
    logBytes: logs.logBytes,
    customMetrics: logs.customMetrics,
  };
  return { inventory, measured, bills: BILL_RATES.map((rate) => monthlyBill(inventory, measured, rate)) };
}
