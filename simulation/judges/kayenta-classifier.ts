import { Rng } from '../kernel/random';
import { quantileSorted } from '../stats/normal';
import type { KayentaEffectMeasure, KayentaMetricAnalysis } from './kayenta-config';
import { commonLanguageEffectSize, rankSumTest, shiftConfidenceInterval } from './mann-whitney';

/**
 * Kayenta's per-metric classification (NetflixACAJudge-v1.0 with its
 * Mann-Whitney classifier; docs/judges.md, "Kayenta"): the canary's samples
 * against the baseline's, after NaN handling and optional outlier removal,
 * classified High, Low, Pass, Nodata, NodataFailMetric or Error, with a reason
 * a person can act on and every statistic behind it.
 */

/** The judge's two constants: Kayenta passes them as literals (NetflixACAJudge), not from the config. */
export interface KayentaJudgeOptions {
  /** Confidence level of the shift's interval (0.98). */
  confidenceLevel: number;
  /** The tolerance band is ±tolerance × |shift estimate| (0.25). */
  tolerance: number;
}

export const NETFLIX_JUDGE_OPTIONS: Readonly<KayentaJudgeOptions> = Object.freeze({ confidenceLevel: 0.98, tolerance: 0.25 });

export type KayentaClassification = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFailMetric' | 'Error';

/** One side's samples after NaN handling and outlier removal (null when there are none). */
export interface SampleStatistics {
  count: number;
  mean: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Sample standard deviation (n − 1); 0 for one sample. */
  std: number | null;
}

/** The Mann-Whitney comparison behind a High, Low or Pass. */
export interface KayentaTestStatistics {
  confidenceLevel: number;
  /** Confidence interval of the shift canary − baseline. */
  lower: number;
  upper: number;
  /** Hodges–Lehmann estimate of the shift. */
  estimate: number;
  tolerance: number;
  /** The tolerance band ±tolerance × |estimate| the interval must clear. */
  band: { lower: number; upper: number };
  /** Mann-Whitney U of the canary and its two-sided p-value (normal approximation; reported, not used by the judge). */
  u: number;
  pValue: number | null;
  /** Both sides were constant: Gaussian noise of 1e-5 × their value broke the ties first. */
  noiseAdded: boolean;
}

export interface KayentaMetricClassification {
  classification: KayentaClassification;
  reason: string;
  /**
   * The result's critical flag: a critical metric's High or Low beyond its
   * critical effect size, or its Nodata or Error. A flagged result that is not
   * Pass fails the whole canary (score 0).
   */
  critical: boolean;
  effectSize: { measure: KayentaEffectMeasure; value: number | null };
  canary: SampleStatistics;
  baseline: SampleStatistics;
  /** What the transforms took out. */
  removed: { canaryNaN: number; baselineNaN: number; canaryOutliers: number; baselineOutliers: number };
  test: KayentaTestStatistics | null;
}

/**
 * Classifies one metric: `canary` (experiment) and `baseline` (control)
 * samples, judged as `analysis` says. Never throws: what Kayenta reports as a
 * failed classification comes back as Error with its reason.
 */
