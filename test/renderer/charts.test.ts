import { describe, expect, it } from 'vitest';
import {
  alertSpans,
  alertStateAt,
  budgetDomain,
  budgetSeries,
  checkResult,
  decimate,
  differingSpans,
  metricBounds,
  metricNames,
  phaseBands,
  promSeconds,
  recordAt,
  stepSeries,
  stepValueAt,
  tierAt,
  tierBands,
  timeTicks,
  valueDomain,
  type Pt,
} from '../../renderer/charts/series';
import { sloGuides, unusedWindows } from '../../renderer/charts/slo-guides';
import { compareRows } from '../../renderer/charts/compare';
import type { MetricCheck, TickRecord } from '../../simulation/rollout/types';
import type { SloAlert, SloResult } from '../../simulation/slo/runtime';
import type { RunResult } from '../../simulation/run/simulation';
import { DEFAULT_TIERS } from '../../simulation/slo/spec';

/** A deterministic pseudo-random series (no Math.random in tests). */
function series(n: number, seed = 7, gaps = 0): Pt[] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const out: Pt[] = [];
  let v = 0;
  for (let i = 0; i < n; i++) {
    v += rnd() - 0.5;
    out.push({ t: i * 0.5, v: gaps > 0 && rnd() < gaps ? null : v });
  }
  return out;
}

const finite = (ps: readonly Pt[]) => ps.flatMap((p) => (p.v === null ? [] : [p.v]));

describe('decimate', () => {
  it('returns a small series as it is', () => {
    const s = series(100);
    expect(decimate(s, 0, 50, 400)).toBe(s);
  });

  it('keeps both endpoints and the global extremes, in time order, at most four points per column', () => {
    for (const seed of [1, 2, 3, 42]) {
      const s = series(20_000, seed);
      const out = decimate(s, 0, s[s.length - 1].t, 300);
      expect(out.length).toBeLessThanOrEqual(4 * 300 + 2);
      expect(out.length).toBeLessThan(s.length / 10);
      expect(out[0]).toBe(s[0]);
      expect(out[out.length - 1]).toBe(s[s.length - 1]);
      expect(Math.max(...finite(out))).toBe(Math.max(...finite(s)));
      expect(Math.min(...finite(out))).toBe(Math.min(...finite(s)));
      for (let i = 1; i < out.length; i++) expect(out[i].t).toBeGreaterThan(out[i - 1].t);
      // Every kept point is one of the input's.
      const set = new Set(s);
      expect(out.every((p) => set.has(p))).toBe(true);
    }
  });

  it("keeps every pixel column's minimum, maximum, first and last value (what the line looks like)", () => {
    const s = series(10_000, 5);
    const t1 = s[s.length - 1].t;
    const cols = 200;
    const out = decimate(s, 0, t1, cols);
    const col = (p: Pt) => Math.min(cols - 1, Math.floor((p.t / t1) * cols));
    for (let c = 0; c < cols; c++) {
      const a = s.filter((p) => col(p) === c);
      const b = out.filter((p) => col(p) === c);
      if (a.length === 0) continue;
      expect(Math.max(...finite(b))).toBe(Math.max(...finite(a)));
      expect(Math.min(...finite(b))).toBe(Math.min(...finite(a)));
      expect(b[0]).toBe(a[0]);
      expect(b[b.length - 1]).toBe(a[a.length - 1]);
    }
  });

  it('keeps gaps: a column with no data still breaks the line', () => {
    const s = series(5000, 9);
    for (let i = 2000; i < 2100; i++) s[i] = { t: s[i].t, v: null };
    const out = decimate(s, 0, s[s.length - 1].t, 100);
    const gaps = out.filter((p) => p.v === null);
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps.every((p) => p.t >= s[2000].t && p.t <= s[2099].t)).toBe(true);
  });

  it('handles a series with scattered gaps and a zero-length domain', () => {
    const s = series(3000, 11, 0.1);
    const out = decimate(s, 0, s[s.length - 1].t, 50);
    expect(Math.max(...finite(out))).toBe(Math.max(...finite(s)));
    expect(decimate(s, 10, 10, 50)).toBe(s);
  });
});

