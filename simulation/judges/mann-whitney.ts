import { normalCdf, normalQuantile } from '../stats/normal';

/**
 * The statistics of Kayenta's Mann-Whitney classifier (docs/judges.md,
 * "Kayenta"): the Wilcoxon rank-sum / Mann-Whitney U test and the confidence
 * interval of the location shift (canary − baseline) found by inverting it,
 * as Kayenta's port of R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE,
 * correct = TRUE)` computes it: normal approximation, tie-corrected variance,
 * continuity correction. Pure and deterministic; nothing here throws on data
 * (an impossible interval comes back as an error value).
 *
 * Kayenta finds the interval's ends with a numerical root finder on the
 * standardised rank-sum statistic as a function of the shift d. That function
 * is a step function of d: it changes only where d equals one of the n·m
 * pairwise differences canary[i] − baseline[j]. So its root is exactly one of
 * those differences (where the sign changes), or, where the function is zero
 * over a whole step, that step — of which this takes the middle. We compute
 * that root exactly instead of approximating it (a root finder returns a
 * point within its tolerance of the same jump).
 */

/** Average ranks (1-based; ties share the mean of the ranks they span), in input order. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Σ (t³ − t) over the groups of equal values (the tie term of the rank-sum variance). */
export function tieTerm(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    sum += t * t * t - t;
    i = j + 1;
  }
  return sum;
}

/** Standard deviation of the rank sum under the null hypothesis, with the tie correction. */
function rankSumSigma(n: number, m: number, ties: number): number {
  const v = ((n * m) / 12) * (n + m + 1 - ties / ((n + m) * (n + m - 1)));
  return v > 0 ? Math.sqrt(v) : 0;
}

/** The Mann-Whitney U test of canary against baseline. */
export interface RankSumTest {
  /** U of the canary: pairs (canary, baseline) where the canary is larger, ties counted ½ (R's W). */
  u: number;
  /** The standardised statistic with continuity correction (null when every value is tied). */
  z: number | null;
  /** Two-sided p-value from the normal approximation (null when every value is tied). */
  pValue: number | null;
}

/**
 * The two-sided Mann-Whitney U (Wilcoxon rank-sum) test with the normal
 * approximation, tie-corrected variance and continuity correction, as R's
 * `wilcox.test(canary, baseline, exact = FALSE)` reports it.
 */
