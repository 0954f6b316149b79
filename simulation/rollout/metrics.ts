/**
 * One tick's metric checks (flagger.md §4.A steps 2–4, §8) and the initialization-time metric provider
 * availability probe (§4 step 4), for the Traefik observer.
 *
 * Flagger evaluates metrics in two passes over `analysis.metrics[]`:
 *
 * 1. the builtin/inline pass: `request-success-rate`, `request-duration` (Traefik observer queries) and any metric
 *    with an inline `query` (Prometheus at the metrics server);
 * 2. the template pass: every metric with a `templateRef`; a metric with neither a template, a query nor a
 *    builtin name fails here.
 *
 * The first failure ends the analysis, so builtins are always evaluated before templates regardless of list
 * order, and a builtin-named metric that also has a `templateRef` (or a `query`) is evaluated twice (§12.11).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { goDurationNs, durationNsFromMs, goFixed2, goFloatV, goInt64 } from './format';
import { TRAEFIK_BUILTIN_QUERIES, collapseWhitespace, renderQuery, type MetricTemplateModel } from './template';
import type { CanaryPorts, CanarySpec, MetricCheck, MetricSpec, ProviderResult } from './types';
import { BoundedMemo } from '../util/memo';

/** Where the checks report: Flagger's event texts (warning / error level) and one record per evaluated metric. */
export interface MetricReporter {
  warning(message: string): void;
  /** Flagger logs these at error level; the Kubernetes event type is Warning. */
  error(message: string): void;
  check(c: MetricCheck): void;
}

const SUCCESS_RATE = 'request-success-rate';
const DURATION = 'request-duration';
/** Builtin and inline metrics default their interval to "1m"; template metrics do not (§1.3, §12.10). */
const DEFAULT_METRIC_INTERVAL = '1m';

const isBuiltin = (name: string): boolean => name === SUCCESS_RATE || name === DURATION;

/** Flagger's `toMetricModel`: the values a query template can use. */
export function metricModel(spec: CanarySpec, interval: string, variables: Readonly<Record<string, string>>): MetricTemplateModel {
  return {
    name: spec.name,
    namespace: spec.namespace,
    target: spec.target,
    service: spec.apex,
    ingress: spec.ingress,
    route: spec.route,
    interval,
    variables,
  };
}

/**
 * Rendered builtin queries by what they depend on (the metric, its interval
 * and the Canary's names). Flagger renders them at every analysis tick and a
 * sweep repeats the ticks over thousands of runs; rendering is a pure
 * function of these strings, so each text is rendered once. Bounded: cleared
 * when full.
 */
const builtinQueries = new BoundedMemo<string, string>(256);

/** The builtin Traefik query for a metric, rendered and whitespace-collapsed as Flagger's Prometheus client sends it. */
export function builtinQuery(spec: CanarySpec, name: 'request-success-rate' | 'request-duration', interval: string): string {
  const model = metricModel(spec, interval || DEFAULT_METRIC_INTERVAL, {});
  const key = JSON.stringify([name, model.name, model.namespace, model.target, model.service, model.ingress, model.route, model.interval]);
  return builtinQueries.get(key, () => {
    const rendered = renderQuery(TRAEFIK_BUILTIN_QUERIES[name], model);
    // The builtin templates only use niladic functions: rendering cannot fail.
    return collapseWhitespace(rendered.ok ? rendered.query : '');
  });
}

/** Flagger's not-found error text for a MetricTemplate lookup (Kubernetes lister error). */
function templateNotFound(name: string): string {
  return `metrictemplates.flagger.app "${name}" not found`;
}

/**
 * The availability probe Flagger runs while the Canary is initializing (§4 step 4): returns null when every
 * provider answers, else the error text (the caller emits `Error checking metric providers: {err}`).
 *
 * Texts follow `checkMetricProviderAvailability` and the Prometheus provider's `IsOnline` (`vector(1)` must return
 * 1), including Flagger's "avaiable" misspelling.
 */
export function checkMetricProviders(spec: CanarySpec, ports: CanaryPorts): string | null {
  for (const metric of spec.analysis.metrics) {
    if (isBuiltin(metric.name)) {
      const online = isOnline(ports.queryMetricsServer('vector(1)'));
      if (online !== null) return `prometheus not avaiable: ${online}`;
      continue;
    }
    if (metric.templateRef !== null) {
      const { name, namespace } = metric.templateRef;
      const template = ports.template(name, namespace);
      if (template === null) return `metric template ${name}.${namespace} error: ${templateNotFound(name)}`;
      const online = isOnline(ports.queryTemplate(template, 'vector(1)'));
      if (online !== null) return `${template.providerType} in metric template ${template.name}.${template.namespace} not avaiable: ${online}`;
    }
  }
  return null;
}

