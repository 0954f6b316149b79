import { LogHistogram } from '../stats/histogram';

/** Outcome counters and a latency histogram; one per app revision and per stream. */
export class OutcomeStats {
  requests = 0;
  /** Responses with status >= 500. */
  errors = 0;
  readonly statusCounts = new Float64Array(600);
  readonly latency = new LogHistogram();

  record(status: number, latency: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    this.statusCounts[status]++;
    this.latency.record(latency);
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
