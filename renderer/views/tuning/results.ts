import { asJudge, type ConfigurationResult, formatMeasure, judgeOf, measureOf, type ReplayOutline, type SweepResult } from '../../../simulation/sweep/aggregate';
import type { Measure } from '../../../simulation/sweep/spec';
import type { Rate } from '../../../simulation/sweep/stats';

/**
 * The tuning lab's figures, as `gameday sweep` prints them (formatMeasure,
 * measureOf): the table's columns and their order, the scatter's points
 * with their intervals, and the diff's lines. Pure, so the tests read them.
 */

/** What a replayed situation replays, for a tooltip: its files, what the recording shows, the noise drawn per seed. */
export function replayTitle(r: ReplayOutline): string {
  const noise = r.noise === 'poisson' ? 'counters drawn again per seed (Poisson)' : 'the recording as it is, every seed';
  return `Replayed in dry run over ${[...r.data, ...(r.events ? [r.events] : [])].join(', ')} (recorded: ${r.recorded}; ${noise}). Times count from the recorded analysis start; no budget, no shadow judges.`;
}

/** The number of a sweep's situations that are replayed rollouts. */
export function replayedSituations(r: SweepResult): number {
  return r.sweep.situations.filter((s) => s.replay).length;
}

/** How each measure is named in the table and on the axes. */
export const MEASURE_LABELS: Record<Measure, string> = {
  falseAborts: 'false aborts',
  missedRegressions: 'missed regressions',
  detectionMedian: 'detection p50',
  detectionP95: 'detection p95',
  badRequests: 'bad requests',
  budgetBurned: 'budget burned',
  healthyDuration: 'healthy rollout',
};

/** A rate with its Wilson interval, "1.0 % [0.2–5.4]" (n/a without trials). */
export function formatRate(m: Measure, r: Rate | null): string {
  if (r === null || Number.isNaN(r.rate)) return 'n/a';
  return `${formatMeasure(m, r.rate)} [${(r.low * 100).toFixed(1)}–${(r.high * 100).toFixed(1)}]`;
}

/** The rate behind a measure (false aborts, missed regressions), or null for times and means. */
export function rateOf(c: ConfigurationResult, m: Measure): Rate | null {
  return m === 'falseAborts' ? c.falseAborts : m === 'missedRegressions' ? c.missedRegressions : null;
}

export type ColumnKey = 'configuration' | Measure | 'undecided' | 'inconclusive';

export interface Column {
  key: ColumnKey;
  label: string;
  /** The cell as shown. */
  text(c: ConfigurationResult): string;
  /** The value sorted by (NaN: missing, always last). */
  value(c: ConfigurationResult): number;
}

const measureColumn = (m: Measure): Column => ({
  key: m,
  label: MEASURE_LABELS[m],
  text: (c) => (m === 'falseAborts' || m === 'missedRegressions' ? formatRate(m, rateOf(c, m)) : formatMeasure(m, measureOf(c, m))),
  value: (c) => measureOf(c, m),
});

/** The table's columns, in `gameday sweep`'s order. */
export const COLUMNS: readonly Column[] = [
  { key: 'configuration', label: 'configuration', text: (c) => c.label, value: (c) => c.index },
  ...(['falseAborts', 'missedRegressions', 'detectionMedian', 'detectionP95', 'badRequests', 'budgetBurned', 'healthyDuration'] as const).map(measureColumn),
  { key: 'undecided', label: 'undecided', text: (c) => String(c.undecided), value: (c) => c.undecided },
];

/** A shadow judge's measures of a configuration (the sweep's k-th judge). */

/**
 * The table's columns for the sweep's k-th shadow judge: its false aborts, missed regressions (promoted or left
 * undecided), detection times, and the runs it would pause (inconclusive) or had not decided on.
 */
