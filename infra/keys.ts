import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, type IPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { Construct, IConstruct } from 'constructs';

/**
 * What the account keeps on a key that protects tokens: manage, rotate, tag and delete it, but never
 * encrypt or decrypt with it. IAM policies therefore cannot let anyone use the key; only its key policy
 * can, and it names who. (The account can still edit the key policy: that is audited in CloudTrail.)
 */
const KEY_ADMINISTRATION = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/** A rotated, retained KMS key whose policy starts with administration only (see KEY_ADMINISTRATION). */
export function tokenKey(scope: Construct, id: string, description: string): Key {
  return new Key(scope, id, {
    description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
    policy: new PolicyDocument({
      statements: [
        new PolicyStatement({
          sid: 'KeyAdministrationWithoutUse',
          principals: [new AccountRootPrincipal()],
          actions: KEY_ADMINISTRATION,
          resources: ['*'],
        }),
      ],
    }),
  });
}

/** The `kms:ViaService` value that limits a key statement to requests SQS makes on the caller's behalf. */
export function sqsViaService(scope: IConstruct): string {
  return `sqs.${Stack.of(scope).region}.amazonaws.com`;
}

/**
 * Lets the named principals use the key, only through SQS (sending to or receiving from a queue it
 * encrypts). SQS calls kms:GenerateDataKey for a sender and kms:Decrypt for a sender (to check a new
 * data key) and for a receiver.
 */
export function allowThroughSqs(
  key: IKey,
  sid: string,
  principals: readonly IPrincipal[],
  actions: readonly ('kms:Decrypt' | 'kms:GenerateDataKey')[],
): void {
  if (principals.length === 0) return;
  key.addToResourcePolicy(
    new PolicyStatement({
      sid,
      principals: [...principals],
      actions: [...actions],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': sqsViaService(key) } },
    }),
  );
}