function isOnline(r: ProviderResult): string | null {
  if (!r.ok) return `running query failed: ${r.error}`;
  if (r.value !== 1) return 'value is not 1 for query: vector(1)';
  return null;
}

/**
 * Runs the metric checks of one analysis tick. Returns true when every metric passed; on the first failure the
 * failure's event is reported and false is returned (the caller increments `failedChecks`).
 */
export function runMetricChecks(spec: CanarySpec, ports: CanaryPorts, t: number, out: MetricReporter): boolean {
  const metrics = spec.analysis.metrics;
  // Pass 1: builtin and inline metrics, in list order (§4.A step 2).
  for (const metric of metrics) {
    if (metric.name === SUCCESS_RATE && !checkSuccessRate(spec, ports, t, metric, out)) return false;
    if (metric.name === DURATION && !checkDuration(spec, ports, t, metric, out)) return false;
    if (metric.query !== '' && !checkInline(spec, ports, t, metric, out)) return false;
  }
  // Pass 2: template metrics (§4.A step 3).
  for (const metric of metrics) {
    if (metric.templateRef !== null) {
      if (!checkTemplate(spec, ports, t, metric, out)) return false;
    } else if (!isBuiltin(metric.name) && metric.query === '') {
      const err = 'Metric query failed for no usable metrics template and query were configured';
      out.check({ t, metric: metric.name, kind: 'template', query: null, value: null, ...customBounds(metric), ok: false, error: err });
      out.error(err);
      return false;
    }
  }
  return true;
}

interface Bounds {
  min: number | null;
  max: number | null;
}

/** Threshold comparison shared by every metric kind: min is checked before max, equality with a bound passes. */
function compare(value: number, b: Bounds): '<' | '>' | null {
  if (b.min !== null && value < b.min) return '<';
  if (b.max !== null && value > b.max) return '>';
  return null;
}

function checkSuccessRate(spec: CanarySpec, ports: CanaryPorts, t: number, metric: MetricSpec, out: MetricReporter): boolean {
  const query = builtinQuery(spec, SUCCESS_RATE, metric.interval);
  const r = ports.queryMetricsServer(query);
  const base = { t, metric: metric.name, kind: 'builtin' as const, query };
  // Deprecated `threshold` (range nil): fail iff value < threshold, so 0 (unset) never fails (§8.4).
  const bounds: Bounds = metric.thresholdRange ?? { min: metric.threshold, max: null };
  if (!r.ok) {
    const err = `running query failed: ${r.error}`;
    out.check({ ...base, value: null, ...bounds, ok: false, error: err });
    if (r.noValues) {
      out.warning(
        `Halt advancement no values found for ${spec.provider} metric ${SUCCESS_RATE} probably ${spec.target}.${spec.namespace} is not receiving traffic: ${err}`,
      );
    } else out.error(`Prometheus query failed: ${err}`);
    return false;
  }
  const verdict = compare(r.value, bounds);
  out.check({ ...base, value: r.value, ...bounds, ok: verdict === null });
  if (verdict === null) return true;
  const bound = verdict === '<' ? bounds.min : bounds.max;
  out.warning(`Halt ${spec.name}.${spec.namespace} advancement success rate ${goFixed2(r.value)}% ${verdict} ${goFloatV(bound ?? 0)}%`);
  return false;
}

/** Milliseconds as Flagger compares them: `time.Duration(int64(x)) * time.Millisecond` (truncation, int64 wrap). */
function msDuration(x: number): bigint {
  return durationNsFromMs(goInt64(x));
}

