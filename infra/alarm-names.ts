/**
 * The alarms' names and severities, shared by the construct (which creates them, infra/alarms.ts),
 * the runbook (infra/README.md: one `### Name` entry per alarm, its anchor in every description) and
 * the tests that hold the two together. Plain values only: no aws-cdk-lib import.
 */

/** Every alarm of the pipeline, by its construct id (the alarm's CloudFormation logical id starts with it). */
export const AlarmName = {
  // Pages: tokens are not being revoked, or will not be soon.
  UrgentBacklog: 'UrgentBacklog',
  MissedSchedule: 'MissedSchedule',
  ConfigurationErrors: 'ConfigurationErrors',
  DeadLetteredRequests: 'DeadLetteredRequests',
  RoutineBudgetExhausted: 'RoutineBudgetExhausted',
  UrgentBudgetExhausted: 'UrgentBudgetExhausted',
  // Tickets: someone should look during working hours.
  Backlog: 'Backlog',
  ConsumerErrors: 'ConsumerErrors',
  ConsumerEventsDropped: 'ConsumerEventsDropped',
  MissedTicks: 'MissedTicks',
  FunctionErrors: 'FunctionErrors',
  FunctionThrottles: 'FunctionThrottles',
  StackExchangeThrottled: 'StackExchangeThrottled',
  QuotaLow: 'QuotaLow',
  ParkedInput: 'ParkedInput',
  TokensDeferred: 'TokensDeferred',
  RoutineTimeToRevoke: 'RoutineTimeToRevoke',
  UrgentTimeToRevoke: 'UrgentTimeToRevoke',
  RoutineOldestPending: 'RoutineOldestPending',
  RoutineBacklogClearEstimate: 'RoutineBacklogClearEstimate',
  SqsErrors: 'SqsErrors',
  RoutineReceiveCountHigh: 'RoutineReceiveCountHigh',
  DeadLetterAging: 'DeadLetterAging',
  ParkedAging: 'ParkedAging',
  TokensAlreadyDeadSpike: 'TokensAlreadyDeadSpike',
} as const;
export type AlarmName = (typeof AlarmName)[keyof typeof AlarmName];

/**
 * Where an alarm goes. `page`: the page topic, in ALARM and again at OK (someone is woken up and must
 * know when it is over). `ticket`: the ticket topic, in ALARM only.
 */
export const Severity = { Page: 'page', Ticket: 'ticket' } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/**
 * Pages: the urgent backlog, a missed schedule, configuration errors, dead-lettered requests and an
 * exhausted budget. Every other alarm is a ticket.
 */
export const PAGES: ReadonlySet<AlarmName> = new Set<AlarmName>([
  AlarmName.UrgentBacklog,
  AlarmName.MissedSchedule,
  AlarmName.ConfigurationErrors,
  AlarmName.DeadLetteredRequests,
  AlarmName.RoutineBudgetExhausted,
  AlarmName.UrgentBudgetExhausted,
]);

/** The severity of an alarm. */
export function severityOf(name: AlarmName): Severity {
  return PAGES.has(name) ? Severity.Page : Severity.Ticket;
}

/**
 * Error alarms: they fire when 2 of the last 3 periods had an error, so that one passing error (a
 * timeout, an SQS hiccup, one failed or dropped tick the next one replaces) makes no ticket.
 * ConfigurationErrors is not among them: a configuration error does not pass by itself, and is
 * reported only when there is work, so with sparse traffic two periods out of three might never both
 * see one.
 */
export const ERROR_ALARMS: ReadonlySet<AlarmName> = new Set<AlarmName>([
  AlarmName.ConsumerErrors,
  AlarmName.ConsumerEventsDropped,
  AlarmName.MissedTicks,
  AlarmName.FunctionErrors,
  AlarmName.FunctionThrottles,
  AlarmName.SqsErrors,
]);

/** Error alarms evaluate 3 periods and fire when 2 of them breach. */
export const ERROR_EVALUATION = { evaluationPeriods: 3, datapointsToAlarm: 2 } as const;

/** The runbook every description links to: infra/README.md of this repository, unless `runbookUrl` says otherwise. */
export const DEFAULT_RUNBOOK_URL = 'infra/README.md';

/** The anchor of an alarm's runbook entry (`### UrgentBacklog` -> `urgentbacklog`, as GitHub makes them). */
export function runbookAnchor(name: AlarmName): string {
  return name.toLowerCase();
}

/** The link an alarm's description ends with. */
export function runbookLink(runbookUrl: string, name: AlarmName): string {
  return `${runbookUrl}#${runbookAnchor(name)}`;
}
