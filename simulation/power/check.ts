/**
 * The arithmetic of one success-rate check (docs/power.md): the probability
 * that Flagger's `request-success-rate` check fails when the canary's
 * requests N in the counted span follow a given distribution and each is a
 * 5xx with probability p, independently (errors E | N ~ Binomial(N, p)).
 *
 * The check reads 100·(N − E)/N and fails when
 * - N = 0: the query's 0/0 is NaN, Flagger's "no values found" — a failed check;
 * - 100·(N − E)/N < min, i.e. (N − E)·(100 − min) < min·E;
 * - 100·(N − E)/N > max, i.e. (N − E)·(100 − max) > max·E.
 * The bounds are compared as the decimals written (a reading equal to a bound
 * passes, as in Flagger), in integer arithmetic, so 99.9 % is 999/1000 exactly.
 *
 * Counts: Traefik's weighted round robin gives the canary ⌊w·M⌋ or ⌈w·M⌉ of
 * M ~ Poisson requests (`roundRobinCounts`, `splitCounts`); a random split
 * gives N ~ Poisson (`poissonCounts`). `checkFailureOver` sums
 * P(N = n)·P(Binomial(n, p) ≥ allowed(n) + 1) over any such distribution;
 * `checkFailure` is the random split's closed form: Poisson thinning makes
 * S = N − E ~ Poisson(m(1 − p)) and E ~ Poisson(mp) independent, so
 * P(fail) = e^{−m} + Σ_{e ≥ 1} P(E = e)·P(S ≤ ⌈min·e/(100 − min)⌉ − 1) (+ the
 * same for max).
 *
 * Every sum runs over its distributions' significant ranges (beyond them less
 * than 1e−20 of the mass) and adds positive terms only: no cancellation.
 * Probability masses use Loader's saddle-point form (as R's dpois/dbinom),
 * accurate to about 1e−15 relative for any count, so the results are exact to
 * about 1e−12 absolute for means up to 1e9 and beyond: no normal
 * approximation is needed anywhere.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

const LN_SQRT_2PI = 0.9189385332046728; // log(√(2π))
const SQRT_2PI = 2.5066282746310002;

/** log(n!) for n = 0…15, exact products (n! is exact in float64 up to 22!). */
const LOG_FACTORIAL_SMALL: readonly number[] = (() => {
  const out: number[] = [];
  let f = 1;
  for (let n = 0; n <= 15; n++) {
    if (n > 0) f *= n;
    out.push(Math.log(f));
  }
  return out;
})();

/**
 * Stirling's error log(n!) − (n + ½)·log(n) + n − log(√(2π)) for whole n ≥ 1
 * (Loader 2000): exact logs of small factorials up to 15, the asymptotic
 * series beyond (relative error below 1e−16 there).
 */
