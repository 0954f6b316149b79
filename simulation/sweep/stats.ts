/**
 * The statistics the threshold tuning lab reports (issue 10): rates with
 * Wilson score intervals, the Pareto frontier of configurations over several
 * measures to minimise, and the recommendation for an objective such as
 * "fastest detection with false aborts ≤ 1 %". Pure and deterministic.
 */

import { acklamQuantile, quantileSorted } from '../stats/normal';

/** The two-sided normal quantile for a confidence level, e.g. 0.95 → 1.959964. */
export function normalQuantile(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return inverseNormalCdf(1 - (1 - confidence) / 2);
}

/** The standard normal quantile function (Acklam's rational approximation: relative error below 1.15e-9 over (0, 1)). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  return acklamQuantile(p);
}

/** A proportion with its Wilson score interval. */
export interface Rate {
  successes: number;
  trials: number;
  /** successes ÷ trials (NaN without trials). */
  rate: number;
  low: number;
  high: number;
}

/**
 * The Wilson score interval of `successes` out of `trials` at `confidence`:
 * centre (p̂ + z²/2n) / (1 + z²/n), half-width z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
 * It stays inside [0, 1] and is sensible at 0 and n successes, unlike the
 * normal approximation. Without trials the interval is [0, 1].
 */
export function wilson(successes: number, trials: number, confidence = 0.95): Rate {
  if (!(Number.isInteger(successes) && Number.isInteger(trials) && successes >= 0 && trials >= 0 && successes <= trials)) {
    throw new RangeError(`expected whole numbers 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return { successes, trials, rate: NaN, low: 0, high: 1 };
  return { successes, trials, ...wilsonAt(successes / trials, trials, confidence) };
}

function wilsonAt(p: number, n: number, confidence: number): { rate: number; low: number; high: number } {
  const z = normalQuantile(confidence);
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0 and n successes the bound is exactly 0 or 1 (floating point would leave a hair off).
  return { rate: p, low: p === 0 ? 0 : Math.max(0, centre - half), high: p === 1 ? 1 : Math.min(1, centre + half) };
}

/**
 * A prior-weighted mixture of rates (e.g. missed regressions over several
 * severities, each with its prior weight): Σ wᵢ·kᵢ/nᵢ ÷ Σ wᵢ, with the
 * Wilson interval at Kish's effective sample size (Σ wᵢ)² ÷ Σ (wᵢ²/nᵢ).
 * Equal weight per trial gives exactly `wilson` of the pooled counts.
 * `successes`/`trials` are the pooled counts.
 */
export function weightedRate(groups: ReadonlyArray<{ successes: number; trials: number; weight: number }>, confidence = 0.95): Rate {
  const used = groups.filter((g) => g.trials > 0 && g.weight > 0);
  const successes = used.reduce((a, g) => a + g.successes, 0);
  const trials = used.reduce((a, g) => a + g.trials, 0);
  if (used.length === 0) return { successes, trials, rate: NaN, low: 0, high: 1 };
  const perTrial = used[0].weight / used[0].trials;
  if (used.every((g) => Math.abs(g.weight / g.trials - perTrial) <= 1e-12 * perTrial)) return wilson(successes, trials, confidence);
  const w = used.reduce((a, g) => a + g.weight, 0);
  const rate = used.reduce((a, g) => a + (g.weight * g.successes) / g.trials, 0) / w;
  const nEff = (w * w) / used.reduce((a, g) => a + (g.weight * g.weight) / g.trials, 0);
  return { successes, trials, ...wilsonAt(rate, nEff, confidence) };
}

/**
 * The Pareto frontier: the items no other item dominates, where `a`
 * dominates `b` when it is no worse on every measure (all minimised) and
 * better on at least one. Items with a NaN measure are never on it. Order is
 * kept.
 */
export function paretoFrontier<T>(items: readonly T[], measures: ReadonlyArray<(x: T) => number>): T[] {
  const values = items.map((x) => measures.map((m) => m(x)));
  const dominates = (a: number[], b: number[]) => a.every((v, i) => v <= b[i]) && a.some((v, i) => v < b[i]);
  return items.filter((_, i) => {
    if (values[i].some((v) => v !== v)) return false;
    return !values.some((other, j) => j !== i && !other.some((v) => v !== v) && dominates(other, values[i]));
  });
}

/**
 * The recommendation for an objective: among the items meeting every
 * constraint, the one with the least `minimise` (ties: the earlier item, so
 * the result never depends on anything but the order given); null when none
 * meets them.
 */
export function recommend<T>(items: readonly T[], constraints: ReadonlyArray<(x: T) => boolean>, minimise: (x: T) => number): T | null {
  let best: T | null = null;
  let bestValue = Infinity;
  for (const x of items) {
    if (!constraints.every((c) => c(x))) continue;
    const v = minimise(x);
    if (v !== v) continue;
    if (best === null || v < bestValue) {
      best = x;
      bestValue = v;
    }
  }
  return best;
}

/** The q-quantile of values (linear interpolation between order statistics, as numpy's default); NaN when empty. */
export function quantileOf(values: readonly number[], q: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), q);
}
