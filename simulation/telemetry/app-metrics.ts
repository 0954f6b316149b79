import { MetricsRegistry } from './registry';
import { RequestMetrics } from './request-metrics';

/** What an application exports on /metrics, as the scenario declares it. */
export interface AppMetricsSpec {
  /** Counter family, written `<family>_total` (e.g. http_requests → http_requests_total). */
  requests: string;
  /** Histogram family of request durations in seconds. */
  duration: string;
  buckets: number[];
}

/** The Prometheus client libraries' default buckets. */
export const CLIENT_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One application process's metrics (a pod's container): requests by status
 * code and their durations, measured by the server from the moment the
 * request reached the pod until it answered. A restarted container starts a
 * new registry, so its counters begin again at zero.
 */
export class AppMetrics {
  readonly registry = new MetricsRegistry();
  readonly requests: RequestMetrics;

  constructor(readonly spec: AppMetricsSpec) {
    this.requests = new RequestMetrics(
      this.registry.family(spec.requests, 'counter', 'Requests served, by status code.', ['code']),
      this.registry.family(spec.duration, 'histogram', 'Time to serve a request in seconds, by status code.', ['code'], spec.buckets),
      (code) => [code],
    );
  }
}
