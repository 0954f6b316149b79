/** Two-sample tests for the fast/exact equivalence suite. */

/** Kolmogorov's limiting distribution: P(K > x). */
function kolmogorovQ(x: number): number {
  if (x < 0.2) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) s += 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * x * x);
  return Math.min(1, Math.max(0, s));
}

/** Two-sample Kolmogorov–Smirnov: statistic D and asymptotic p-value (with Stephens' small-sample correction). */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const sq = Math.sqrt(ne);
  return { d, p: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d) };
}

/** Welch's t statistic for a difference of means (|t| > 3.3 ≈ p < 0.001 for large samples). */
export function welchT(a: readonly number[], b: readonly number[]): number {
  const mv = (xs: readonly number[]) => {
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    return { m, v: xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1), n: xs.length };
  };
  const p = mv(a);
  const q = mv(b);
  const se = Math.sqrt(p.v / p.n + q.v / q.n);
  return se === 0 ? (p.m === q.m ? 0 : Infinity) : (p.m - q.m) / se;
}
