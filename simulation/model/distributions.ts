import { type Rng, Z99 } from '../kernel/random';
import { normalCdf } from '../stats/sampling';

/** A service-time distribution as the scenario states it (seconds). */
export type DistributionSpec =
  | { distribution: 'lognormal'; p50: number; p99: number }
  | { distribution: 'fixed'; value: number }
  | { distribution: 'exponential'; mean: number }
  | { distribution: 'empirical'; quantiles: ReadonlyArray<{ q: number; value: number }> };

const LOGNORMAL = 0;
const FIXED = 1;
const EXPONENTIAL = 2;
const EMPIRICAL = 3;

/**
 * A compiled sampler. One class with a numeric kind keeps the call site
 * monomorphic in the hot path.
 */
export class Sampler {
  private readonly kind: number;
  private readonly p1: number;
  private readonly p2: number;
  private readonly qs: Float64Array;
  private readonly vs: Float64Array;

  constructor(readonly spec: DistributionSpec) {
    this.qs = new Float64Array(0);
    this.vs = new Float64Array(0);
    switch (spec.distribution) {
      case 'lognormal':
        this.kind = LOGNORMAL;
        this.p1 = Math.log(spec.p50);
        this.p2 = (Math.log(spec.p99) - Math.log(spec.p50)) / Z99;
        break;
      case 'fixed':
        this.kind = FIXED;
        this.p1 = spec.value;
        this.p2 = 0;
        break;
      case 'exponential':
        this.kind = EXPONENTIAL;
        this.p1 = 1 / spec.mean;
        this.p2 = 0;
        break;
      case 'empirical':
        this.kind = EMPIRICAL;
        this.p1 = 0;
        this.p2 = 0;
        this.qs = Float64Array.from(spec.quantiles, (p) => p.q);
        this.vs = Float64Array.from(spec.quantiles, (p) => p.value);
        break;
    }
  }

  sample(rng: Rng): number {
    switch (this.kind) {
      case LOGNORMAL:
        return Math.exp(this.p1 + this.p2 * rng.normal());
      case FIXED:
        return this.p1;
      case EXPONENTIAL:
        return rng.exponential(this.p1);
      default:
        return this.quantile(rng.uniform());
    }
  }

  /** Inverse CDF (exact for every kind). */
  quantile(u: number): number {
    switch (this.kind) {
      case LOGNORMAL:
        return Math.exp(this.p1 + this.p2 * normalQuantile(u));
      case FIXED:
        return this.p1;
      case EXPONENTIAL:
        return -Math.log(1 - u) / this.p1;
      default: {
        // Piecewise-linear between the stated quantile points.
        const qs = this.qs;
        const vs = this.vs;
        let hi = 1;
        while (hi < qs.length - 1 && qs[hi] < u) hi++;
        const lo = hi - 1;
        const span = qs[hi] - qs[lo];
        const f = span > 0 ? (u - qs[lo]) / span : 0;
        return vs[lo] + f * (vs[hi] - vs[lo]);
      }
    }
  }

  /** P(X <= x) (exact for every kind). */
  cdf(x: number): number {
    switch (this.kind) {
      case LOGNORMAL:
        return x <= 0 ? 0 : normalCdf((Math.log(x) - this.p1) / this.p2);
      case FIXED:
        return x >= this.p1 ? 1 : 0;
      case EXPONENTIAL:
        return x <= 0 ? 0 : 1 - Math.exp(-x * this.p1);
      default: {
        const qs = this.qs;
        const vs = this.vs;
        if (x < vs[0]) return 0;
        if (x >= vs[vs.length - 1]) return 1;
        let hi = 1;
        while (hi < vs.length - 1 && vs[hi] <= x) hi++;
        const lo = hi - 1;
        const span = vs[hi] - vs[lo];
        return span > 0 ? qs[lo] + ((x - vs[lo]) / span) * (qs[hi] - qs[lo]) : qs[hi];
      }
    }
  }

  /**
   * Partial moments below t: P(X <= t), E[X; X <= t] and E[X²; X <= t]
   * (closed form for lognormal and exponential, numerical otherwise).
   */
  partialMoments(t: number): { p: number; m1: number; m2: number } {
    if (this.kind === LOGNORMAL) {
      const mu = this.p1;
      const s2 = this.p2 * this.p2;
      if (t === Infinity) return { p: 1, m1: Math.exp(mu + s2 / 2), m2: Math.exp(2 * mu + 2 * s2) };
      const z = (Math.log(t) - mu) / this.p2;
      return { p: normalCdf(z), m1: Math.exp(mu + s2 / 2) * normalCdf(z - this.p2), m2: Math.exp(2 * mu + 2 * s2) * normalCdf(z - 2 * this.p2) };
    }
    const p = t === Infinity ? 1 : this.cdf(t);
    if (this.kind === FIXED) return { p, m1: p * this.p1, m2: p * this.p1 * this.p1 };
    // Midpoint rule over the quantile function on [0, p].
    const n = 4096;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const x = this.quantile(((i + 0.5) / n) * p);
      m1 += x;
      m2 += x * x;
    }
    return { p, m1: (m1 * p) / n, m2: (m2 * p) / n };
  }

  /** Mean of the distribution. */
  mean(): number {
    switch (this.kind) {
      case LOGNORMAL:
        return Math.exp(this.p1 + (this.p2 * this.p2) / 2);
      case FIXED:
        return this.p1;
      case EXPONENTIAL:
        return 1 / this.p1;
      default: {
        let m = 0;
        for (let i = 1; i < this.qs.length; i++) m += ((this.qs[i] - this.qs[i - 1]) * (this.vs[i] + this.vs[i - 1])) / 2;
        return m;
      }
    }
  }
}

/** Acklam's rational approximation of the standard normal quantile (|error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
