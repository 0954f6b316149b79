import { type ApiResponse, labelsKey } from '../promql/engine';
import { kubernetesServiceLabel } from '../routing/names';
import { type KayentaCanaryConfig, type KayentaQuery, SCOPE_VARIABLES } from './kayenta-config';

/**
 * How Kayenta's judge gets its samples from the simulator (docs/judges.md,
 * "Kayenta"): each metric's Prometheus query is built per scope — the
 * control (baseline) scope and the experiment (canary) scope — with the
 * scope's variables substituted, sent as a range query over the judgement's
 * window at the scope's step, and the series of both sides are paired by
 * their labels into metric-set pairs, as Kayenta's metric-set mixer pairs them.
 */

/** One side of the comparison, as a Kayenta execution request names it. */
export interface KayentaScope {
  /** `${scope}`: for Traefik, the `service` label of the revision's Kubernetes Service. */
  scope: string;
  /** `${location}`: e.g. the namespace. */
  location?: string;
  /** Further template variables (Kayenta's extendedScopeParams; also `project` and `resourceType`). */
  params?: Readonly<Record<string, string>>;
}

/** The baseline (control) and canary (experiment) scopes. */
export interface KayentaScopes {
  control: KayentaScope;
  experiment: KayentaScope;
}

/** A Prometheus range query: the simulator's `rangeQuery(store, …)` bound to its store fits. */
export type RangeQuery = (query: string, startMs: number, endMs: number, stepMs: number) => ApiResponse;

/** The interval one judgement covers, in Unix milliseconds, and the step between samples. */
export interface KayentaWindow {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * The scopes of a Flagger canary behind Traefik: the primary's and the
 * canary's Kubernetes Services (`<ns>-<target>-primary-<port>` and
 * `<ns>-<target>-canary-<port>`) are what Traefik's `service` label tells
 * apart, so `${scope}` is that label's value (e.g.
 * `shop-checkout-canary-80@kubernetescrd`) and `service="${scope}"` selects one
 * side. `${location}` is the namespace; `${namespace}`, `${target}` and
 * `${port}` are there too.
 */
export function traefikScopes(namespace: string, target: string, port: number | string): KayentaScopes {
  const params = { namespace, target, port: String(port) };
  return {
    control: { scope: kubernetesServiceLabel(namespace, `${target}-primary`, port), location: namespace, params },
    experiment: { scope: kubernetesServiceLabel(namespace, `${target}-canary`, port), location: namespace, params },
  };
}

/** The variables a scope binds: scope, location and its params. */
export function scopeVariables(scope: KayentaScope): Record<string, string> {
  const vars: Record<string, string> = { ...(scope.params ?? {}), scope: scope.scope };
  if (scope.location !== undefined) vars.location = scope.location;
  return vars;
}

/** Substitutes `${name}` with the scope's variables; an unknown name is an error (FreeMarker fails on it too). */
export function expandTemplate(template: string, scope: KayentaScope): { ok: true; text: string } | { ok: false; error: string } {
  const vars = scopeVariables(scope);
  let error: string | null = null;
  const text = template.replace(/\$\{([^}]*)\}/g, (whole, raw: string) => {
    const name = raw.trim();
    if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name];
    if (error === null) {
      const known = Object.keys(vars).sort();
      const implicit = (SCOPE_VARIABLES as readonly string[]).includes(name) ? ` (Kayenta binds ${name} only when the execution request gives it)` : '';
      error = `the template uses ${whole}, which the scope does not define${implicit}; it defines ${known.map((k) => `\${${k}}`).join(', ')}`;
    }
    return whole;
  });
  return error === null ? { ok: true, text } : { ok: false, error };
}

/**
 * The query Kayenta sends for a metric in a scope: a "PromQL:" template
 * expanded, or `avg(metricName{filter tokens, labelBindings}) by (groupByFields)`
 * with the expanded filter split at commas, as Kayenta's Prometheus service
 * builds it.
 */
export function buildKayentaQuery(query: KayentaQuery, scope: KayentaScope): { ok: true; query: string } | { ok: false; error: string } {
  if (query.kind === 'promql') {
    const e = expandTemplate(query.template, scope);
    return e.ok ? { ok: true, query: e.text } : e;
  }
  let filters: string[] = [];
  if (query.filterTemplate !== null) {
    const e = expandTemplate(query.filterTemplate, scope);
    if (!e.ok) return e;
    filters = e.text.split(',');
  }
  filters = [...filters, ...query.labelBindings].filter((f) => f.trim() !== '');
  let q = `avg(${query.metricName}${filters.length > 0 ? `{${filters.join(',')}}` : ''})`;
  if (query.groupByFields.length > 0) q += ` by (${query.groupByFields.join(',')})`;
  return { ok: true, query: q };
}

