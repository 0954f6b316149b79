/**
 * The statistics the threshold tuning lab reports (issue 10): rates with
 * Wilson score intervals, the Pareto frontier of configurations over several
 * measures to minimise, and the recommendation for an objective such as
 * "fastest detection with false aborts ≤ 1 %". Pure and deterministic.
 */

/** The two-sided normal quantile for a confidence level, e.g. 0.95 → 1.959964. */
export function normalQuantile(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return inverseNormalCdf(1 - (1 - confidence) / 2);
}

/** The standard normal quantile function (Acklam's rational approximation: relative error below 1.15e-9 over (0, 1)). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
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
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
