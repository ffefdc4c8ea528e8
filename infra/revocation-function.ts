import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Code,
  type IFunction,
  Function as LambdaFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_FUNCTION, type HandlerFolder, handlerBundleDir } from './handler-bundles';

/** The handler this function runs (a folder of functions/, prebuilt into dist/handlers by `npm run build`). */
const HANDLER: HandlerFolder = 'revoke-tokens';

export interface RevocationFunctionProps {
  /** The handler's folder under functions/ (its prebuilt bundle is in dist/handlers). @default 'revoke-tokens' */
  readonly handlerFolder?: HandlerFolder;
  readonly timeout: Duration;
  readonly memorySizeInMb: number;
  readonly logRetention: RetentionDays;
  readonly environment: Readonly<Record<string, string>>;
}

/** The revocation function with its own role (no managed policies) and log group. */
export class RevocationFunction extends Construct {
  readonly function: IFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RevocationFunctionProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Token revocation function: read the source queue, park in the dead-letter queue, write its logs',
    });
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new LambdaFunction(this, 'Function', {
      // The prebuilt bundle (tools/build/handlers.ts): synth needs no esbuild, Docker or lock file.
      code: Code.fromAsset(handlerBundleDir(props.handlerFolder ?? HANDLER)),
      handler: HANDLER_FUNCTION,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeInMb,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      description: 'Revokes Stack Exchange access tokens from SQS, 20 per call',
    });
  }
}
