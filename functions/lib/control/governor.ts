import { Lane } from '../telemetry-names';
import {
  type ApiPause,
  budgetDayEndOf,
  budgetDayOf,
  type ControlState,
  type ControlStore,
  type OperatorPause,
  type QuotaObservation,
} from './store';

/** The deployment's daily call budget and how it is shared (DAILY_CALL_BUDGET, URGENT_RESERVE_CALLS). */
export interface BudgetSettings {
  /** Calls a budget day (UTC), both lanes together. @default 9000 */
  readonly dailyCallBudget: number;
  /** Calls routine work never spends. @default 20% of dailyCallBudget */
  readonly urgentReserveCalls: number;
}

/** Why a lane takes no work now: the API's pause, the budget, or an operator's pause (`token-revoker pause`). */
export type ClosedReason = 'paused' | 'budget_exhausted' | 'operator_paused';

/**
 * How long a lane an operator paused keeps what it was handed (the urgent lane, when a deploy enabled
 * its event source mapping again): SQS's longest hold, 12 hours from the receive (admission.ts keeps a
 * margin). A message is then received about twice a day while the pause lasts, as during the API's
 * pauses, so waiting moves none to the dead-letter queue within maxReceiveCount / 2 days.
 */
export const OPERATOR_PAUSE_HOLD_MS = 12 * 60 * 60 * 1000;

/** A lane's gate at the start of a run or batch: open, or closed until a time it names. */
export type Gate =
  | { readonly open: true; readonly state: ControlState; readonly callsLeft: number }
  | {
      readonly open: false;
      readonly reason: ClosedReason;
      /** Epoch ms when the lane may look again (an operator's pause: OPERATOR_PAUSE_HOLD_MS from now). */
      readonly until: number;
      /** The operator's pause, when `reason` is `operator_paused`. */
      readonly operatorPause?: OperatorPause;
      readonly state: ControlState;
      readonly callsLeft: number;
    };

/**
 * One lane's view of the shared control table: whether it may work now, how many calls of the daily
 * budget it may spend, and what it learnt (the API's pauses and quota) for every other instance.
 * Routine calls stop at the budget less the urgent reserve; urgent calls may spend all of it.
 */
export class Governor {
  readonly lane: Lane;
  readonly #store: ControlStore;
  readonly #settings: BudgetSettings;
  readonly #now: () => number;

  constructor(store: ControlStore, settings: BudgetSettings, lane: Lane, now: () => number = Date.now) {
    this.#store = store;
    this.#settings = settings;
    this.lane = lane;
    this.#now = now;
  }

  /** The most calls of a budget day this lane may bring `spent` to. */
  get limit(): number {
    const { dailyCallBudget, urgentReserveCalls } = this.#settings;
    return this.lane === Lane.Urgent ? dailyCallBudget : Math.max(0, dailyCallBudget - urgentReserveCalls);
  }

  /**
   * Reads the shared state once: closed while an operator's pause of the lane is in force, while the
   * API's pause lasts, or when the lane's budget is spent.
   */
  async gate(): Promise<Gate> {
    const now = this.#now();
    const state = await this.#store.read(budgetDayOf(now));
    const callsLeft = Math.max(0, this.limit - state.budget.spent);
    const operatorPause = state.operatorPauses[this.lane];
    if (operatorPause !== undefined) {
      const until = now + OPERATOR_PAUSE_HOLD_MS;
      return { open: false, reason: 'operator_paused', until, operatorPause, state, callsLeft };
    }
    if (state.pause !== undefined && state.pause.until > now) {
      return { open: false, reason: 'paused', until: state.pause.until, state, callsLeft };
    }
    if (callsLeft === 0) {
      return { open: false, reason: 'budget_exhausted', until: budgetDayEndOf(now), state, callsLeft };
    }
    return { open: true, state, callsLeft };
  }

  /** Reserves up to `calls` of today's budget; resolves with the calls granted. */
  reserve(calls: number): Promise<number> {
    if (calls <= 0) return Promise.resolve(0);
    return this.#store.reserve(budgetDayOf(this.#now()), this.lane, calls, this.limit);
  }

  /** After the calls: gives back what a reservation did not use, or counts attempts beyond it. */
  async settle(reserved: number, used: number): Promise<void> {
    if (used !== reserved) await this.#store.adjust(budgetDayOf(this.#now()), this.lane, used - reserved);
  }

  /** Shares what the API said: a pause it named, the quota it reported. */
  async record(learnt: { readonly pause?: ApiPause; readonly quota?: QuotaObservation }): Promise<void> {
    await Promise.all([
      learnt.pause === undefined ? undefined : this.#store.recordPause(learnt.pause),
      learnt.quota === undefined ? undefined : this.#store.recordQuota(learnt.quota),
    ]);
  }

  /** Shares the age of the oldest message the lane saw (for `token-revoker status`). */
  recordBacklog(oldestPendingAgeSeconds: number): Promise<void> {
    return this.#store.recordBacklog(this.lane, { oldestPendingAgeSeconds, at: this.#now() });
  }

  /** Claims the shared quota probe: at most one per `intervalMs` across every instance. */
  claimProbe(intervalMs: number): Promise<boolean> {
    const now = this.#now();
    return this.#store.claimProbe(now, now - intervalMs);
  }
}
