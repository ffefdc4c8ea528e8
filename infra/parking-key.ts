import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ParkingKeyProps {
  /** The functions' roles: they seal what they park (and read sealed messages sent back as they are). */
  readonly functionRoles: readonly IRole[];
  /** The operators' roles: `token-revoker dlq` checks the seal with it. */
  readonly operatorRoles: readonly IRole[];
}

/**
 * The key parked messages are sealed with (decision record 0005): a generated secret that only the
 * functions and the operators may read. Its resource policy denies `GetSecretValue` to every other
 * principal, whatever its IAM policies allow, so a producer cannot seal a message of its own.
 */
export class ParkingKey extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: ParkingKeyProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'token-revoker: the HMAC key that seals parked messages (functions and operators only)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const role of props.functionRoles) this.secret.grantRead(role);
    if (props.operatorRoles.length > 0) {
      this.secret.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OperatorsCheckParkedMessages',
          principals: [...props.operatorRoles],
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: ['*'],
        }),
      );
    }
    const readers = [...props.functionRoles, ...props.operatorRoles].map((role) => role.roleArn);
    this.secret.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyFunctionsAndOperatorsReadTheParkingKey',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': readers } },
      }),
    );
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the parking key would leave every message parked before the rotation unsealed (shown as requests, not parked) for up to the 14 days the dead-letter queue keeps them; it is rotated by hand (infra/README.md).',
    });
  }
}
