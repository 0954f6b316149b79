import type { Rng } from '../kernel/random';

/**
 * Exact samplers for the counts fast mode draws: Poisson, binomial and
 * multinomial. Large means use Hörmann's transformed-rejection algorithms
 * (PTRS for Poisson, BTRS for binomial), which are exact (rejection, not
 * approximation) and take O(1) draws; small means use inversion.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** A Poisson(mean) draw. */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    // Inversion by sequential search.
    let k = 0;
    let p = Math.exp(-mean);
    let s = p;
    const u = rng.uniform();
    while (u > s && p > 0) {
      k++;
      p *= mean / k;
      s += p;
    }
    return k;
  }
  // PTRS (Hörmann 1993).
  const slam = Math.sqrt(mean);
  const loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.uniform() - 0.5;
    const v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - lgamma(k + 1)) return k;
  }
}

/** A Binomial(n, p) draw. */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const q = 1 - p;
  if (n * p < 10) {
    // Inversion (BINV).
    const s = p / q;
    const a = (n + 1) * s;
    let r = Math.exp(n * Math.log1p(-p));
    let u = rng.uniform();
    let x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) return n;
      r *= a / x - s;
      if (r <= 0) return x;
    }
    return x;
  }
  // BTRS (Hörmann 1993).
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  const lpq = Math.log(p / q);
  const m = Math.floor((n + 1) * p);
  const h = lgamma(m + 1) + lgamma(n - m + 1);
  for (;;) {
    const u = rng.uniform() - 0.5;
    let v = rng.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    if (v <= h - lgamma(k + 1) - lgamma(n - k + 1) + (k - m) * lpq) return k;
  }
}

/**
 * Splits n into categories with probabilities `probs` (summing to at most 1;
 * the rest goes to the last slot of `out`, which must be one longer than
 * probs). Sequential binomials; allocation-free.
 */
export function multinomial(rng: Rng, n: number, probs: ArrayLike<number>, out: Float64Array): void {
  let left = n;
  let mass = 1;
  const k = probs.length;
  for (let i = 0; i < k; i++) {
    const p = probs[i];
    if (left === 0 || p <= 0) {
      out[i] = 0;
      continue;
    }
    const x = p >= mass ? left : binomial(rng, left, p / mass);
    out[i] = x;
    left -= x;
    mass -= p;
    if (mass <= 0) mass = 0;
  }
  out[k] = left;
}

