/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Every setting comes from CDK context (cdk.json, or
 * `-c name=value` on the command line); infra/context.ts reads them and infra/README.md lists them.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { settingsFromContext } from './context';
import { TokenRevocationStack } from './stack';

const app = new App();
const { stackName, props } = settingsFromContext(app.node);
new TokenRevocationStack(app, stackName, props);
// cdk-nag runs on every synth: an unacknowledged finding fails it (details in cdk.out/validation-report.json).
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { verbose: true }),
  new ServerlessChecks(app, { verbose: true }),
);