const tick = (t: number, phase: TickRecord['phase'], canaryWeight: number, failedChecks = 0): TickRecord => ({ t, phase, canaryWeight, primaryWeight: 100 - canaryWeight, failedChecks, iterations: 0 });
const TIMELINE: TickRecord[] = [
  tick(0, 'Initialized', 0),
  tick(60, 'Initialized', 0),
  tick(120, 'Progressing', 0),
  tick(180, 'Progressing', 10),
  tick(240, 'Progressing', 20),
  tick(300, 'Progressing', 20, 1),
  tick(360, 'Promoting', 20, 1),
  tick(420, 'Finalising', 0, 1),
  tick(480, 'Succeeded', 0, 1),
  tick(540, 'Succeeded', 0, 1),
];

describe('step series from the timeline', () => {
  it('has a point where the value changes and one at the end', () => {
    expect(stepSeries(TIMELINE, (r) => r.canaryWeight, 600)).toEqual([
      { t: 0, v: 0 },
      { t: 180, v: 10 },
      { t: 240, v: 20 },
      { t: 420, v: 0 },
      { t: 600, v: 0 },
    ]);
    expect(stepSeries(TIMELINE, (r) => r.failedChecks, 540)).toEqual([
      { t: 0, v: 0 },
      { t: 300, v: 1 },
      { t: 540, v: 1 },
    ]);
  });

  it("stops at the run's time and is empty without records", () => {
    expect(stepSeries(TIMELINE, (r) => r.canaryWeight, 200)).toEqual([
      { t: 0, v: 0 },
      { t: 180, v: 10 },
      { t: 200, v: 10 },
    ]);
    expect(stepSeries([], (r: TickRecord) => r.canaryWeight, 100)).toEqual([]);
  });

  it('reads a step value at a time', () => {
    const s = stepSeries(TIMELINE, (r) => r.canaryWeight, 600);
    expect(stepValueAt(s, -1)).toBeNull();
    expect(stepValueAt(s, 200)).toBe(10);
    expect(stepValueAt(s, 240)).toBe(20);
    expect(recordAt(TIMELINE, 239)?.t).toBe(180);
    expect(recordAt(TIMELINE, 10_000)?.t).toBe(540);
    expect(recordAt(TIMELINE, -5)).toBeNull();
  });

  it('merges phases into bands, the last held up to now', () => {
    expect(phaseBands(TIMELINE, 600)).toEqual([
      { from: 0, to: 120, state: 'Initialized' },
      { from: 120, to: 360, state: 'Progressing' },
      { from: 360, to: 420, state: 'Promoting' },
      { from: 420, to: 480, state: 'Finalising' },
      { from: 480, to: 600, state: 'Succeeded' },
    ]);
    expect(phaseBands(TIMELINE, 150)).toEqual([
      { from: 0, to: 120, state: 'Initialized' },
      { from: 120, to: 150, state: 'Progressing' },
    ]);
  });

  it("finds where two runs' weights differ", () => {
    const a = stepSeries(TIMELINE, (r) => r.canaryWeight, 600);
    const b = stepSeries(
      TIMELINE.map((r) => (r.t === 240 ? { ...r, canaryWeight: 10 } : r)),
      (r) => r.canaryWeight,
      600,
    );
    expect(differingSpans(a, b, 600)).toEqual([{ from: 240, to: 300 }]);
    expect(differingSpans(a, a, 600)).toEqual([]);
  });
});

const check = (t: number, metric: string, value: number | null, ok: boolean, min: number | null = null, max: number | null = 500): MetricCheck => ({ t, metric, kind: 'builtin', query: 'q', value, min, max, ok });