export function classifyKayentaMetric(
  canary: readonly number[],
  baseline: readonly number[],
  analysis: KayentaMetricAnalysis,
  options: KayentaJudgeOptions = NETFLIX_JUDGE_OPTIONS,
): KayentaMetricClassification {
  const measure = analysis.effectSize.measure;
  const nan = (xs: readonly number[]) => xs.filter((v) => Number.isNaN(v)).length;
  const clean = (xs: readonly number[]) => (analysis.nanStrategy === 'remove' ? xs.filter((v) => !Number.isNaN(v)) : xs.map((v) => (Number.isNaN(v) ? 0 : v)));
  let exp = clean(canary);
  let ctl = clean(baseline);
  const removed = { canaryNaN: analysis.nanStrategy === 'remove' ? nan(canary) : 0, baselineNaN: analysis.nanStrategy === 'remove' ? nan(baseline) : 0, canaryOutliers: 0, baselineOutliers: 0 };
  if (analysis.outliers.strategy === 'remove') {
    const e = removeOutliers(exp, analysis.outliers.outlierFactor);
    const c = removeOutliers(ctl, analysis.outliers.outlierFactor);
    removed.canaryOutliers = exp.length - e.length;
    removed.baselineOutliers = ctl.length - c.length;
    exp = e;
    ctl = c;
  }
  const base = { canary: describeSamples(exp), baseline: describeSamples(ctl), removed };
  const result = (classification: KayentaClassification, reason: string, critical: boolean, value: number | null = null, test: KayentaTestStatistics | null = null): KayentaMetricClassification => ({
    classification,
    reason,
    critical,
    effectSize: { measure, value },
    ...base,
    test,
  });

  // No data.
  if (exp.length === 0 || ctl.length === 0) {
    const missing = exp.length === 0 && ctl.length === 0 ? 'neither the canary nor the baseline has samples' : exp.length === 0 ? 'the canary has no samples' : 'the baseline has no samples';
    const nans = analysis.nanStrategy === 'remove' && removed.canaryNaN + removed.baselineNaN > 0 ? ` (NaN samples removed: ${removed.canaryNaN} of the canary's, ${removed.baselineNaN} of the baseline's)` : '';
    if (analysis.nanStrategy === 'replace') return result('Pass', `no data: ${missing}; with nanStrategy replace a metric without data passes`, false);
    if (analysis.mustHaveData && !analysis.critical) return result('NodataFailMetric', `no data: ${missing}${nans}, and the metric must have data (mustHaveData)`, false);
    return result('Nodata', `no data: ${missing}${nans}${analysis.critical ? '; the metric is critical, so the canary fails' : ''}`, analysis.critical);
  }

  // Identical data, or one value throughout: no difference (the effect size reads "no change").
  const neutral = measure === 'cles' ? 0.5 : 1;
  const se = [...exp].sort((a, b) => a - b);
  const sc = [...ctl].sort((a, b) => a - b);
  if (se.length === sc.length && se.every((v, i) => v === sc[i])) return result('Pass', 'the canary and baseline data are identical', false, neutral);
  if (new Set([...exp, ...ctl]).size === 1) return result('Pass', `every sample of both sides is ${formatNumber(exp[0])}`, false, neutral);

  if ([...exp, ...ctl].some((v) => !Number.isFinite(v))) {
    return result('Error', 'the series have infinite values (+Inf or -Inf, e.g. a division by zero or a quantile beyond the last bucket): the Mann-Whitney interval cannot use them', analysis.critical);
  }

  // Each side constant (two different values): break the ties with a little Gaussian noise, as Kayenta does.
  const noiseAdded = new Set(exp).size === 1 && new Set(ctl).size === 1;
  if (noiseAdded) {
    const rng = new Rng('kayenta/ties');
    const jitter = (xs: number[]) => xs.map((v) => v + rng.normal() * Math.abs(v) * 1e-5);
    exp = jitter(exp);
    ctl = jitter(ctl);
  }

  const ci = shiftConfidenceInterval(exp, ctl, options.confidenceLevel);
  if (!ci.ok) return result('Error', `the metric could not be classified: ${ci.error}`, analysis.critical);
  const { lower, upper, estimate } = ci.interval;
  const half = options.tolerance * Math.abs(estimate);
  const band = { lower: -half, upper: half };
  const mw = rankSumTest(exp, ctl);
  const effect = measure === 'cles' ? commonLanguageEffectSize(exp, ctl) : meanRatio(exp, ctl);
  const effectValue = Number.isNaN(effect) ? null : effect;
  const test: KayentaTestStatistics = { confidenceLevel: options.confidenceLevel, lower, upper, estimate, tolerance: options.tolerance, band, u: mw.u, pValue: mw.pValue, noiseAdded };

  const es = analysis.effectSize;
  const higher = lower > band.upper;
  const lowerSide = upper < band.lower;
  const wantsHigh = analysis.direction === 'increase' || analysis.direction === 'either';
  const wantsLow = analysis.direction === 'decrease' || analysis.direction === 'either';
  const bigIncrease = Number.isNaN(effect) || effect >= es.allowedIncrease;
  const bigDecrease = Number.isNaN(effect) || effect <= es.allowedDecrease;
  const pct = `${formatNumber(options.confidenceLevel * 100)}%`;
  const interval = `the ${pct} interval of the canary − baseline shift [${formatNumber(lower)}, ${formatNumber(upper)}]`;
  const bandText = `the tolerance band ±${formatNumber(half)} (${formatNumber(options.tolerance * 100)}% of the shift estimate ${formatNumber(estimate)})`;
  const effectText = `${measure === 'cles' ? 'the common-language effect size' : 'the mean ratio'} ${effectValue === null ? 'is undefined (a mean is 0), so the effect size is not checked' : formatNumber(effect)}`;

  if (higher && wantsHigh && bigIncrease) {
    const critical = analysis.critical && (Number.isNaN(effect) || effect >= es.criticalIncrease);
    const crit = critical ? `; the metric is critical${Number.isNaN(effect) ? '' : ` and ${formatNumber(effect)} ≥ criticalIncrease ${formatNumber(es.criticalIncrease)}`}, so the canary fails` : '';
    return result('High', `the canary is higher than the baseline: ${interval} lies above ${bandText}, and ${effectText}${effectValue === null ? '' : ` ≥ allowedIncrease ${formatNumber(es.allowedIncrease)}`}${crit}`, critical, effectValue, test);
  }
  if (lowerSide && wantsLow && bigDecrease) {
    const critical = analysis.critical && (Number.isNaN(effect) || effect <= es.criticalDecrease);
    const crit = critical ? `; the metric is critical${Number.isNaN(effect) ? '' : ` and ${formatNumber(effect)} ≤ criticalDecrease ${formatNumber(es.criticalDecrease)}`}, so the canary fails` : '';
    return result('Low', `the canary is lower than the baseline: ${interval} lies below ${bandText}, and ${effectText}${effectValue === null ? '' : ` ≤ allowedDecrease ${formatNumber(es.allowedDecrease)}`}${crit}`, critical, effectValue, test);
  }
  let why: string;
  if (higher && !wantsHigh) why = `the canary is higher than the baseline (${interval} lies above ${bandText}), but direction is ${analysis.direction}: an increase does not fail this metric`;
  else if (lowerSide && !wantsLow) why = `the canary is lower than the baseline (${interval} lies below ${bandText}), but direction is ${analysis.direction}: a decrease does not fail this metric`;
  else if (higher) why = `the canary is significantly higher (${interval} lies above ${bandText}), but ${effectText} < allowedIncrease ${formatNumber(es.allowedIncrease)}: the increase is too small to fail`;
  else if (lowerSide) why = `the canary is significantly lower (${interval} lies below ${bandText}), but ${effectText} > allowedDecrease ${formatNumber(es.allowedDecrease)}: the decrease is too small to fail`;
  else why = `no significant difference: ${interval} overlaps ${bandText}`;
  return result('Pass', why, false, effectValue, test);
}