function stirlingError(n: number): number {
  if (n <= 15) return LOG_FACTORIAL_SMALL[n] - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
  const nn = n * n;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** x·log(x/m) + m − x without cancellation when x ≈ m (Loader's bd0). */
function deviance(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/** P(X = k) for X ~ Poisson(mean), k a whole number; accurate to ~1e−15 relative for any mean. */
export function poissonPmf(k: number, mean: number): number {
  if (k < 0 || !Number.isInteger(k)) return 0;
  if (mean === 0) return k === 0 ? 1 : 0;
  if (k === 0) return Math.exp(-mean);
  return Math.exp(-stirlingError(k) - deviance(k, mean)) / (SQRT_2PI * Math.sqrt(k));
}

/** P(X = k) for X ~ Binomial(n, p); accurate to ~1e−15 relative. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n || !Number.isInteger(k)) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  const q = 1 - p;
  if (k === 0) return Math.exp(n * Math.log1p(-p));
  if (k === n) return Math.exp(n * Math.log(p));
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - deviance(k, n * p) - deviance(n - k, n * q);
  return Math.exp(lc) * Math.sqrt(n / (2 * Math.PI * k * (n - k)));
}

/**
 * The whole numbers outside which a Poisson(mean) has less than 1e−20 of
 * its mass on either side: mean ± (10·√mean + 20), by Bernstein's bound
 * exp(−x²/(2(mean + x/3))) on each tail.
 */
export function poissonSupport(mean: number): [number, number] {
  const x = 10 * Math.sqrt(mean) + 20;
  return [Math.max(0, Math.floor(mean - x)), Math.ceil(mean + x)];
}

/** P(Binomial(n, p) ≥ k): the shorter side summed term by term (every term positive). */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  // Beyond this many standard deviations (and 20 terms) from the mean the terms are below 1e−20 of the total.
  const reach = Math.ceil(10 * sd + 20);
  if (k > mean) {
    let s = 0;
    for (let j = k; j <= Math.min(n, k + reach); j++) s += binomialPmf(j, n, p);
    return Math.min(1, s);
  }
  let below = 0;
  for (let j = k - 1; j >= Math.max(0, k - 1 - reach); j--) below += binomialPmf(j, n, p);
  return Math.max(0, 1 - below);
}

/** A success-rate threshold range in percent (Flagger's `thresholdRange`); null: unbounded on that side. */
export interface SuccessRateBounds {
  min: number | null;
  max: number | null;
}

/** A decimal percentage as the integer pair (a, b) with a/(a + b) = x/100, both over 10^d for the decimals written. */
function decimalRatio(x: number): { a: number; b: number } {
  if (!(x >= 0 && x <= 100)) throw new RangeError(`a success-rate bound must be a percentage in [0, 100], got ${x}`);
  const text = String(x);
  const decimals = /e/i.test(text) ? 12 : (text.split('.')[1] ?? '').length;
  const scale = 10 ** Math.min(decimals, 12);
  const a = Math.round(x * scale);
  return { a, b: 100 * scale - a };
}

/** ⌊n·m / d⌋ for whole numbers n, m ≥ 0 and d > 0, exactly (BigInt where the product passes 2^53). */
function floorDiv(n: number, m: number, d: number): number {
  const x = n * m;
  if (x <= Number.MAX_SAFE_INTEGER) {
    let q = Math.floor(x / d);
    while (q * d > x) q--;
    while ((q + 1) * d <= x) q++;
    return q;
  }
  return Number((BigInt(n) * BigInt(m)) / BigInt(d));
}

/** ⌈n·m / d⌉, exactly. */
function ceilDiv(n: number, m: number, d: number): number {
  const q = floorDiv(n, m, d);
  const x = n * m;
  const exact = x <= Number.MAX_SAFE_INTEGER ? q * d === x : BigInt(q) * BigInt(d) === BigInt(n) * BigInt(m);
  return exact ? q : q + 1;
}

/**
 * Whether the check fails on `successes` and `errors` (the counted requests):
 * no requests (no values found), or the success rate below `min` or above
 * `max`, compared exactly as decimals.
 */
export function checkFails(successes: number, errors: number, bounds: SuccessRateBounds): boolean {
  if (successes + errors === 0) return true;
  if (bounds.min !== null) {
    const { a, b } = decimalRatio(bounds.min);
    if (successes * b < a * errors) return true;
  }
  if (bounds.max !== null) {
    const { a, b } = decimalRatio(bounds.max);
    if (successes * b > a * errors) return true;
  }
  return false;
}

/**
 * The probability that the success-rate check fails when the window holds
 * N ~ Poisson(`mean`) canary requests, each a 5xx with probability `p`
 * (see the module comment for the formula and its precision).
 */
export function checkFailure(mean: number, p: number, bounds: SuccessRateBounds): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`the mean request count must be finite and ≥ 0, got ${mean}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`the error probability must be in [0, 1], got ${p}`);
  if (mean === 0) return 1;
  const muS = mean * (1 - p);
  const muE = mean * p;
  let fail = Math.exp(-mean);
  if (bounds.min !== null) {
    const { a, b } = decimalRatio(bounds.min);
    // Fails when S·b < a·E, i.e. (E ≥ 1) S ≤ ⌈a·E/b⌉ − 1; with b = 0 (min 100 %), whenever E ≥ 1.
    fail += sumOverErrors(muS, muE, 1, (e) => (b === 0 ? Infinity : ceilDiv(e, a, b) - 1), 'at-most');
  }
  if (bounds.max !== null) {
    const { a, b } = decimalRatio(bounds.max);
    // Fails when S·b > a·E, i.e. S ≥ ⌊a·E/b⌋ + 1; never with b = 0 (max 100 %).
    if (b > 0) fail += sumOverErrors(muS, muE, 0, (e) => floorDiv(e, a, b) + 1, 'at-least');
  }
  return Math.min(1, Math.max(0, fail));
}

/**
 * Σ_{e ≥ from} P(E = e)·P(S ≤ k(e)) ('at-most') or P(S ≥ k(e)) ('at-least'),
 * with k non-decreasing in e. The distribution function of S is accumulated
 * as k grows, over S's significant range only.
 */
function sumOverErrors(muS: number, muE: number, from: number, k: (e: number) => number, side: 'at-most' | 'at-least'): number {
  const [eLo, eHi] = muE === 0 ? [0, 0] : poissonSupport(muE);
  const [sLo, sHi] = muS === 0 ? [0, 0] : poissonSupport(muS);
  let cdf = 0; // P(S ≤ at), S's mass below sLo ignored (< 1e−20)
  let at = sLo - 1;
  let total = 0;
  for (let e = Math.max(from, eLo); e <= eHi; e++) {
    const pe = poissonPmf(e, muE);
    if (pe === 0) continue;
    const limit = side === 'at-most' ? k(e) : k(e) - 1; // P(S ≥ k) = 1 − P(S ≤ k − 1)
    let below: number;
    // Below S's significant range the distribution function is under 1e−20; above it, within 1e−20 of 1.
    if (limit < sLo) below = 0;
    else if (limit >= sHi) below = 1;
    else {
      while (at < limit) {
        at++;
        cdf += poissonPmf(at, muS);
      }
      below = Math.min(1, cdf);
    }
    total += pe * (side === 'at-most' ? below : 1 - below);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// Request counts split by a weighted round robin
// ---------------------------------------------------------------------------------------------------------------

/** A distribution over whole numbers: P(X = lo + i) = p[i]. */
export interface CountDistribution {
  lo: number;
  p: Float64Array;
}

/** Masses below this at either end of a count distribution are dropped (far below the stated precision). */
const NEGLIGIBLE = 1e-20;

function trimmed(lo: number, p: Float64Array): CountDistribution {
  let a = 0;
  let b = p.length - 1;
  while (a < b && p[a] < NEGLIGIBLE) a++;
  while (b > a && p[b] < NEGLIGIBLE) b--;
  return { lo: lo + a, p: p.slice(a, b + 1) };
}

/**
 * The requests a child of weight `weight` (0–1) of a weighted round robin
 * gets out of M ~ Poisson(`mean`) requests, starting anywhere in its cycle.
 * Traefik's weighted TraefikService is an earliest-deadline-first schedule
 * whose picks are spread evenly (any run of M requests gives the child
 * ⌊w·M⌋ or ⌈w·M⌉ of them), so from a uniformly random starting point the
 * child gets ⌈w·M⌉ with probability frac(w·M): mean w·mean, variance
 * w²·mean + E[frac·(1 − frac)] — far less than a random split's w·mean.
 */
export function roundRobinCounts(mean: number, weight: number): CountDistribution {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`the mean request count must be finite and ≥ 0, got ${mean}`);
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`a weight must be in [0, 1], got ${weight}`);
  if (mean === 0 || weight === 0) return { lo: 0, p: Float64Array.of(1) };
  const [lo, hi] = poissonSupport(mean);
  const nLo = Math.floor(weight * lo);
  const out = new Float64Array(Math.floor(weight * hi) + 2 - nLo);
  let pm = 0;
  for (let m = lo; m <= hi; m++) {
    // Saddle-point masses every 256 counts, the recurrence P(m) = P(m − 1)·mean/m between (drift below 1e−13).
    pm = (m - lo) % 256 === 0 ? poissonPmf(m, mean) : (pm * mean) / m;
    if (pm === 0) continue;
    const x = weight * m;
    // w·m is a whole number up to rounding (e.g. 0.1 · 30): no spurious fraction.
    const n = Math.abs(x - Math.round(x)) < 1e-9 ? Math.round(x) : Math.floor(x);
    const frac = x - n > 1e-9 ? x - n : 0;
    out[n - nLo] += pm * (1 - frac);
    if (frac > 0) out[n + 1 - nLo] += pm * frac;
  }
  return trimmed(nLo, out);
}

/** Requests split at random: Poisson(mean). */
export function poissonCounts(mean: number): CountDistribution {
  if (mean === 0) return { lo: 0, p: Float64Array.of(1) };
  const [lo, hi] = poissonSupport(mean);
  const out = new Float64Array(hi - lo + 1);
  for (let k = lo; k <= hi; k++) out[k - lo] = poissonPmf(k, mean);
  return trimmed(lo, out);
}

/** The distribution of the sum of two independent counts. */
export function convolve(a: CountDistribution, b: CountDistribution): CountDistribution {
  const out = new Float64Array(a.p.length + b.p.length - 1);
  for (let i = 0; i < a.p.length; i++) {
    const x = a.p[i];
    if (x === 0) continue;
    for (let j = 0; j < b.p.length; j++) out[i + j] += x * b.p[j];
  }
  return trimmed(a.lo + b.lo, out);
}

/** Above this many multiply-adds, `splitCounts` merges its parts instead of convolving them. */
const CONVOLUTION_BUDGET = 5e4;

/**
 * The canary's requests in a check: the sum over independent parts (a
 * replica's arrivals at one weight), each `roundRobinCounts`. The parts are
 * convolved exactly while that is cheap (5·10⁴ multiply-adds); beyond, each
 * part has a couple of hundred possible counts, a part's rounding (variance
 * ≤ ¼) is lost in its spread, and they are merged into one round-robin count
 * with the same mean and variance: weight Σw²m / Σwm of Poisson((Σwm)² /
 * Σw²m) requests. Merging moved a check's failure probability by less than
 * 4e−5 wherever it was compared with the exact convolution (docs/power.md).
 */
export function splitCounts(parts: ReadonlyArray<{ mean: number; weight: number }>): CountDistribution {
  const used = parts.filter((x) => x.mean > 0 && x.weight > 0);
  if (used.length === 0) return { lo: 0, p: Float64Array.of(1) };
  const sizes = used.map((x) => x.weight * (20 * Math.sqrt(x.mean) + 40) + 2);
  let cost = 0;
  let acc = sizes[0];
  for (const size of sizes.slice(1)) {
    cost += acc * size;
    acc += size;
  }
  if (cost > CONVOLUTION_BUDGET) {
    const m1 = used.reduce((a, x) => a + x.weight * x.mean, 0);
    const m2 = used.reduce((a, x) => a + x.weight * x.weight * x.mean, 0);
    return roundRobinCounts((m1 * m1) / m2, m2 / m1);
  }
  return used.map((x) => roundRobinCounts(x.mean, x.weight)).reduce(convolve);
}

/**
 * P(the check fails) when the canary's requests N follow `counts` and each
 * is a 5xx with probability p: Σ P(N = n)·P(fail | n), with P(fail | 0) = 1
 * (no values) and P(fail | n) a binomial tail whose threshold moves with n
 * (the floor's allowed errors). The tails are carried from n to n + 1 by
 * P(X_{n+1} ≥ k) = P(X_n ≥ k) + p·P(X_n = k − 1) and P(X ≥ k + 1) = P(X ≥ k) −
 * P(X = k) — O(1) a count — and summed afresh every 4096 counts, so rounding
 * cannot build up (each step adds at most 1e−16).
 */
export function checkFailureOver(counts: CountDistribution, p: number, bounds: SuccessRateBounds): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`the error probability must be in [0, 1], got ${p}`);
  const { lo, p: mass } = counts;
  const hi = lo + mass.length - 1;
  const fail = new Float64Array(mass.length);
  if (bounds.min !== null) {
    const { a, b } = decimalRatio(bounds.min);
    // Fails when (n − e)·b < a·e, i.e. e ≥ ⌊n·b/(a + b)⌋ + 1.
    const k = (n: number) => floorDiv(n, b, a + b) + 1;
    tails(lo, hi, p, k, (i, t) => (fail[i] += t));
  }
  if (bounds.max !== null) {
    const { a, b } = decimalRatio(bounds.max);
    // Fails when (n − e)·b > a·e, i.e. e ≤ ⌈n·b/(a + b)⌉ − 1: 1 − P(E ≥ ⌈n·b/(a + b)⌉).
    const k = (n: number) => ceilDiv(n, b, a + b);
    if (b > 0) tails(lo, hi, p, k, (i, t) => (fail[i] += 1 - t));
  }
  let total = 0;
  for (let i = 0; i < mass.length; i++) total += mass[i] * (lo + i === 0 ? 1 : Math.min(1, fail[i]));
  return Math.min(1, Math.max(0, total));
}

/**
 * P(Binomial(n, p) ≥ k(n)) for n = lo … hi, k non-decreasing by steps of 0 or 1. The mass P(X_n = k − 1) is carried
 * along too, by P(X_{n+1} = j) = P(X_n = j)·(n + 1)(1 − p)/(n + 1 − j) and P(X = j + 1) = P(X = j)·(n − j)p/((j + 1)(1 − p)):
 * a few multiplications a count, the mass recomputed every 256 counts and the tail every 4096.
 */
function tails(lo: number, hi: number, p: number, k: (n: number) => number, out: (i: number, t: number) => void): void {
  if (p === 0 || p === 1) {
    for (let n = lo; n <= hi; n++) out(n - lo, (p === 1 ? n : 0) >= k(n) ? 1 : 0);
    return;
  }
  const odds = p / (1 - p);
  let kn = k(lo);
  let t = binomialTail(lo, kn, p);
  let below = binomialPmf(kn - 1, lo, p); // P(X_n = kn − 1)
  out(0, Math.min(1, Math.max(0, t)));
  for (let n = lo; n < hi; n++) {
    const next = k(n + 1);
    const step = n + 1 - lo;
    if (step % 4096 === 0) {
      t = binomialTail(n + 1, next, p);
      below = binomialPmf(next - 1, n + 1, p);
    } else {
      // P(X_{n+1} ≥ kn) = P(X_n ≥ kn) + p·P(X_n = kn − 1).
      t += p * below;
      let m = step % 256 === 0 || kn - 1 < 0 || kn - 1 > n ? binomialPmf(kn - 1, n + 1, p) : (below * (n + 1) * (1 - p)) / (n + 2 - kn);
      // Each step of k: P(X ≥ j + 1) = P(X ≥ j) − P(X = j).
      for (let j = kn; j < next; j++) {
        m = j - 1 < 0 ? binomialPmf(j, n + 1, p) : (m * (n + 2 - j) * odds) / j;
        t -= m;
      }
      below = m;
    }
    kn = next;
    out(step, Math.min(1, Math.max(0, t)));
  }
}
