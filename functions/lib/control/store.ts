import type { Lane } from '../telemetry-names';

/** Why the API said to stop: a `throttle_violation` (the whole address) or a method's `backoff`. */
export type ApiPauseCause = 'throttled' | 'backoff';

/** A pause the API named, recorded so that every instance and the next cold start honour it. */
export interface ApiPause {
  /** Epoch ms. */
  readonly until: number;
  readonly cause: ApiPauseCause;
}

/** The last `quota_remaining` / `quota_max` any instance saw, and when (epoch ms). */
export interface QuotaObservation {
  readonly remaining: number;
  readonly max: number | undefined;
  readonly at: number;
}

/** Calls of one budget day spent so far, in total and per lane. */
export interface BudgetDay {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly spent: number;
  readonly routine: number;
  readonly urgent: number;
}

/**
 * A lane an operator paused (`token-revoker pause`): it lasts until `token-revoker resume`, across
 * deploys and cold starts. Never holds a token.
 */
export interface OperatorPause {
  /** Why, as the operator wrote it (`--reason`). */
  readonly reason: string;
  /** When it was paused (epoch ms). */
  readonly at: number;
  /** Who paused it (`--by`, else the operator's user and host), when known. */
  readonly by?: string;
}

/** The age of the oldest message a lane last saw (a run that received, a batch it sent), and when. */
export interface BacklogObservation {
  readonly oldestPendingAgeSeconds: number;
  /** Epoch ms. */
  readonly at: number;
}

/** The operators' pauses in force, per lane. */
export type OperatorPauses = Readonly<Partial<Record<Lane, OperatorPause>>>;

/** What the control table holds, read in one call at the start of a run or batch. */
export interface ControlState {
  readonly budget: BudgetDay;
  readonly pause: ApiPause | undefined;
  readonly quota: QuotaObservation | undefined;
  /** When routine last probed the quota (epoch ms). */
  readonly lastProbeAt: number | undefined;
  /** Lanes an operator paused. */
  readonly operatorPauses: OperatorPauses;
  /** What each lane last saw of its backlog (for `token-revoker status`). */
  readonly backlogs: Readonly<Partial<Record<Lane, BacklogObservation>>>;
}

/**
 * The state every instance of both lanes shares. Every write is atomic: a reservation never lets the
 * total pass its limit, a pause never shortens one in force, an observation never replaces a newer one.
 */
export interface ControlStore {
  read(day: string): Promise<ControlState>;
  /**
   * Adds up to `calls` to the day's `spent` (and to the lane's count) without letting `spent` pass
   * `limit`; resolves with the calls granted (0 when none are left).
   */
  reserve(day: string, lane: Lane, calls: number, limit: number): Promise<number>;
  /** Adds `calls` (negative: gives back) with no limit: attempts beyond a reservation, unused calls. */
  adjust(day: string, lane: Lane, calls: number): Promise<void>;
  /** Records a pause unless a longer one is in force. */
  recordPause(pause: ApiPause): Promise<void>;
  /** Records an observation unless a newer one is recorded. */
  recordQuota(observation: QuotaObservation): Promise<void>;
  /** Claims the next quota probe: true (and recorded) when none was made since `notBefore`. */
  claimProbe(now: number, notBefore: number): Promise<boolean>;
  /** Pauses a lane until `resumeLane` (replaces the reason of a pause in force). */
  pauseLane(lane: Lane, pause: OperatorPause): Promise<void>;
  /** Ends an operator's pause of the lane; resolves with the pause it ended, if there was one. */
  resumeLane(lane: Lane): Promise<OperatorPause | undefined>;
  /** Records what the lane saw of its backlog, unless a newer observation is recorded. */
  recordBacklog(lane: Lane, observation: BacklogObservation): Promise<void>;
}

/** The budget day (UTC) of an instant: the daily budget starts again at 00:00 UTC. */
export function budgetDayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** When the budget day of `at` ends (the next 00:00 UTC), epoch ms. */
export function budgetDayEndOf(at: number): number {
  const start = Date.parse(`${budgetDayOf(at)}T00:00:00.000Z`);
  return start + 24 * 60 * 60 * 1000;
}

/**
 * The store of a single process, for local use without a table (the CLI, a one-process pipeline):
 * the same semantics as the table, shared only by what runs in this process.
 */
export function memoryControlStore(): ControlStore {
  const days = new Map<string, { spent: number; routine: number; urgent: number }>();
  let pause: ApiPause | undefined;
  let quota: QuotaObservation | undefined;
  let lastProbeAt: number | undefined;
  const operatorPauses = new Map<Lane, OperatorPause>();
  const backlogs = new Map<Lane, BacklogObservation>();
  const dayOf = (day: string) => {
    const found = days.get(day) ?? { spent: 0, routine: 0, urgent: 0 };
    days.set(day, found);
    return found;
  };
  return {
    async read(day) {
      return {
        budget: { day, ...dayOf(day) },
        pause,
        quota,
        lastProbeAt,
        operatorPauses: Object.fromEntries(operatorPauses),
        backlogs: Object.fromEntries(backlogs),
      };
    },
    async reserve(day, lane, calls, limit) {
      const budget = dayOf(day);
      const granted = Math.max(0, Math.min(calls, limit - budget.spent));
      budget.spent += granted;
      budget[lane] += granted;
      return granted;
    },
    async adjust(day, lane, calls) {
      const budget = dayOf(day);
      budget.spent += calls;
      budget[lane] += calls;
    },
    async recordPause(next) {
      if (pause === undefined || pause.until < next.until) pause = next;
    },
    async recordQuota(observation) {
      if (quota === undefined || quota.at < observation.at) quota = observation;
    },
    async claimProbe(now, notBefore) {
      if (lastProbeAt !== undefined && lastProbeAt > notBefore) return false;
      lastProbeAt = now;
      return true;
    },
    async pauseLane(lane, next) {
      operatorPauses.set(lane, { ...next });
    },
    async resumeLane(lane) {
      const ended = operatorPauses.get(lane);
      operatorPauses.delete(lane);
      return ended;
    },
    async recordBacklog(lane, observation) {
      const known = backlogs.get(lane);
      if (known === undefined || known.at < observation.at) backlogs.set(lane, { ...observation });
    },
  };
}