export function judgeColumns(k: number): Column[] {
  const rate = (m: 'falseAborts' | 'missedRegressions'): Column => ({ key: m, label: MEASURE_LABELS[m], text: (c) => formatRate(m, judgeOf(c, k)[m]), value: (c) => judgeOf(c, k)[m]?.rate ?? NaN });
  const time = (m: 'detectionMedian' | 'detectionP95'): Column => {
    const v = (c: ConfigurationResult) => (m === 'detectionMedian' ? judgeOf(c, k).detection.median : judgeOf(c, k).detection.p95) ?? NaN;
    return { key: m, label: MEASURE_LABELS[m], text: (c) => formatMeasure(m, v(c)), value: v };
  };
  return [
    COLUMNS[0],
    rate('falseAborts'),
    rate('missedRegressions'),
    time('detectionMedian'),
    time('detectionP95'),
    { key: 'inconclusive', label: 'inconclusive', text: (c) => String(judgeOf(c, k).inconclusive), value: (c) => judgeOf(c, k).inconclusive },
    { key: 'undecided', label: 'undecided', text: (c) => String(judgeOf(c, k).undecided), value: (c) => judgeOf(c, k).undecided },
  ];
}

/** The index of a shadow judge in the sweep's result; null for Flagger (or a judge the result does not have). */
export function judgeIndex(r: SweepResult, name: string | null): number | null {
  if (name === null) return null;
  const k = r.sweep.judges?.findIndex((j) => j.name === name) ?? -1;
  return k >= 0 ? k : null;
}

/**
 * The result as the scatter shows a shadow judge: each configuration with the judge's rates and detection times in
 * place of Flagger's (what only Flagger's runs measure — bad requests, budget, healthy duration — left out), no
 * frontier (it is Flagger's, over Flagger's measures). Flagger's own result for k null.
 */
export function judgeView(r: SweepResult, k: number | null): SweepResult {
  if (k === null) return r;
  return {
    ...r,
    frontierMeasures: [],
    configurations: r.configurations.map((c) => asJudge(c, k)),
  };
}

export interface Sort {
  key: ColumnKey;
  descending: boolean;
}

/** The configurations ordered by a column: missing values last either way, ties in the sweep's order. */
export function sortConfigurations(rows: readonly ConfigurationResult[], sort: Sort, columns: readonly Column[] = COLUMNS): ConfigurationResult[] {
  const col = columns.find((c) => c.key === sort.key) ?? columns[0];
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const nx = Number.isNaN(x);
    const ny = Number.isNaN(y);
    if (nx || ny) return nx === ny ? a.index - b.index : nx ? 1 : -1;
    return (sort.descending ? y - x : x - y) || a.index - b.index;
  });
}

/** The next sort when a header is clicked: the same column flips, another starts ascending. */
export function nextSort(current: Sort, key: ColumnKey): Sort {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: false };
}

export interface ScatterPoint {
  index: number;
  label: string;
  x: number;
  y: number;
  /** The Wilson interval of a rate axis; null for times and means. */
  xInterval: [number, number] | null;
  yInterval: [number, number] | null;
  frontier: boolean;
  recommended: boolean;
}

/** The scatter's points for two measures (configurations without both are left out: the table still lists them). */
export function scatterPoints(r: SweepResult, x: Measure, y: Measure): ScatterPoint[] {
  const interval = (c: ConfigurationResult, m: Measure): [number, number] | null => {
    const rate = rateOf(c, m);
    return rate && !Number.isNaN(rate.rate) ? [rate.low, rate.high] : null;
  };
  return r.configurations
    .map((c) => ({ index: c.index, label: c.label, x: measureOf(c, x), y: measureOf(c, y), xInterval: interval(c, x), yInterval: interval(c, y), frontier: c.frontier, recommended: r.recommendation.configuration === c.index }))
    .filter((p) => !Number.isNaN(p.x) && !Number.isNaN(p.y));
}

/** The frontier's points in the order a line connects them (by x, then y). */
export function frontierPath(points: readonly ScatterPoint[]): ScatterPoint[] {
  return points.filter((p) => p.frontier).sort((a, b) => a.x - b.x || a.y - b.y);
}

/** A unified diff's lines with their kind, for colouring. */
export function diffLines(diff: string): Array<{ kind: 'add' | 'del' | 'hunk' | 'file' | 'context'; text: string }> {
  return diff
    .split('\n')
    .filter((l, i, all) => !(l === '' && i === all.length - 1))
    .map((text) => ({
      kind: text.startsWith('+++') || text.startsWith('---') ? 'file' : text.startsWith('@@') ? 'hunk' : text.startsWith('+') ? 'add' : text.startsWith('-') ? 'del' : 'context',
      text,
    }));
}
