/**
 * `token-revoker/cdk`: the construct for platform teams, its props, the names of its alarms and their
 * severities, and the names of the metrics its alarms and dashboard watch. Loads aws-cdk-lib and constructs (peer dependencies); the enqueue
 * library (`token-revoker`) never loads this file.
 */

export {
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  ERROR_NAME_DIMENSION,
  LANE_DIMENSION,
  Lane,
  MetricName,
} from '../functions/lib/telemetry-names';
export { AlarmName, PAGES, Severity, severityOf } from './alarm-names';
export { type HandlerLogLevel, TokenRevocation, type TokenRevocationProps } from './token-revocation';
export type { ResolvedProps } from './token-revocation-props';