/** mean(canary) ÷ mean(baseline); NaN if either mean is 0 (Kayenta's meanRatio). */
export function meanRatio(canary: readonly number[], baseline: readonly number[]): number {
  const mc = mean(canary);
  const mb = mean(baseline);
  return mc === 0 || mb === 0 ? NaN : mc / mb;
}

/**
 * Kayenta's IQR outlier detector with reduced sensitivity: values outside
 * [min(P1, Q1 − f·IQR), max(P99, Q3 + f·IQR)] are removed (percentiles by
 * linear interpolation between order statistics, R's type 7).
 */
export function removeOutliers(values: readonly number[], factor: number): number[] {
  if (values.length < 2) return [...values];
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const low = Math.min(quantileSorted(sorted, 0.01), q1 - factor * iqr);
  const high = Math.max(quantileSorted(sorted, 0.99), q3 + factor * iqr);
  return values.filter((v) => !(v < low || v > high));
}


function mean(xs: readonly number[]): number {
  let s = 0;
  for (const v of xs) s += v;
  return xs.length > 0 ? s / xs.length : NaN;
}

export function describeSamples(xs: readonly number[]): SampleStatistics {
  const n = xs.length;
  if (n === 0) return { count: 0, mean: null, median: null, min: null, max: null, std: null };
  const sorted = [...xs].sort((a, b) => a - b);
  const m = mean(xs);
  let ss = 0;
  for (const v of xs) ss += (v - m) * (v - m);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return { count: n, mean: finite(m), median: finite(quantileSorted(sorted, 0.5)), min: finite(sorted[0]), max: finite(sorted[n - 1]), std: n > 1 ? finite(Math.sqrt(ss / (n - 1))) : 0 };
}

/** A number for a sentence: up to 4 significant digits, no exponent for everyday magnitudes. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e7) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}
