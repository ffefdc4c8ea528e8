/**
 * Lambda's Node runtime on this machine: AWS's runtime interface client (aws-lambda-ric) on Node 24,
 * fed by a stand-in for the Lambda Runtime API on 127.0.0.1, running a bundle from `cdk synth`.
 */
export { type FunctionArtifact, findFunction, provideAwsSdk, synthesizeApp } from './assembly';
export { LambdaRuntimeError } from './errors';
export { type FunctionOptions, type LambdaFunction, startFunction } from './function';
export {
  type InstallOptions,
  installRuntimeInterfaceClient,
  type RuntimeInterfaceClient,
} from './ric';
export {
  type InvocationOutcome,
  type InvokeOptions,
  type LambdaErrorReport,
  type RuntimeApi,
  startRuntimeApi,
} from './runtime-api';