/** One metric's samples for both sides, paired by series labels (Kayenta's MetricSetPair). */
export interface KayentaMetricSetPair {
  name: string;
  tags: Readonly<Record<string, string>>;
  /** Experiment values, one per step the series had a sample ("NaN" becomes NaN). */
  canary: number[];
  /** Control values. */
  baseline: number[];
  queries: { canary: string | null; baseline: string | null };
  /** Why the samples could not be fetched (the metric is then classified Error). */
  error: string | null;
  /** A hint when the two sides' series did not pair up. */
  note: string | null;
}

/** Fetches every metric of the config for both scopes over the window. */
export function fetchKayentaMetricSetPairs(config: KayentaCanaryConfig, scopes: KayentaScopes, window: KayentaWindow, rangeQuery: RangeQuery): KayentaMetricSetPair[] {
  const out: KayentaMetricSetPair[] = [];
  for (const metric of config.metrics) {
    const built = { canary: buildKayentaQuery(metric.query, scopes.experiment), baseline: buildKayentaQuery(metric.query, scopes.control) };
    const queries = { canary: built.canary.ok ? built.canary.query : null, baseline: built.baseline.ok ? built.baseline.query : null };
    const failed = (error: string) => out.push({ name: metric.name, tags: {}, canary: [], baseline: [], queries, error, note: null });
    if (!built.canary.ok) {
      failed(`the canary's query cannot be built: ${built.canary.error}`);
      continue;
    }
    if (!built.baseline.ok) {
      failed(`the baseline's query cannot be built: ${built.baseline.error}`);
      continue;
    }
    const canary = seriesOf(rangeQuery(built.canary.query, window.startMs, window.endMs, window.stepMs));
    const baseline = seriesOf(rangeQuery(built.baseline.query, window.startMs, window.endMs, window.stepMs));
    if (!canary.ok || !baseline.ok) {
      failed(`Prometheus answered the ${!canary.ok ? 'canary' : 'baseline'}'s query with an error: ${!canary.ok ? canary.error : (baseline as { error: string }).error}`);
      continue;
    }
    if (canary.series.size === 0 && baseline.series.size === 0) {
      out.push({ name: metric.name, tags: {}, canary: [], baseline: [], queries, error: null, note: null });
      continue;
    }
    const keys = [...new Set([...canary.series.keys(), ...baseline.series.keys()])].sort();
    const unpaired = keys.filter((k) => !canary.series.has(k) || !baseline.series.has(k));
    // The usual cause of series that never pair: a label whose value is the scope itself (e.g. by (service)).
    const scopeLabel = (tags: Readonly<Record<string, string>>) => Object.entries(tags).find(([, v]) => v === scopes.experiment.scope || v === scopes.control.scope)?.[0];
    for (const k of keys) {
      const c = canary.series.get(k);
      const b = baseline.series.get(k);
      const tags = (c ?? b)?.tags ?? {};
      const label = unpaired.includes(k) ? scopeLabel(tags) : undefined;
      const note = label === undefined ? null : `the series' ${label} label names its scope, so the canary's and the baseline's series never pair up (Kayenta pairs them by their labels): aggregate ${label} away, e.g. sum(…) without by (${label})`;
      out.push({ name: metric.name, tags, canary: c?.values ?? [], baseline: b?.values ?? [], queries, error: null, note });
    }
  }
  return out;
}

function seriesOf(r: ApiResponse): { ok: true; series: Map<string, { tags: Record<string, string>; values: number[] }> } | { ok: false; error: string } {
  if (r.status === 'error') return { ok: false, error: r.error };
  if (r.data.resultType !== 'matrix') return { ok: false, error: `expected a range query's matrix, got a ${r.data.resultType}` };
  const series = new Map<string, { tags: Record<string, string>; values: number[] }>();
  for (const s of r.data.result) {
    const tags: Record<string, string> = { ...s.metric };
    delete tags.__name__;
    series.set(labelsKey(tags), { tags, values: s.values.map(([, v]) => parseSampleValue(v)) });
  }
  return { ok: true, series };
}

/** A sample value as the Prometheus HTTP API writes it. */
export function parseSampleValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}
