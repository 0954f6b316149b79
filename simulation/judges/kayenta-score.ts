import type { KayentaThresholds } from './kayenta-config';
import type { KayentaClassification, KayentaMetricClassification } from './kayenta-classifier';

/**
 * Kayenta's scoring of a judged canary (WeightedSumScorer and
 * ThresholdScoreClassifier; docs/judges.md, "Kayenta"): per group, the share
 * of counted metrics that passed; the summary score, the groups' scores
 * weighted; forced to 0 by a critical failure or by too many metrics without
 * data; then Pass, Marginal or Fail by the thresholds.
 */

/** One classified metric (one pair of series) as the scorer sees it. */
export interface KayentaMetricResult extends KayentaMetricClassification {
  name: string;
  /** The series' labels, when a query returns several series per scope (each is judged on its own). */
  tags: Readonly<Record<string, string>>;
  groups: readonly string[];
  /** Muted: reported, not scored. */
  muted: boolean;
  /** The metric is configured critical (the result's own `critical` says whether it fails the canary). */
  criticalMetric: boolean;
  /** The queries sent for the canary and the baseline (null when none could be built). */
  queries: { canary: string | null; baseline: string | null };
}

export interface KayentaGroupScore {
  name: string;
  /** Pass ÷ (Pass + High + Low + NodataFailMetric) × 100; null when none of those (the summary then counts 100). */
  score: number | null;
  /** The weight the summary gives it (configured, or a share of what the configured weights leave). */
  weight: number;
  counts: Record<KayentaClassification, number>;
}

export type KayentaVerdict = 'Pass' | 'Marginal' | 'Fail';

export interface KayentaScore {
  /** 0–100, rounded to 2 decimals. */
  score: number;
  verdict: KayentaVerdict;
  reason: string;
  groups: KayentaGroupScore[];
  thresholds: KayentaThresholds;
}

/** Metrics without data that force the score to 0: at least this share (%) of the scored metrics. */
export const NODATA_THRESHOLD = 50;

const LABELS: readonly KayentaClassification[] = ['Pass', 'High', 'Low', 'Nodata', 'NodataFailMetric', 'Error'];

/** Scores classified metrics: group scores, summary score, verdict and its reason. */
export function scoreKayenta(results: readonly KayentaMetricResult[], groupWeights: Readonly<Record<string, number>>, thresholds: KayentaThresholds): KayentaScore {
  const scored = results.filter((r) => !r.muted);

  // Group scores, groups in order of first appearance.
  const byGroup = new Map<string, KayentaMetricResult[]>();
  for (const r of scored) for (const g of r.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), r]);
  const weightSum = Object.values(groupWeights).reduce((s, w) => s + w, 0);
  const unweighted = [...byGroup.keys()].filter((g) => !(g in groupWeights));
  const share = unweighted.length > 0 ? (100 - weightSum) / unweighted.length : 0;
  const groups: KayentaGroupScore[] = [...byGroup.entries()].map(([name, rs]) => {
    const counts = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<KayentaClassification, number>;
    for (const r of rs) counts[r.classification]++;
    const counted = counts.Pass + counts.High + counts.Low + counts.NodataFailMetric;
    return { name, score: counted === 0 ? null : (counts.Pass / counted) * 100, weight: name in groupWeights ? groupWeights[name] : share, counts };
  });

  const classify = (score: number): KayentaVerdict => (score >= thresholds.pass ? 'Pass' : score >= thresholds.marginal ? 'Marginal' : 'Fail');
  const critical = scored.filter((r) => r.critical && r.classification !== 'Pass');
  if (critical.length > 0) {
    const f = critical[0];
    return { score: 0, verdict: classify(0), reason: `canary failed: critical metric ${metricLabel(f)} is ${f.classification} (${f.reason})${critical.length > 1 ? `; ${critical.length - 1} more critical failure${critical.length > 2 ? 's' : ''}` : ''}`, groups, thresholds };
  }
  const nodata = scored.filter((r) => r.classification === 'Nodata');
  if (scored.length > 0 && (nodata.length / scored.length) * 100 >= NODATA_THRESHOLD) {
    return { score: 0, verdict: classify(0), reason: `canary failed: ${nodata.length} of ${scored.length} metrics have no data (${NODATA_THRESHOLD}% or more fail the canary): ${nodata.map(metricLabel).join(', ')}`, groups, thresholds };
  }
  if (scored.length === 0) return { score: 0, verdict: classify(0), reason: results.length > 0 ? 'every metric is muted: nothing to score' : 'no metric results to score', groups, thresholds };

  let sum = 0;
  for (const g of groups) sum += (g.score ?? 100) * (g.weight / 100);
  const score = roundHalfUp(sum, 2);
  const verdict = classify(score);
  const failing = scored.filter((r) => r.classification !== 'Pass' && r.classification !== 'Nodata' && r.classification !== 'Error');
  const passed = scored.filter((r) => r.classification === 'Pass').length;
  const detail = failing.length > 0 ? `; not passing: ${failing.map((r) => `${metricLabel(r)} ${r.classification}`).join(', ')}` : '';
  const skipped = scored.length - passed - failing.length;
  const where = verdict === 'Pass' ? `at least the pass threshold ${thresholds.pass}` : verdict === 'Marginal' ? `below the pass threshold ${thresholds.pass}, at least the marginal threshold ${thresholds.marginal}` : `below the marginal threshold ${thresholds.marginal}`;
  return {
    score,
    verdict,
    reason: `score ${score} is ${where}: ${passed} of ${scored.length} metric${scored.length === 1 ? '' : 's'} passed${skipped > 0 ? ` (${skipped} without data or in error, not counted)` : ''}${detail}`,
    groups,
    thresholds,
  };
}

function metricLabel(r: Pick<KayentaMetricResult, 'name' | 'tags'>): string {
  const tags = Object.entries(r.tags);
  return tags.length === 0 ? r.name : `${r.name}{${tags.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/**
 * Rounds half away from zero at `digits` decimals of the number's shortest
 * decimal form, as Kayenta's MathUtils.round(x, 2) does (BigDecimal of
 * Double.toString, HALF_UP): 1.005 → 1.01, where 1.005 × 100 would round to 100.
 */
export function roundHalfUp(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const s = String(Math.abs(x));
  if (s.includes('e')) return Math.sign(x) * (Math.round(Math.abs(x) * 10 ** digits) / 10 ** digits);
  return Math.sign(x) * Number(`${Math.round(Number(`${s}e${digits}`))}e-${digits}`) || 0;
}
