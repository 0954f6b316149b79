import { BoundedMemo } from '../util/memo';

/**
 * A process's Prometheus metrics registry (a Traefik replica's /metrics), as
 * the client library keeps it: families of counters, gauges and classic
 * histograms, one series per label-value combination, created on first use.
 * Histograms keep per-bucket counts; a scrape exposes them cumulatively with
 * `le` as Prometheus' client does. Series can be deleted (Traefik deletes the
 * series of services that left its configuration, one scrape later).
 */
export type FamilyType = 'counter' | 'gauge' | 'histogram';

export class MetricFamily {
  readonly series: MetricSeries[] = [];
  /** Series by their joined label values. */
  private readonly index = new Map<string, MetricSeries>();

  constructor(
    readonly name: string,
    readonly type: FamilyType,
    readonly help: string,
    readonly labelNames: readonly string[],
    /** Upper bounds of the finite buckets (histograms only), ascending. */
    readonly buckets: readonly number[] = [],
  ) {}

  /** The series for these label values (same order as labelNames), created on first use. */
  get(values: readonly string[]): MetricSeries {
    const key = values.join('\u0000');
    let s = this.index.get(key);
    if (!s) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      s = new MetricSeries(this, labels, this.type === 'histogram' ? this.buckets.length + 1 : 0);
      this.index.set(key, s);
      this.series.push(s);
    }
    return s;
  }

  /** Deletes the series whose label `name` has value `value`. Returns them. */
  deleteWhere(name: string, value: string): MetricSeries[] {
    const gone = this.series.filter((s) => s.labels[name] === value);
    if (gone.length === 0) return gone;
    for (const s of gone) {
      s.deleted = true;
      this.index.delete(this.labelNames.map((n) => s.labels[n]).join('\u0000'));
    }
    const keep = this.series.filter((s) => !s.deleted);
    this.series.length = 0;
    this.series.push(...keep);
    return gone;
  }
}

export class MetricSeries {
  /** Counter or gauge value; for histograms the sum of observations. */
  value = 0;
  /** Histograms: observations. */
  count = 0;
  /** Histograms: observations per bucket (not cumulative); the last is +Inf. */
  readonly bucketCounts: Float64Array;
  deleted = false;
  /** Per-scraper handle cache (the store's series ids), owned by the scraper. */
  storeIds: Int32Array | null = null;
  /** Which scraper target `storeIds` belongs to (a registry may be scraped by more than one). */
  storeOwner: object | null = null;

  constructor(
    readonly family: MetricFamily,
    readonly labels: Readonly<Record<string, string>>,
    buckets: number,
  ) {
    this.bucketCounts = new Float64Array(buckets);
  }

  inc(by = 1): void {
    this.value += by;
  }

  set(v: number): void {
    this.value = v;
  }

  /** Adds many observations at once: counts per bucket (same layout as bucketCounts) and their sum. */
  observeMany(bucketCounts: ArrayLike<number>, sum: number): void {
    let n = 0;
    for (let i = 0; i < this.bucketCounts.length; i++) {
      this.bucketCounts[i] += bucketCounts[i];
      n += bucketCounts[i];
    }
    this.count += n;
    this.value += sum;
  }

  observe(v: number): void {
    const bounds = this.family.buckets;
    let i = 0;
    // As client_golang: the first bucket with v <= bound; NaN lands in +Inf.
    while (i < bounds.length && !(v <= bounds[i])) i++;
    this.bucketCounts[i]++;
    this.count++;
    this.value += v;
  }
}

export class MetricsRegistry {
  readonly families: MetricFamily[] = [];

  family(name: string, type: FamilyType, help: string, labelNames: readonly string[], buckets: readonly number[] = []): MetricFamily {
    const existing = this.families.find((f) => f.name === name);
    if (existing) return existing;
    const f = new MetricFamily(name, type, help, labelNames, buckets);
    this.families.push(f);
    return f;
  }

  /** Deletes, in every family, the series whose label `name` is `value`. */
  deleteWhere(name: string, value: string): MetricSeries[] {
    const gone: MetricSeries[] = [];
    for (const f of this.families) if (f.labelNames.includes(name)) gone.push(...f.deleteWhere(name, value));
    return gone;
  }
}

/**
 * Texts of finite non-zero bounds (the same few bucket layouts are formatted
 * for the series of every run). Zero is not kept: a Map does not tell -0
 * from 0. Bounded: cleared when full.
 */
const boundTexts = new BoundedMemo<number, string>(1024);

/**
 * Prometheus' text form of a bucket bound (`le`) as client_golang writes it
 * (expfmt's writeFloat, i.e. Go's strconv.FormatFloat(b, 'g', -1, 64)): the
 * shortest round-trip digits, in exponent form when the decimal exponent is
 * below -4 or at least 6 (`1e+06`, `5e-05`, two exponent digits at least),
 * and `+Inf`, `-Inf`, `NaN`.
 */
export function formatBound(b: number): string {
  if (b === Infinity) return '+Inf';
  if (b === -Infinity) return '-Inf';
  if (b !== b) return 'NaN';
  if (b === 0) return Object.is(b, -0) ? '-0' : '0';
  return boundTexts.get(b, formatFiniteBound);
}

function formatFiniteBound(b: number): string {
  const [mantissa, expText] = b.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(b);
}
