import { type Rng, Z99 } from '../kernel/random';
import { acklamQuantile as normalQuantile, normalCdf } from '../stats/normal';

/**
 * A heavy tail mixed into a distribution: with `probability` a draw comes
 * from a Pareto distribution with minimum `scale` (seconds) and shape
 * `alpha` (> 1, so the mean is finite) instead of from the body.
 */
export interface TailSpec {
  probability: number;
  alpha: number;
  scale: number;
}

/** A service-time distribution as the scenario states it (seconds); `tail` is optional (none: the body alone). */
export type DistributionSpec = (
  | { distribution: 'lognormal'; p50: number; p99: number }
  | { distribution: 'fixed'; value: number }
  | { distribution: 'exponential'; mean: number }
  | { distribution: 'empirical'; quantiles: ReadonlyArray<{ q: number; value: number }> }
) & { tail?: TailSpec };

/** The same distribution with every latency multiplied by f (a pod's speed factor). */
export function scaledSpec(spec: DistributionSpec, f: number): DistributionSpec {
  const tail = spec.tail ? { tail: { ...spec.tail, scale: spec.tail.scale * f } } : {};
  switch (spec.distribution) {
    case 'lognormal':
      return { distribution: 'lognormal', p50: spec.p50 * f, p99: spec.p99 * f, ...tail };
    case 'fixed':
      return { distribution: 'fixed', value: spec.value * f, ...tail };
    case 'exponential':
      return { distribution: 'exponential', mean: spec.mean * f, ...tail };
    case 'empirical':
      return { distribution: 'empirical', quantiles: spec.quantiles.map((p) => ({ q: p.q, value: p.value * f })), ...tail };
  }
}

const LOGNORMAL = 0;
const FIXED = 1;
const EXPONENTIAL = 2;
const EMPIRICAL = 3;
/** A body with a tail: `sample` picks the component, the body's own kind does the rest (no extra work without a tail). */
const MIXTURE = 4;

/**
 * A compiled sampler. One class with a numeric kind keeps the call site
 * monomorphic in the hot path.
 *
 * With a `tail` (probability p, Pareto minimum xm, shape α) the distribution
 * is the mixture F(x) = (1 − p)·F_body(x) + p·F_tail(x), F_tail(x) =
 * 1 − (xm/x)^α for x ≥ xm. `cdf` is that sum; `quantile` inverts it by
 * bisection between the body's and the tail's own quantiles at u (the
 * mixture quantile always lies between them), to within 1e-12 relative, so
 * both stay exact. `body` is the sampler without the tail.
 */
export class Sampler {
  private readonly kind: number;
  private readonly p1: number;
  private readonly p2: number;
  private readonly qs: Float64Array;
  private readonly vs: Float64Array;
  /** Tail probability (0: no tail, and no extra work anywhere). */
  readonly tailP: number;
  private readonly tailAlpha: number;
  private readonly tailScale: number;
  /** The body alone (this sampler when there is no tail). */
  readonly body: Sampler;

  constructor(readonly spec: DistributionSpec) {
    const tail = spec.tail;
    this.tailP = tail && tail.probability > 0 ? tail.probability : 0;
    this.tailAlpha = tail ? tail.alpha : 1;
    this.tailScale = tail ? tail.scale : 0;
    this.body = this.tailP > 0 ? new Sampler(withoutTail(spec)) : this;
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
    if (this.tailP > 0) this.kind = MIXTURE;
  }

  sample(rng: Rng): number {
    switch (this.kind) {
      case LOGNORMAL:
        return Math.exp(this.p1 + this.p2 * rng.normal());
      case FIXED:
        return this.p1;
      case EXPONENTIAL:
        return rng.exponential(this.p1);
      case MIXTURE:
        return rng.uniform() < this.tailP ? this.sampleTail(rng) : this.body.sample(rng);
      default:
        return this.bodyQuantile(rng.uniform());
    }
  }

  /** One draw from the Pareto tail alone (inverse CDF). */
  sampleTail(rng: Rng): number {
    return this.tailScale * Math.pow(rng.uniformPositive(), -1 / this.tailAlpha);
  }

  /** The Pareto tail's CDF. */
  tailCdf(x: number): number {
    return x < this.tailScale ? 0 : 1 - Math.pow(this.tailScale / x, this.tailAlpha);
  }

  /** Inverse CDF (exact for every kind; a mixture with a tail by bisection, see the class). */
  quantile(u: number): number {
    if (this.tailP === 0) return this.bodyQuantile(u);
    if (u <= 0) return Math.min(this.body.bodyQuantile(0), this.tailScale);
    if (u >= 1) return Infinity;
    const a = this.body.bodyQuantile(u);
    const b = this.tailScale * Math.pow(1 - u, -1 / this.tailAlpha);
    let lo = Math.min(a, b);
    let hi = Math.max(a, b);
    if (this.cdf(lo) >= u) return lo;
    for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
      const mid = (lo + hi) / 2;
      if (this.cdf(mid) >= u) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  private bodyQuantile(u: number): number {
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
    if (this.tailP === 0) return this.bodyCdf(x);
    return (1 - this.tailP) * this.body.bodyCdf(x) + this.tailP * this.tailCdf(x);
  }

  private bodyCdf(x: number): number {
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
    if (this.tailP > 0) {
      // The mixture's partial moments are the weighted sums of the body's and the tail's.
      const b = this.body.partialMoments(t);
      const tl = paretoPartialMoments(this.tailScale, this.tailAlpha, t);
      const w = this.tailP;
      return { p: (1 - w) * b.p + w * tl.p, m1: (1 - w) * b.m1 + w * tl.m1, m2: (1 - w) * b.m2 + w * tl.m2 };
    }
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
    if (this.tailP > 0) return (1 - this.tailP) * this.body.mean() + (this.tailP * this.tailAlpha * this.tailScale) / (this.tailAlpha - 1);
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

function withoutTail(spec: DistributionSpec): DistributionSpec {
  const copy = { ...spec };
  delete copy.tail;
  return copy;
}

/**
 * Pareto(xm, α) partial moments below t: P(X <= t), E[X; X <= t], E[X²; X <= t]
 * (the second is infinite for t = ∞ when α <= 2).
 */
export function paretoPartialMoments(xm: number, alpha: number, t: number): { p: number; m1: number; m2: number } {
  if (!(t > xm)) return { p: 0, m1: 0, m2: 0 };
  const p = t === Infinity ? 1 : 1 - Math.pow(xm / t, alpha);
  const k = alpha * Math.pow(xm, alpha);
  // ∫ x^n · α xm^α x^(−α−1) dx from xm to t.
  const moment = (n: number) => {
    const e = n - alpha;
    if (Math.abs(e) < 1e-12) return k * Math.log(t / xm);
    if (t === Infinity) return e < 0 ? (k * -Math.pow(xm, e)) / e : Infinity;
    return (k * (Math.pow(t, e) - Math.pow(xm, e))) / e;
  };
  return { p, m1: moment(1), m2: moment(2) };
}

