import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CONTROL_TABLE_OPERATOR_READ_ACTIONS,
  CONTROL_TABLE_OPERATOR_WRITE_ACTIONS,
  OPERATOR_PAUSE_KEY_PREFIX,
} from '../functions/lib/control/schema';

/** What `token-revoker pause`, `resume` and `status` call on the urgent lane's event source mapping. */
export const EVENT_SOURCE_MAPPING_OPERATOR_ACTIONS = [
  'lambda:GetEventSourceMapping',
  'lambda:UpdateEventSourceMapping',
] as const;

export interface OperatorControlsProps {
  /** The shared control table. */
  readonly table: ITable;
  /** The urgent lane's event source mapping. */
  readonly urgentEventSourceMappingArn: string;
  /** The operators' roles; those of this stack's account get the policy attached. */
  readonly roles: readonly IRole[];
}

/**
 * The operators' brakes (`token-revoker pause`, `resume`, `status`): one customer-managed policy that
 * reads the control table, writes only the operators' pause items (keys starting `pause#lane#`, by
 * the `dynamodb:LeadingKeys` condition: never the budget, the API's pause or the quota), and reads,
 * enables and disables the urgent event source mapping, that mapping only. Lambda has no resource
 * policy for event source mappings, so this is an identity policy: attached to the operator roles of
 * this account; a role of another account needs the same statements from its own account (the
 * policy's document is the model) and a table resource policy, which this construct does not add.
 */
export class OperatorControls extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorControlsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const sameAccount = (role: IRole) =>
      Token.isUnresolved(account) || Token.isUnresolved(role.env.account) || role.env.account === account;
    const others = props.roles.filter((role) => !sameAccount(role));
    if (others.length > 0) {
      Annotations.of(this).addWarningV2(
        'token-revoker:cross-account-operator-controls',
        `Operator roles of another account (${others.map((role) => role.roleArn).join(', ')}) cannot be given the pause/resume policy from here: token-revoker pause, resume and status need its statements in their own account.`,
      );
    }
    this.policy = new ManagedPolicy(this, 'Policy', {
      description:
        'token-revoker operators: pause, resume and status (read the control table, write the operator pause items, switch the urgent event source mapping)',
      roles: props.roles.filter(sameAccount),
      statements: [
        new PolicyStatement({
          sid: 'ReadTheControlTable',
          actions: [...CONTROL_TABLE_OPERATOR_READ_ACTIONS],
          resources: [props.table.tableArn],
        }),
        new PolicyStatement({
          sid: 'WriteOperatorPausesOnly',
          actions: [...CONTROL_TABLE_OPERATOR_WRITE_ACTIONS],
          resources: [props.table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${OPERATOR_PAUSE_KEY_PREFIX}*`] },
          },
        }),
        new PolicyStatement({
          sid: 'SwitchTheUrgentEventSource',
          actions: [...EVENT_SOURCE_MAPPING_OPERATOR_ACTIONS],
          resources: [props.urgentEventSourceMappingArn],
        }),
      ],
    });
  }
}
