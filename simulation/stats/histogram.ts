/**
 * A log-bucketed histogram for latencies: buckets grow by a constant factor
 * (1% by default) from `min`, so any quantile it reports is within about half
 * a bucket (0.5%) of the exact sample quantile. Fixed memory, no allocation
 * per observation, identical results on every host.
 */
export class LogHistogram {
  readonly counts: Float64Array;
  private readonly logMin: number;
  private readonly invLogGrowth: number;
  count = 0;
  sum = 0;
  max = 0;
  min = Infinity;

  constructor(
    readonly minValue = 1e-6,
    readonly maxValue = 3600,
    readonly growth = 1.01,
  ) {
    this.logMin = Math.log(minValue);
    this.invLogGrowth = 1 / Math.log(growth);
    const n = Math.ceil((Math.log(maxValue) - this.logMin) * this.invLogGrowth) + 2;
    this.counts = new Float64Array(n);
  }

  record(x: number): void {
    let i: number;
    if (x <= this.minValue) i = 0;
    else {
      i = 1 + Math.floor((Math.log(x) - this.logMin) * this.invLogGrowth);
      if (i >= this.counts.length) i = this.counts.length - 1;
    }
    this.counts[i]++;
    this.count++;
    this.sum += x;
    if (x > this.max) this.max = x;
    if (x < this.min) this.min = x;
  }

  /** Lower bound of bucket i (bucket 0 holds everything <= minValue). */
  private lower(i: number): number {
    return i === 0 ? 0 : this.minValue * Math.pow(this.growth, i - 1);
  }

  /** The q-quantile, interpolated geometrically inside its bucket; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * this.count;
    let acc = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c === 0) continue;
      if (acc + c >= rank) {
        if (i === 0) return Math.min(this.minValue, this.max);
        const lo = this.lower(i);
        const f = c > 0 ? (rank - acc) / c : 0;
        const v = lo * Math.pow(this.growth, f);
        return Math.min(Math.max(v, this.min), this.max);
      }
      acc += c;
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }
}
