import { describe, expect, it } from 'vitest';
import { budgetMinutes, daysInMonth, defaultWindows, errorBudgetOf, formatPromDuration, periodSeconds, tierOf, DEFAULT_TIERS } from '../../simulation/slo/spec';
import { apiAbortSloScenario } from '../support/scenario';

/** SLO periods, the workbook's windows for them, and the arithmetic the rest builds on (docs/slo.md). */
describe('SLO periods and default windows', () => {
  it('30 days: the workbook table (14.4, 6, 3, 1; short windows a twelfth of the long)', () => {
    const w = defaultWindows(30 * 86400);
    expect(w.map((x) => [x.severity, x.burnRate, formatPromDuration(x.long), formatPromDuration(x.short)])).toEqual([
      ['page', 14.4, '1h', '5m'],
      ['page', 6, '6h', '30m'],
      ['ticket', 3, '1d', '2h'],
      ['ticket', 1, '3d', '6h'],
    ]);
  });

  it('28 days and a 31-day month scale the burn rates with the period', () => {
    expect(defaultWindows(28 * 86400).map((x) => x.burnRate)).toEqual([13.44, 5.6, 2.8, 0.933333333333]);
    expect(defaultWindows(31 * 86400).map((x) => x.burnRate)).toEqual([14.88, 6.2, 3.1, 1.03333333333]);
  });

  it('a calendar month is the month the run starts in', () => {
    expect(daysInMonth(Date.UTC(2024, 1, 10))).toBe(29);
    expect(daysInMonth(Date.UTC(2026, 1, 28, 23, 59))).toBe(28);
    expect(daysInMonth(Date.UTC(2026, 0, 31))).toBe(31);
    expect(periodSeconds({ window: { kind: 'calendar-month' } }, Date.UTC(2026, 3, 1))).toBe(30 * 86400);
    const s = apiAbortSloScenario('10m', 'at: 2m\n    percent: 10', 'objective: 99.9\n    window: month');
    // The scenario starts on 2026-01-01 (telemetry.startTime's default): a 31-day period.
    expect(s.slos?.[0].window).toEqual({ kind: 'calendar-month' });
    expect(s.slos?.[0].alerting.windows.map((x) => x.burnRate)).toEqual([14.88, 6.2, 3.1, 1.03333333333]);
  });

  it('budget arithmetic: budget minutes, error budgets without float noise, tiers at their bounds', () => {
    expect(budgetMinutes(99.95, 30 * 86400)).toBeCloseTo(21.6, 12);
    expect(budgetMinutes(99.9, 30 * 86400)).toBeCloseTo(43.2, 12);
    expect(budgetMinutes(99.9, 28 * 86400)).toBeCloseTo(40.32, 12);
    expect(errorBudgetOf(99.9)).toBe(0.001);
    expect(errorBudgetOf(99.95)).toBe(0.0005);
    expect(errorBudgetOf(99.999)).toBe(0.00001);
    // A tier applies above its bound: exactly 50 % remaining is caution, just over is normal.
    expect(tierOf(DEFAULT_TIERS, 0.5).name).toBe('caution');
    expect(tierOf(DEFAULT_TIERS, 0.5000001).name).toBe('normal');
    expect(tierOf(DEFAULT_TIERS, 0).name).toBe('full-freeze');
    expect(tierOf(DEFAULT_TIERS, 0.0001).name).toBe('feature-freeze');
    expect(tierOf(DEFAULT_TIERS, -0.2).name).toBe('full-freeze');
  });

  it('formats durations as Prometheus rules write them', () => {
    expect([300, 1800, 3600, 5400, 86400, 3 * 86400, 30 * 86400, 90, 0.5].map(formatPromDuration)).toEqual(['5m', '30m', '1h', '1h30m', '1d', '3d', '30d', '1m30s', '500ms']);
  });
});
