import { LogHistogram } from '../stats/histogram';

/** A latency distribution as weighted points, for recording aggregated responses. */
export interface LatencyPoints {
  values: Float64Array;
  fractions: Float64Array;
}

/** One latency for every response. */
export function singlePoint(latency: number): LatencyPoints {
  return { values: Float64Array.of(latency), fractions: Float64Array.of(1) };
}

const BANDS = [0, 0.9, 0.99, 1];
const PER_BAND = 128;

/**
 * A distribution given by its quantile function as weighted points, denser
 * in the tail (128 each on [0, 0.9), [0.9, 0.99) and [0.99, 1)) so that the
 * summary's p50, p90 and p99 stay resolved.
 */
export function latencyPoints(quantile: (u: number) => number): LatencyPoints {
  const n = PER_BAND * (BANDS.length - 1);
  const values = new Float64Array(n);
  const fractions = new Float64Array(n);
  for (let band = 0; band + 1 < BANDS.length; band++) {
    const lo = BANDS[band];
    const hi = BANDS[band + 1];
    for (let k = 0; k < PER_BAND; k++) {
      values[band * PER_BAND + k] = quantile(lo + ((k + 0.5) / PER_BAND) * (hi - lo));
      fractions[band * PER_BAND + k] = (hi - lo) / PER_BAND;
    }
  }
  return { values, fractions };
}

/** Outcome counters and a latency histogram; one per app revision and per stream. */
export class OutcomeStats {
  requests = 0;
  /** Responses with status >= 500. */
  errors = 0;
  readonly statusCounts = new Float64Array(600);
  private histogram: LogHistogram | null = null;
  /** Whether latencies are kept (false: counts only; the summary then has no latency quantiles). */
  latencies = true;

  /** The latency histogram, made on first use (33 KB: a sweep's runs, which keep no latencies, never make one). */
  get latency(): LogHistogram {
    return (this.histogram ??= new LogHistogram());
  }

  record(status: number, latency: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    this.statusCounts[status]++;
    if (this.latencies) this.latency.record(latency);
  }

  /**
   * Fast mode: `count` responses with one status, whose latencies are spread
   * over `points` with the given fractions (see latencyPoints).
   */
  recordMany(status: number, count: number, points: LatencyPoints): void {
    if (count <= 0) return;
    this.requests += count;
    if (status >= 500) this.errors += count;
    this.statusCounts[status] += count;
    if (!this.latencies) return;
    const v = points.values;
    const f = points.fractions;
    for (let k = 0; k < v.length; k++) this.latency.recordWeighted(v[k], count * f[k]);
  }

  toJSON(): OutcomeSummary {
    const codes: Record<string, number> = {};
    for (let c = 0; c < this.statusCounts.length; c++) if (this.statusCounts[c] > 0) codes[String(c)] = this.statusCounts[c];
    const h = this.latency;
    return {
      requests: this.requests,
      errors: this.errors,
      errorRatio: this.requests > 0 ? this.errors / this.requests : 0,
      statusCodes: codes,
      latency: {
        mean: nullIfNaN(h.mean()),
        p50: nullIfNaN(h.quantile(0.5)),
        p90: nullIfNaN(h.quantile(0.9)),
        p99: nullIfNaN(h.quantile(0.99)),
        max: h.count > 0 ? h.max : null,
      },
    };
  }
}

export interface LatencySummary {
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface OutcomeSummary {
  requests: number;
  errors: number;
  errorRatio: number;
  statusCodes: Record<string, number>;
  latency: LatencySummary;
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
