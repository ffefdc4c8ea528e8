import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { settingsFromContext } from '../../infra/context';
import { TokenRevocationStack } from '../../infra/stack';
import { synthesize, testApp } from './stack-factory';

const ROOT = join(__dirname, '..', '..');
const NO_OPERATORS = Match.stringLikeRegexp('No operatorRoles .*dlq list. is refused');
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** The `-c name=value` settings of a README's `npx cdk deploy` command, its shell variables filled in. */
function deployContext(file: string): Record<string, string> {
  const block = /```sh\n([\s\S]*?npx cdk deploy[\s\S]*?)```/.exec(
    readFileSync(join(ROOT, file), 'utf8'),
  )?.[1];
  if (block === undefined) throw new Error(`${file}: no sh block with npx cdk deploy`);
  const variables = Object.fromEntries(
    [...block.matchAll(/^(\w+)=(\S+)/gm)].map((match) => [match[1] ?? '', match[2] ?? '']),
  );
  const command = block.split('\n').find((line) => line.startsWith('npx cdk deploy')) ?? '';
  return Object.fromEntries(
    [...command.matchAll(/-c (\w+)=(\S+)/g)].map((match) => [
      match[1] ?? '',
      (match[2] ?? '').replace(/\$(\w+)/g, (_, name: string) => variables[name] ?? ''),
    ]),
  );
}

describe('operator roles of the dead-letter queue (#19 point 2)', () => {
  it('warns at synth when no operator role may read the dead-letter queue', () => {
    const { stack } = synthesize();
    expect(Annotations.fromStack(stack).findWarning('*', NO_OPERATORS)).toHaveLength(1);
  });

  it('does not warn once operator roles are given', () => {
    const { stack } = synthesize({ operatorRoleArns: ['arn:aws:iam::123456789012:role/oncall'] });
    expect(Annotations.fromStack(stack).findWarning('*', NO_OPERATORS)).toHaveLength(0);
  });

  it.each(['README.md', join('infra', 'README.md')])(
    "%s's deploy command gives the dead-letter queue an operator, and synth does not warn",
    (file) => {
      // Prepare: the app as `npx cdk deploy` builds it, with the README's settings.
      const app = testApp(deployContext(file));
      const { stackName, props } = settingsFromContext(app.node);
      // Act
      const stack = new TokenRevocationStack(app, stackName, { env: ENV, ...props });
      // Assess
      expect(props.operatorRoleArns?.length).toBeGreaterThan(0);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::SQS::QueuePolicy'));
      for (const arn of props.operatorRoleArns ?? []) expect(policies).toContain(arn);
    },
  );
});
