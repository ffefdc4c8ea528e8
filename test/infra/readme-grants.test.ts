import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { TokenRevocation } from '../../infra/token-revocation';
import { testStack } from './stack-factory';

const ROOT = join(__dirname, '..', '..');
const DOCS = ['README.md', join('infra', 'README.md')] as const;
const ACTION = /`((?:sqs|kms):\w+)`/g;
/** Named next to the actions, but condition keys. */
const CONDITION_KEYS = new Set(['kms:ViaService']);
const actionsIn = (text: string) =>
  [...text.matchAll(ACTION)].map((match) => match[1] ?? '').filter((name) => !CONDITION_KEYS.has(name));
const sorted = (actions: Iterable<string>) => [...new Set(actions)].sort();

/** The actions grantEnqueue puts in a producer role's policy, from the template. */
function grantedActions(): string[] {
  const stack = testStack();
  const revocation = new TokenRevocation(stack, 'R');
  const producer = new Role(stack, 'Producer', {
    assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  revocation.grantEnqueue(producer);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('Producer') }] },
  });
  return sorted(
    Object.values(policies).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap(
        (s) => s.Action,
      ),
    ),
  );
}

describe('what the READMEs say grantEnqueue grants (#19 point 8)', () => {
  const granted = grantedActions();

  it('the producers section lists exactly the actions of the template, as its IAM policy', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /IAM permissions the producer's role needs[\s\S]*?```json\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const statements = JSON.parse(block?.[1] ?? '[]') as { Action: string | string[] }[];
    expect(sorted(statements.flatMap((statement) => statement.Action))).toEqual(granted);
  });

  it.each(DOCS)(
    'every paragraph of %s that names actions grantEnqueue grants names exactly those',
    (file) => {
      const paragraphs = readFileSync(join(ROOT, file), 'utf8')
        .split(/\n\s*\n|\n(?=- )/) // paragraphs and list items
        .filter((paragraph) => paragraph.includes('grantEnqueue') && actionsIn(paragraph).length > 0);
      expect(paragraphs.length).toBeGreaterThan(0);
      for (const paragraph of paragraphs) expect(sorted(actionsIn(paragraph))).toEqual(granted);
    },
  );
});
