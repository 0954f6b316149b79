import type { MetricFamily, MetricSeries } from './registry';

/**
 * A request counter and a duration histogram sharing their labels (code and,
 * for Traefik, method and the object's name), with the series handles kept
 * by status code and method index so that recording allocates nothing.
 */
export class RequestMetrics {
  private readonly byKey = new Map<number, { requests: MetricSeries; duration: MetricSeries }>();
  constructor(
    private readonly requests: MetricFamily,
    private readonly duration: MetricFamily,
    /** Label values (in the families' label order) for a code and a method index. */
    private readonly labelValues: (code: string, method: number) => string[],
  ) {}

  private series(code: number, method: number): { requests: MetricSeries; duration: MetricSeries } {
    const key = code * 16 + method;
    let s = this.byKey.get(key);
    if (!s) {
      const values = this.labelValues(String(code), method);
      s = { requests: this.requests.get(values), duration: this.duration.get(values) };
      this.byKey.set(key, s);
    }
    return s;
  }

  /** Fast mode: `count` requests at once, with their bucket counts (incl. +Inf) and latency sum. */
  recordMany(code: number, method: number, count: number, buckets: ArrayLike<number>, sum: number): void {
    if (count === 0) return;
    const s = this.series(code, method);
    s.requests.inc(count);
    s.duration.observeMany(buckets, sum);
  }

  record(code: number, method: number, seconds: number): void {
    const s = this.series(code, method);
    s.requests.inc();
    s.duration.observe(seconds);
  }
}