export function rankSumTest(canary: readonly number[], baseline: readonly number[]): RankSumTest {
  const n = canary.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return { u: 0, z: null, pValue: null };
  const combined = [...canary, ...baseline];
  const ranks = averageRanks(combined);
  let rx = 0;
  for (let i = 0; i < n; i++) rx += ranks[i];
  const u = rx - (n * (n + 1)) / 2;
  const sigma = rankSumSigma(n, m, tieTerm(combined));
  if (sigma === 0) return { u, z: null, pValue: null };
  const d = u - (n * m) / 2;
  const z = (d - Math.sign(d) * 0.5) / sigma;
  return { u, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

/** The confidence interval of the shift canary − baseline and its point estimate. */
export interface ShiftInterval {
  lower: number;
  upper: number;
  /** Hodges–Lehmann estimate: the median of the pairwise differences. */
  estimate: number;
  confidenceLevel: number;
}

/**
 * The asymptotic confidence interval of the location shift canary − baseline
 * by inverting the rank-sum test (Kayenta's port of R's `wilcox.test`, two
 * sided, continuity corrected), and the Hodges–Lehmann estimate of the shift.
 * An error when a side is empty or every observation is tied (R: "cannot
 * compute confidence interval when all observations are tied").
 */
export function shiftConfidenceInterval(canary: readonly number[], baseline: readonly number[], confidenceLevel: number): { ok: true; interval: ShiftInterval } | { ok: false; error: string } {
  const n = canary.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return { ok: false, error: 'a sample is empty' };
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) return { ok: false, error: `the confidence level must be between 0 and 1, got ${confidenceLevel}` };
  for (const v of [...canary, ...baseline]) if (!Number.isFinite(v)) return { ok: false, error: 'the samples must be finite numbers' };

  // Pairwise differences, sorted; their distinct values and how many are ≤ each.
  const total = n * m;
  const diffs = new Float64Array(total);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) diffs[i * m + j] = canary[i] - baseline[j];
  diffs.sort();
  const distinct: number[] = [];
  const atMost: number[] = [];
  for (let k = 0; k < total; k++) {
    if (k + 1 < total && diffs[k + 1] === diffs[k]) continue;
    distinct.push(diffs[k]);
    atMost.push(k + 1);
  }
  const muMin = distinct[0];
  const muMax = distinct[distinct.length - 1];

  // Between two consecutive differences no canary − d value ties with a baseline value: only the ties within
  // each sample count, and the rank-sum statistic is (#differences above d) − n·m/2.
  const sigmaBetween = rankSumSigma(n, m, tieTerm(canary) + tieTerm(baseline));
  // The standardised, continuity-corrected statistic at a shift d, computed by ranking (Kayenta's function).
  const atShift = (d: number, zq: number): number | null => {
    const combined = [...canary.map((v) => v - d), ...baseline];
    const ranks = averageRanks(combined);
    let rx = 0;
    for (let i = 0; i < n; i++) rx += ranks[i];
    const dz = rx - (n * (n + 1)) / 2 - (n * m) / 2;
    const sigma = rankSumSigma(n, m, tieTerm(combined));
    if (sigma === 0) return null;
    return (dz - Math.sign(dz) * 0.5) / sigma - zq;
  };
  const between = (k: number, zq: number): number => {
    const dz = total - atMost[k] - total / 2;
    return (dz - Math.sign(dz) * 0.5) / sigmaBetween - zq;
  };
  const root = (zq: number): number | null => {
    const lowerEnd = atShift(muMin, zq);
    const upperEnd = atShift(muMax, zq);
    if (lowerEnd === null || upperEnd === null || sigmaBetween === 0) return null;
    if (lowerEnd <= 0) return muMin;
    if (upperEnd >= 0) return muMax;
    // The statistic is non-increasing in d: find the first step (between distinct[k] and distinct[k + 1]) where it is ≤ 0.
    const steps = distinct.length - 1;
    let lo = 0;
    let hi = steps;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (between(mid, zq) <= 0) hi = mid;
      else lo = mid + 1;
    }
    if (lo === steps) return muMax;
    if (between(lo, zq) < 0) return distinct[lo];
    // Zero over whole steps: the middle of them.
    let last = lo;
    while (last + 1 < steps && between(last + 1, zq) === 0) last++;
    return (distinct[lo] + distinct[last + 1]) / 2;
  };

  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);
  const lower = root(z);
  const upper = root(-z);
  if (lower === null || upper === null) return { ok: false, error: 'cannot compute the confidence interval when all observations are tied' };
  const half = total >> 1;
  const estimate = total % 2 === 1 ? diffs[half] : (diffs[half - 1] + diffs[half]) / 2;
  return { ok: true, interval: { lower, upper, estimate, confidenceLevel } };
}

/** The Hodges–Lehmann estimate of the shift canary − baseline: the median of all pairwise differences (NaN if a side is empty). */
export function hodgesLehmann(canary: readonly number[], baseline: readonly number[]): number {
  const n = canary.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return NaN;
  const diffs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) diffs[i * m + j] = canary[i] - baseline[j];
  diffs.sort();
  const half = diffs.length >> 1;
  return diffs.length % 2 === 1 ? diffs[half] : (diffs[half - 1] + diffs[half]) / 2;
}

/**
 * Vargha and Delaney's A (the common language effect size): the probability
 * that a canary value exceeds a baseline value, ties counted ½ — U ÷ (n·m).
 * NaN if a side is empty.
 */
export function commonLanguageEffectSize(canary: readonly number[], baseline: readonly number[]): number {
  if (canary.length === 0 || baseline.length === 0) return NaN;
  return rankSumTest(canary, baseline).u / (canary.length * baseline.length);
}