describe('metric checks', () => {
  it('classifies pass, fail and no data', () => {
    expect(checkResult(check(1, 'm', 10, true))).toBe('pass');
    expect(checkResult(check(1, 'm', 700, false))).toBe('fail');
    expect(checkResult(check(1, 'm', null, false))).toBe('nodata');
  });

  it('names metrics as declared, then any other checked, and reads their bounds', () => {
    const declared = [
      { name: 'b', min: 99, max: null },
      { name: 'a', min: null, max: 500 },
    ];
    const checks = [check(1, 'a', 1, true, null, 400), check(1, 'c', 1, true)];
    expect(metricNames(declared, checks)).toEqual(['b', 'a', 'c']);
    expect(metricBounds('a', declared, checks)).toEqual({ min: null, max: 400 });
    expect(metricBounds('b', declared, checks)).toEqual({ min: 99, max: null });
  });

  it('pads a value domain and takes in the bounds', () => {
    const [lo, hi] = valueDomain([300, null, 400], [null, 500]);
    expect(lo).toBeLessThan(300);
    expect(hi).toBeGreaterThan(500);
    expect(valueDomain([], [])).toEqual([0, 1]);
    const [a, b] = valueDomain([100], []);
    expect(a).toBeLessThan(100);
    expect(b).toBeGreaterThan(100);
  });
});

const alert = (activeAt: number, firedAt: number | null, resolvedAt: number | null): SloAlert => ({ severity: 'page', burnRate: 14.4, longWindow: '1h', shortWindow: '5m', for: 120, activeAt, firedAt, resolvedAt });

describe('alert spans', () => {
  it('is pending from active to fired, then firing until resolved', () => {
    const spans = alertSpans([alert(100, 220, 400)], 1000).map(({ from, to, state }) => ({ from, to, state }));
    expect(spans).toEqual([
      { from: 100, to: 220, state: 'pending' },
      { from: 220, to: 400, state: 'firing' },
    ]);
  });

  it('fires at once with for: 0 (no pending span) and stays firing up to now while unresolved', () => {
    const spans = alertSpans([alert(300, 300, null)], 500).map(({ from, to, state }) => ({ from, to, state }));
    expect(spans).toEqual([{ from: 300, to: 500, state: 'firing' }]);
  });

  it('drops a pending alert that never fired at its resolution, and clips to now', () => {
    expect(alertSpans([alert(100, null, 160)], 1000).map((s) => [s.from, s.to, s.state])).toEqual([[100, 160, 'pending']]);
    expect(alertSpans([alert(100, null, null)], 130).map((s) => [s.from, s.to, s.state])).toEqual([[100, 130, 'pending']]);
    // Seen before it fired: the run is at 150.
    expect(alertSpans([alert(100, 220, 400)], 150).map((s) => [s.from, s.to, s.state])).toEqual([[100, 150, 'pending']]);
    expect(alertSpans([alert(100, 220, 400)], 300).map((s) => [s.from, s.to, s.state])).toEqual([
      [100, 220, 'pending'],
      [220, 300, 'firing'],
    ]);
    expect(alertSpans([alert(900, 900, null)], 800)).toEqual([]);
  });

  it('keeps a sliver for an alert fired and resolved at one evaluation', () => {
    expect(alertSpans([alert(200, 200, 200)], 1000).map((s) => [s.from, s.to, s.state])).toEqual([[200, 200, 'firing']]);
  });

  it('tells the state at a time', () => {
    const alerts = [alert(100, 220, 400), alert(600, null, 660)];
    expect(alertStateAt(alerts, 50, 1000)).toBeNull();
    expect(alertStateAt(alerts, 150, 1000)).toBe('pending');
    expect(alertStateAt(alerts, 300, 1000)).toBe('firing');
    expect(alertStateAt(alerts, 630, 1000)).toBe('pending');
    expect(alertStateAt(alerts, 700, 1000)).toBeNull();
  });
});

