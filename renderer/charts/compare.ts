/**
 * What two runs of one scenario are compared by (pure): per run a set of
 * facts — outcome, decision time, weights, failed checks, each metric's
 * checks, each SLO's budget — and, row by row, whether the runs differ.
 */
import type { RunResult } from '../../simulation/run/simulation';
import { clock } from '../format';
import { checkResult } from './series';

export interface CompareRow {
  key: string;
  label: string;
  a: string;
  b: string;
  /** The runs differ in this row. */
  differs: boolean;
  /** Signed difference b − a where it means something (times, counts, fractions). */
  delta: number | null;
  unit?: 's' | '%' | '';
}

function fmt(v: number | null, unit: CompareRow['unit']): string {
  if (v === null) return '—';
  if (unit === '%') return `${(v * 100).toFixed(Math.abs(v) < 0.001 && v !== 0 ? 4 : 2)}%`;
  if (unit === 's') return clock(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function numberRow(key: string, label: string, a: number | null, b: number | null, unit: CompareRow['unit'], eps = 1e-9): CompareRow {
  const differs = a === null || b === null ? a !== b : Math.abs(a - b) > eps;
  return { key, label, a: fmt(a, unit), b: fmt(b, unit), differs, delta: a !== null && b !== null ? b - a : null, unit };
}

function textRow(key: string, label: string, a: string, b: string): CompareRow {
  return { key, label, a, b, differs: a !== b, delta: null };
}

/** The rows comparing two results of the same scenario. */
export function compareRows(a: RunResult, b: RunResult): CompareRow[] {
  const rows: CompareRow[] = [];
  const outcome = (r: RunResult) => (r.outcome ? `${r.outcome.phase}${r.outcome.promoted ? ', promoted' : ''}` : 'no rollout');
  rows.push(textRow('outcome', 'Outcome', outcome(a), outcome(b)));
  rows.push(numberRow('decided', 'Decided at', a.outcome?.decidedAt ?? null, b.outcome?.decidedAt ?? null, 's'));
  const maxOf = (r: RunResult, f: (x: RunResult['timeline'][number]) => number) => (r.timeline.length > 0 ? Math.max(...r.timeline.map(f)) : null);
  rows.push(numberRow('max-weight', 'Highest canary weight', maxOf(a, (x) => x.canaryWeight), maxOf(b, (x) => x.canaryWeight), ''));
  rows.push(numberRow('failed', 'Most failed checks', maxOf(a, (x) => x.failedChecks), maxOf(b, (x) => x.failedChecks), ''));
  const metrics = [...new Set([...a.checks, ...b.checks].map((c) => c.metric))];
  for (const m of metrics) {
    const stat = (r: RunResult) => {
      const cs = r.checks.filter((c) => c.metric === m);
      const failed = cs.filter((c) => checkResult(c) !== 'pass').length;
      const vals = cs.flatMap((c) => (c.value === null ? [] : [c.value]));
      return { text: `${failed} of ${cs.length} failed`, failed, mean: vals.length > 0 ? vals.reduce((s, v) => s + v, 0) / vals.length : null };
    };
    const sa = stat(a);
    const sb = stat(b);
    rows.push({ key: `metric-${m}`, label: `${m}: checks`, a: sa.text, b: sb.text, differs: sa.text !== sb.text, delta: sb.failed - sa.failed, unit: '' });
    rows.push(numberRow(`metric-mean-${m}`, `${m}: mean value`, sa.mean === null ? null : Number(sa.mean.toPrecision(4)), sb.mean === null ? null : Number(sb.mean.toPrecision(4)), '', 0));
  }
  const slos = [...new Set([...a.slo, ...b.slo].map((s) => s.name))];
  for (const name of slos) {
    const sa = a.slo.find((s) => s.name === name);
    const sb = b.slo.find((s) => s.name === name);
    rows.push(numberRow(`budget-${name}`, `${name}: budget at end`, sa?.budget.end ?? null, sb?.budget.end ?? null, '%', 5e-5));
    rows.push(numberRow(`rollout-${name}`, `${name}: consumed by the rollout`, sa?.budget.consumedByRollout ?? null, sb?.budget.consumedByRollout ?? null, '%', 5e-6));
    const fired = (s: typeof sa) => (s ? s.alerts.filter((x) => x.firedAt !== null).length : null);
    rows.push(numberRow(`alerts-${name}`, `${name}: alerts fired`, fired(sa), fired(sb), ''));
  }
  return rows;
}
