import { describe, expect, it } from 'vitest';
import { COLUMNS, judgeColumns, judgeIndex, judgeView, scatterPoints, sortConfigurations } from '../../renderer/views/tuning/results';
import { aggregate, type PlanOutline } from '../../simulation/sweep/aggregate';
import { type RunRecord, shadowRecordOf } from '../../simulation/sweep/run';
import { wilson } from '../../simulation/sweep/stats';

/**
 * The tuning lab's judge selector (docs/app.md, "Tuning lab"): the table and
 * the scatter show a shadow judge's measures on the same runs instead of
 * Flagger's, Flagger's by default.
 */

const outline: PlanOutline = {
  name: 'two-judges',
  description: null,
  scenario: 'scenario.yaml',
  canary: 'shop/checkout',
  canaryFile: 'scenario.yaml',
  fingerprint: '0'.repeat(64),
  seeds: 2,
  seed: 1,
  confidence: 0.95,
  parameters: [{ field: 'analysis.threshold', values: [2, 3] }],
  configurations: [
    { index: 0, values: [2], label: 'threshold=2' },
    { index: 1, values: [3], label: 'threshold=3' },
  ],
  situations: [
    { index: 0, name: 'healthy', group: 'healthy', weight: 0.5, healthy: true, onset: 0, mode: 'fast', variant: {}, fault: null },
    { index: 1, name: 'errors', group: 'errors', weight: 0.5, healthy: false, onset: 0, mode: 'fast', variant: {}, fault: 'http-abort' },
  ],
  objective: { minimise: 'detectionP95', subjectTo: {} },
  judges: [
    { name: 'argo', judge: 'argo' },
    { name: 'kayenta', judge: 'kayenta' },
  ],
};

// Configuration 0: Flagger catches both regressions; argo false-aborts one healthy run, kayenta misses one regression.
// Configuration 1: Flagger misses a regression; both judges catch everything.
const plan: Array<[RunRecord['outcome'], ['promote' | 'rollback' | 'undecided', number | null], ['promote' | 'rollback' | 'undecided', number | null]]> = [
  ['promoted', ['rollback', 200], ['promote', 300]],
  ['promoted', ['promote', 300], ['promote', 300]],
  ['rolled-back', ['rollback', 150], ['undecided', null]],
  ['rolled-back', ['rollback', 180], ['rollback', 120]],
  ['promoted', ['promote', 300], ['promote', 300]],
  ['promoted', ['promote', 300], ['promote', 300]],
  ['promoted', ['rollback', 150], ['rollback', 120]],
  ['rolled-back', ['rollback', 180], ['rollback', 150]],
];
const records: RunRecord[] = plan.map(([outcome, a, k], u) => {
  const healthy = u % 4 < 2;
  return {
    u,
    outcome,
    decidedAfter: 240,
    detection: !healthy && outcome === 'rolled-back' ? 240 : null,
    badRequests: 0,
    budget: null,
    shadow: [shadowRecordOf({ verdict: a[0], at: a[1] }, 60, 60, healthy), shadowRecordOf({ verdict: k[0], at: k[1] }, 60, 60, healthy)],
  };
});
const result = aggregate(outline, records);

describe('the judge selector', () => {
  it('finds a judge by name, Flagger by default', () => {
    expect([judgeIndex(result, null), judgeIndex(result, 'kayenta'), judgeIndex(result, 'gone')]).toEqual([null, 1, null]);
    expect(judgeView(result, null)).toBe(result);
  });

  it("shows a judge's rates, detection, inconclusive and undecided runs in the table, sorted by them", () => {
    const cols = judgeColumns(0);
    expect(cols.map((c) => c.key)).toEqual(['configuration', 'falseAborts', 'missedRegressions', 'detectionMedian', 'detectionP95', 'inconclusive', 'undecided']);
    const row = (k: number, c: number) => judgeColumns(k).map((col) => col.text(result.configurations[c]));
    // argo under threshold=2: 1 of 2 healthy runs rolled back; detection 90 s and 120 s after the onset (1:00).
    expect(row(0, 0)).toEqual(['threshold=2', '50.0 % [9.5–90.5]', '0.00 % [0.0–65.8]', '105 s', '119 s', '0', '0']);
    // kayenta under threshold=2: the undecided regression is a miss.
    expect(row(1, 0)).toEqual(['threshold=2', '0.00 % [0.0–65.8]', '50.0 % [9.5–90.5]', '60 s', '60 s', '0', '1']);
    expect(result.configurations[0].judges?.[1].missedRegressions).toEqual(wilson(1, 2));
    // Sorting by the judge's misses: threshold=3 (none) first.
    expect(sortConfigurations(result.configurations, { key: 'missedRegressions', descending: false }, judgeColumns(1)).map((c) => c.index)).toEqual([1, 0]);
    // Flagger's columns are unchanged: threshold=3 misses one regression of two.
    expect(COLUMNS.find((c) => c.key === 'missedRegressions')?.text(result.configurations[1])).toBe('50.0 % [9.5–90.5]');
  });

  it("places the configurations at the judge's measures in the scatter, without Flagger's frontier", () => {
    const view = judgeView(result, 1);
    expect(scatterPoints(view, 'falseAborts', 'missedRegressions').map((p) => [p.index, p.x, p.y, p.frontier])).toEqual([
      [0, 0, 0.5, false],
      [1, 0, 0, false],
    ]);
    // What only Flagger's runs measure has no value for a judge: those configurations leave such axes.
    expect(scatterPoints(view, 'falseAborts', 'healthyDuration')).toEqual([]);
    expect(view.frontierMeasures).toEqual([]);
    expect(scatterPoints(result, 'falseAborts', 'missedRegressions').map((p) => [p.x, p.y])).toEqual([
      [0, 0],
      [0, 0.5],
    ]);
  });
});
