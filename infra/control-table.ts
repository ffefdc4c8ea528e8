import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CONTROL_TABLE_ACTIONS,
  CONTROL_TABLE_PARTITION_KEY,
  CONTROL_TABLE_TTL_ATTRIBUTE,
} from '../functions/lib/control/schema';

export interface ControlTableProps {
  /** RETAIN keeps the day's spent calls and a pause in force when the stack is deleted or the table replaced. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The shared control table (functions/lib/control/schema.ts): the daily call budget, the API's pauses
 * and the quota it reported, read and written by every instance of both lanes with atomic conditional
 * updates. On-demand (a few items, a few calls a minute), old budget days expire by TTL, and
 * point-in-time recovery is on. It holds counts and times, never a token.
 */
export class ControlTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: ControlTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: CONTROL_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: CONTROL_TABLE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });
  }

  /** Exactly the actions the functions use (CONTROL_TABLE_ACTIONS), on this table only. */
  grantControl(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: [...CONTROL_TABLE_ACTIONS],
      resourceArns: [this.table.tableArn],
    });
  }
}
