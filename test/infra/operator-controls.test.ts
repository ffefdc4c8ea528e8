import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Lane, MetricName } from '../../functions/lib/telemetry-names';
import { synthesize } from './stack-factory';

const ONCALL = 'arn:aws:iam::123456789012:role/oncall';
const AUDIT = 'arn:aws:iam::123456789012:role/sec/audit';

/** Issue 18 point 1: what `token-revoker pause`, `resume` and `status` need from the template. */
describe('operator controls (pause, resume, status)', () => {
  const { template } = synthesize({ operatorRoleArns: [ONCALL, AUDIT] });

  it("outputs the control table, the urgent mapping's UUID and the budget the CLI reads", () => {
    const outputs = template.findOutputs('*');
    expect(outputs.UrgentEventSourceMappingUuid?.Value).toEqual({
      Ref: expect.stringMatching(/RevokerFunctionSqsEventSource/),
    });
    expect(outputs.ControlTableName?.Value).toEqual({ Ref: expect.stringMatching(/ControlTable/) });
    expect(outputs.DailyCallBudget?.Value).toBe('9000');
    expect(outputs.UrgentReserveCalls?.Value).toBe('1800');
    expect(outputs.OperatorControlPolicyArn?.Value).toEqual({
      Ref: expect.stringMatching(/OperatorControlsPolicy/),
    });
  });

  it('grants the operator roles exactly: read the table, write only pause#lane# items, switch that one mapping', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const [policy, ...more] = Object.values(policies);
    expect(more).toEqual([]);
    expect(policy?.Properties.Roles).toEqual(['oncall', 'audit']);
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadTheControlTable',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/ControlTable/), 'Arn'] },
      },
      {
        Sid: 'WriteOperatorPausesOnly',
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/ControlTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['pause#lane#*'] } },
      },
      {
        Sid: 'SwitchTheUrgentEventSource',
        Effect: 'Allow',
        Action: ['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:',
              { Ref: expect.stringMatching(/RevokerFunctionSqsEventSource/) },
            ],
          ],
        },
      },
    ]);
  });

  it('the functions still get no write to the operators pause items beyond their own actions', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    );
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).not.toContain('lambda:UpdateEventSourceMapping');
  });

  it('without operator roles: no policy, no output; a role of another account is warned about, not attached', () => {
    const none = synthesize({}).template;
    expect(none.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
    expect(Object.keys(none.findOutputs('*'))).not.toContain('OperatorControlPolicyArn');
    const { stack, template: crossAccount } = synthesize({
      operatorRoleArns: [ONCALL, 'arn:aws:iam::210987654321:role/elsewhere'],
      allowCrossAccountOperators: true,
    });
    const [policy] = Object.values(crossAccount.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy?.Properties.Roles).toEqual(['oncall']);
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('another account .*elsewhere.* cannot be given the pause/resume policy'),
    );
  });

  it("draws the operators' pauses per lane next to the other pauses (with a dashboard)", () => {
    const drawn = synthesize({ revocation: { dashboard: true } });
    const [dashboard] = Object.values(drawn.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(drawn.stack.resolve(dashboard?.Properties.DashboardBody));
    for (const lane of [Lane.Routine, Lane.Urgent])
      expect(body).toContain(`${MetricName.OperatorPausedRuns} ${lane}`);
  });
});