describe('policy tiers', () => {
  const tiers = DEFAULT_TIERS.map((t) => ({ name: t.name, above: t.above }));

  it('bands each tier between its bound and the one above, clipped to the domain', () => {
    expect(tierBands(tiers, 0.05, 0.3)).toEqual([
      { name: 'caution', index: 1, from: 0.25, to: 0.3 },
      { name: 'low-risk-only', index: 2, from: 0.1, to: 0.25 },
      { name: 'feature-freeze', index: 3, from: 0.05, to: 0.1 },
    ]);
    expect(tierBands(tiers, -0.1, 0.05).map((b) => [b.name, b.from, b.to])).toEqual([
      ['feature-freeze', 0, 0.05],
      ['full-freeze', -0.1, 0],
    ]);
    expect(tierBands(tiers, 0.9, 1.01).map((b) => b.name)).toEqual(['normal']);
  });

  it('picks the tier as the policy does: above its bound', () => {
    expect(tierAt(tiers, 0.6)?.name).toBe('normal');
    expect(tierAt(tiers, 0.1)?.name).toBe('feature-freeze');
    expect(tierAt(tiers, 0.1000001)?.name).toBe('low-risk-only');
    expect(tierAt(tiers, 0)?.name).toBe('full-freeze');
    expect(tierAt(tiers, -0.5)?.name).toBe('full-freeze');
    expect(tierAt([], 0.5)).toBeNull();
  });

  it('widens a budget domain to a nearby tier bound, not a far one', () => {
    const [lo, hi] = budgetDomain([0.12, 0.11, 0.0895], [0.5, 0.25, 0.1, 0]);
    expect(lo).toBeLessThan(0.0895);
    expect(hi).toBeGreaterThan(0.12);
    expect(lo).toBeLessThanOrEqual(0.0895);
    expect(hi).toBeLessThan(0.25);
    const [a, b] = budgetDomain([1, 0.9999], [0.5, 0.25, 0.1, 0]);
    expect(b - a).toBeGreaterThanOrEqual(0.02);
    expect(a).toBeGreaterThan(0.5);
    expect(b).toBeLessThan(1.01);
  });

  it('starts the budget at its start value at t=0', () => {
    const h = [
      { t: 60, remaining: 0.99, burnRates: {} },
      { t: 120, remaining: 0.98, burnRates: {} },
      { t: 180, remaining: 0.97, burnRates: {} },
    ];
    expect(budgetSeries(1, h, 150)).toEqual([
      { t: 0, v: 1 },
      { t: 60, v: 0.99 },
      { t: 120, v: 0.98 },
    ]);
  });
});

function slo(over: Partial<SloResult> = {}): SloResult {
  return {
    name: 'orders-availability',
    service: 'backend',
    objective: 99.9,
    errorBudget: 0.001,
    window: '30d',
    budget: { start: 1, end: 0.99, consumed: 0.01, consumedByRollout: 0.001, byCause: { primary: 0.009, canary: 0.001, other: 0, whileFaultActive: {} }, badEvents: 1, totalEvents: 100, windowEvents: 1000, budgetMinutes: 43.2, consumedMinutes: 0.4 },
    policy: null,
    alerting: { name: 'ErrorBudgetBurn', evaluationInterval: 60, windows: [] },
    alerts: [],
    history: [{ t: 60, remaining: 1, burnRates: { '5m': 1, '30m': 1, '1h': 1, '2h': 1, '6h': 1, '1d': 1, '3d': 1 } }],
    ruleErrors: [],
    ...over,
  };
}