function checkDuration(spec: CanarySpec, ports: CanaryPorts, t: number, metric: MetricSpec, out: MetricReporter): boolean {
  const query = builtinQuery(spec, DURATION, metric.interval);
  const r = ports.queryMetricsServer(query);
  const base = { t, metric: metric.name, kind: 'builtin' as const, query };
  // Thresholds are milliseconds truncated to integers; with neither range nor deprecated threshold the max is
  // 0 ms, so any non-zero latency fails ("… request duration 100ms > 0s", §8.4, §12.12).
  const range = metric.thresholdRange ?? { min: null, max: metric.threshold };
  const minNs = range.min === null ? null : msDuration(range.min);
  const maxNs = range.max === null ? null : msDuration(range.max);
  const bounds: Bounds = {
    min: minNs === null ? null : Number(minNs / 1_000_000n),
    max: maxNs === null ? null : Number(maxNs / 1_000_000n),
  };
  if (!r.ok) {
    out.check({ ...base, value: null, ...bounds, ok: false, error: `running query failed: ${r.error}` });
    if (r.noValues) {
      // No ": {err}" suffix for request-duration (§8.3).
      out.warning(
        `Halt advancement no values found for ${spec.provider} metric ${DURATION} probably ${spec.target}.${spec.namespace} is not receiving traffic`,
      );
    } else out.error(`Prometheus query failed: running query failed: ${r.error}`);
    return false;
  }
  // The Traefik observer truncates the P99 to whole milliseconds (499.9 → 499 ms). A P99 of +Inf is undefined
  // in Go; on amd64 int64(+Inf) is MinInt64 and × 1ms wraps to 0s, which is what is reproduced here (§12.19).
  const valueNs = msDuration(r.value);
  let verdict: '<' | '>' | null = null;
  if (minNs !== null && valueNs < minNs) verdict = '<';
  else if (maxNs !== null && valueNs > maxNs) verdict = '>';
  out.check({ ...base, value: Number(valueNs) / 1e6, ...bounds, ok: verdict === null });
  if (verdict === null) return true;
  const boundNs = verdict === '<' ? minNs : maxNs;
  out.warning(`Halt ${spec.name}.${spec.namespace} advancement request duration ${goDurationNs(valueNs)} ${verdict} ${goDurationNs(boundNs ?? 0n)}`);
  return false;
}

/** Deprecated `threshold` for template and inline metrics: fail iff value > threshold (so 0 fails any positive value). */
function customBounds(metric: MetricSpec): Bounds {
  return metric.thresholdRange ?? { min: null, max: metric.threshold };
}

function customVerdict(spec: CanarySpec, t: number, metric: MetricSpec, kind: 'query' | 'template', query: string, value: number, out: MetricReporter): boolean {
  const bounds = customBounds(metric);
  const verdict = compare(value, bounds);
  out.check({ t, metric: metric.name, kind, query, value, ...bounds, ok: verdict === null });
  if (verdict === null) return true;
  const bound = verdict === '<' ? bounds.min : bounds.max;
  out.warning(`Halt ${spec.name}.${spec.namespace} advancement ${metric.name} ${goFixed2(value)} ${verdict} ${goFloatV(bound ?? 0)}`);
  return false;
}

function checkInline(spec: CanarySpec, ports: CanaryPorts, t: number, metric: MetricSpec, out: MetricReporter): boolean {
  // Flagger ignores the render error of an inline query and sends the (empty) result anyway (§8.3).
  const rendered = renderQuery(metric.query, metricModel(spec, metric.interval || DEFAULT_METRIC_INTERVAL, metric.templateVariables));
  const query = collapseWhitespace(rendered.ok ? rendered.query : '');
  const r = ports.queryMetricsServer(query);
  if (!r.ok) {
    out.check({ t, metric: metric.name, kind: 'query', query, value: null, ...customBounds(metric), ok: false, error: r.error });
    if (r.noValues) out.warning(`Halt advancement no values found for metric: ${metric.name}`);
    else out.error(`Prometheus query failed for ${metric.name}: ${r.error}`);
    return false;
  }
  return customVerdict(spec, t, metric, 'query', query, r.value, out);
}

function checkTemplate(spec: CanarySpec, ports: CanaryPorts, t: number, metric: MetricSpec, out: MetricReporter): boolean {
  const ref = metric.templateRef;
  if (ref === null) return true;
  const tname = ref.name;
  const tns = ref.namespace;
  const base = { t, metric: metric.name, kind: 'template' as const, value: null, ...customBounds(metric), ok: false };
  const template = ports.template(tname, tns);
  if (template === null) {
    const err = `Metric template ${tname}.${tns} error: ${templateNotFound(tname)}`;
    out.check({ ...base, query: null, error: err });
    out.error(err);
    return false;
  }
  // `{{ interval }}` is the metric's interval as written: not defaulted for template metrics (§12.10).
  const rendered = renderQuery(template.query, metricModel(spec, metric.interval, metric.templateVariables));
  if (!rendered.ok) {
    const err = `Metric template ${tname}.${tns} query render error: ${rendered.error}`;
    out.check({ ...base, query: null, error: err });
    out.error(err);
    return false;
  }
  const query = collapseWhitespace(rendered.query);
  const r = ports.queryTemplate(template, query);
  if (!r.ok) {
    out.check({ ...base, query, error: r.error });
    if (r.noValues) out.warning(`Halt advancement no values found for custom metric: ${metric.name}: ${r.error}`);
    else out.error(`Metric query failed for ${metric.name}: ${r.error}`);
    return false;
  }
  return customVerdict(spec, t, metric, 'template', query, r.value, out);
}
