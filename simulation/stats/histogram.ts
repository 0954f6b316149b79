/**
 * A log-linear histogram for latencies, bucketed like HdrHistogram: the
 * bucket of a value is read off its IEEE-754 bits (exponent and the top
 * SUB_BITS bits of the mantissa), so each power of two is split into
 * 2^SUB_BITS equal buckets and no logarithm is computed per observation.
 * Relative bucket width is at most 2^-SUB_BITS (0.78%); quantiles are
 * interpolated inside their bucket. Fixed memory, no allocation per
 * observation, identical on every host (typed arrays are little-endian on
 * every platform V8 runs on; the word order is detected anyway).
 */
const SUB_BITS = 7;
const SHIFT = 20 - SUB_BITS; // the high word holds sign, 11 exponent bits, 20 mantissa bits
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function keyOf(x: number): number {
  scratch[0] = x;
  return words[HI] >>> SHIFT;
}

function valueOfKey(key: number): number {
  words[HI] = key << SHIFT;
  words[1 - HI] = 0;
  return scratch[0];
}

export class LogHistogram {
  readonly counts: Float64Array;
  private readonly baseKey: number;
  private readonly lastIndex: number;
  count = 0;
  sum = 0;
  max = 0;
  min = Infinity;

  /** Values at or below `minValue` share bucket 0; values above `maxValue` share the last bucket. */
  constructor(
    readonly minValue = 1e-6,
    readonly maxValue = 3600,
  ) {
    this.baseKey = keyOf(minValue);
    this.lastIndex = keyOf(maxValue) - this.baseKey + 2;
    this.counts = new Float64Array(this.lastIndex + 1);
  }

  /** Records x with weight w (fast mode's aggregated counts). */
  recordWeighted(x: number, w: number): void {
    let i: number;
    if (!(x > this.minValue)) i = 0;
    else if (x >= this.maxValue) i = this.lastIndex;
    else i = keyOf(x) - this.baseKey + 1;
    this.counts[i] += w;
    this.count += w;
    this.sum += x * w;
    if (x > this.max) this.max = x;
    if (x < this.min) this.min = x;
  }

  /**
   * Records x. Kept apart from recordWeighted on purpose: expressing it as
   * recordWeighted(x, 1) cost the kernel benchmark a quarter of its speed
   * (kernel/bare 0.51 → 0.40, npm run bench).
   */
  record(x: number): void {
    let i: number;
    if (!(x > this.minValue)) i = 0;
    else if (x >= this.maxValue) i = this.lastIndex;
    else i = keyOf(x) - this.baseKey + 1;
    this.counts[i]++;
    this.count++;
    this.sum += x;
    if (x > this.max) this.max = x;
    if (x < this.min) this.min = x;
  }

  /** [lower, upper) bounds of bucket i. */
  bucketBounds(i: number): [number, number] {
    if (i === 0) return [0, this.minValue];
    if (i === this.lastIndex) return [this.maxValue, Infinity];
    const key = i - 1 + this.baseKey;
    return [Math.max(valueOfKey(key), this.minValue), Math.min(valueOfKey(key + 1), this.maxValue)];
  }

  /** The q-quantile (linear inside its bucket, clamped to the observed range); NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * this.count;
    let acc = 0;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c === 0) continue;
      if (acc + c >= rank) {
        const [lo, hi] = this.bucketBounds(i);
        const upper = Number.isFinite(hi) ? hi : this.max;
        const v = lo + ((rank - acc) / c) * (upper - lo);
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