describe('SLO guides', () => {
  const windows = [
    { severity: 'page', burnRate: 14.4, longWindow: '1h', shortWindow: '5m', for: 0 },
    { severity: 'page', burnRate: 6, longWindow: '6h', shortWindow: '30m', for: 0 },
    { severity: 'ticket', burnRate: 3, longWindow: '1d', shortWindow: '2h', for: 0 },
    { severity: 'ticket', burnRate: 1, longWindow: '3d', shortWindow: '6h', for: 0 },
  ];
  const tiers = [
    { name: 'open', above: 0.4, holdRollouts: false, haltPromotion: false, rollback: false },
    { name: 'closed', above: null, holdRollouts: true, haltPromotion: true, rollback: false },
  ];

  it('draws every alert rule of the run record, fired or not, and its policy tiers', () => {
    const g = sloGuides(slo({ alerting: { name: 'ErrorBudgetBurn', evaluationInterval: 60, windows }, policy: { tiers, start: 'open', end: 'open', changes: [] } }));
    expect(g.rows).toEqual([
      { severity: 'page', burnRate: 14.4, long: '1h', short: '5m' },
      { severity: 'page', burnRate: 6, long: '6h', short: '30m' },
      { severity: 'ticket', burnRate: 3, long: '1d', short: '2h' },
      { severity: 'ticket', burnRate: 1, long: '3d', short: '6h' },
    ]);
    expect(g.tiers).toEqual([
      { name: 'open', above: 0.4 },
      { name: 'closed', above: null },
    ]);
  });

  it('adds alerts the run recorded that no rule lists; no policy, no tiers', () => {
    const other = slo({ alerting: { name: 'X', evaluationInterval: 60, windows: [] }, history: [{ t: 60, remaining: 1, burnRates: { '10m': 1, '2h': 2 } }], alerts: [{ ...alert(10, 10, null), longWindow: '2h', shortWindow: '10m', burnRate: 5 }] });
    const g = sloGuides(other);
    expect(g.rows).toEqual([{ severity: 'page', burnRate: 5, long: '2h', short: '10m' }]);
    expect(g.tiers).toBeNull();
    expect(unusedWindows(other, g.rows)).toEqual([]);
  });

  it('parses Prometheus durations', () => {
    expect(promSeconds('30d')).toBe(30 * 86400);
    expect(promSeconds('1h30m')).toBe(5400);
    expect(promSeconds('500ms')).toBe(0.5);
    expect(promSeconds('')).toBeNull();
    expect(promSeconds('3 days')).toBeNull();
  });
});

describe('time ticks', () => {
  it('steps in whole minutes and hours', () => {
    expect(timeTicks(0, 1800, 8)).toEqual([0, 300, 600, 900, 1200, 1500, 1800]);
    expect(timeTicks(0, 6 * 3600, 6)).toEqual([0, 3600, 7200, 10800, 14400, 18000, 21600]);
    expect(timeTicks(0, 0, 5)).toEqual([0]);
  });
});

describe('compare rows', () => {
  const result = (over: Partial<RunResult>): RunResult =>
    ({
      outcome: { phase: 'Succeeded', promoted: true, decidedAt: 720, reason: '' },
      timeline: TIMELINE,
      checks: [check(60, 'request-duration', 300, true), check(120, 'request-duration', 700, false)],
      slo: [slo()],
      ...over,
    }) as RunResult;

  it('marks the rows where two runs differ', () => {
    const a = result({});
    const b = result({ outcome: { phase: 'Failed', promoted: false, decidedAt: 900, reason: '' }, checks: [check(60, 'request-duration', 300, true), check(120, 'request-duration', 320, true)] });
    const rows = compareRows(a, b);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by.outcome.differs).toBe(true);
    expect(by.decided.delta).toBe(180);
    expect(by['max-weight'].differs).toBe(false);
    expect(by['metric-request-duration'].a).toBe('1 of 2 failed');
    expect(by['metric-request-duration'].b).toBe('0 of 2 failed');
    expect(by['metric-request-duration'].differs).toBe(true);
    expect(by['budget-orders-availability'].differs).toBe(false);
    expect(compareRows(a, a).some((r) => r.differs)).toBe(false);
  });
});
