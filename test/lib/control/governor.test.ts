import { Governor, OPERATOR_PAUSE_HOLD_MS } from '../../../functions/lib/control/governor';
import { memoryControlStore } from '../../../functions/lib/control/store';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const settings = { dailyCallBudget: 100, urgentReserveCalls: 20 };

describe("Governor.gate: an operator's pause", () => {
  it('closes only the paused lane, before the API pause and the budget, until resumed', async () => {
    // Prepare: routine paused by an operator, and an API pause in force too.
    const store = memoryControlStore();
    await store.pauseLane('routine', { reason: 'maintenance', at: NOW - 60_000, by: 'bob' });
    await store.recordPause({ until: NOW + 5_000, cause: 'throttled' });
    const routine = new Governor(store, settings, 'routine', () => NOW);
    const urgent = new Governor(store, settings, 'urgent', () => NOW);
    // Act
    const routineGate = await routine.gate();
    const urgentGate = await urgent.gate();
    // Assess: the operator's pause wins for routine and holds for the longest SQS hold; urgent sees the API pause.
    expect(routineGate).toMatchObject({
      open: false,
      reason: 'operator_paused',
      until: NOW + OPERATOR_PAUSE_HOLD_MS,
      operatorPause: { reason: 'maintenance', at: NOW - 60_000, by: 'bob' },
      callsLeft: 80,
    });
    expect(urgentGate).toMatchObject({ open: false, reason: 'paused', until: NOW + 5_000 });
    expect('operatorPause' in urgentGate).toBe(false);
    await store.resumeLane('routine');
    expect(await new Governor(store, settings, 'routine', () => NOW + 10_000).gate()).toMatchObject({
      open: true,
      callsLeft: 80,
    });
  });
});
