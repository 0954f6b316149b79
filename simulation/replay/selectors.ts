/**
 * The series a Canary's analysis reads, found by parsing its queries as
 * Flagger sends them: the Traefik observer's builtin `request-success-rate`
 * and `request-duration` queries, inline `query` metrics and MetricTemplate
 * queries, each rendered with Flagger's template model
 * (rollout/template.ts) and whitespace-collapsed, then parsed with
 * Prometheus 2.42's grammar (promql/parse.ts). Every vector selector in them
 * is one series selector to pull, with how far back before a tick the query
 * reads it (a range and offset, or the 5 m lookback of an instant selector).
 *
 * The timeline reconstruction needs Traefik's per-service request counters
 * of the canary's and the primary's Services too (`timelineSelector`).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { Expr, LabelMatcher, VectorSelector } from '../promql/ast';
import { parsePromQL } from '../promql/parse';
import { builtinQuery, metricModel } from '../rollout/metrics';
import { collapseWhitespace, renderQuery } from '../rollout/template';
import type { CanarySpec, MetricTemplateSpec } from '../rollout/types';
import { CRD_PROVIDER, normalizeName } from '../routing/names';

/** Prometheus' default lookback of an instant selector. */
export const LOOKBACK_MS = 5 * 60_000;
/** The Traefik counter the timeline reads (the duration histogram's `_count` when it is missing). */
export const TIMELINE_METRICS = ['traefik_service_requests_total', 'traefik_service_request_duration_seconds_count'] as const;

/** One query of the analysis as Flagger would send it, or why it cannot be rendered. */
export interface CanaryQuery {
  metric: string;
  kind: 'builtin' | 'query' | 'template';
  /** The query text sent (rendered, whitespace collapsed); null when it cannot be rendered. */
  query: string | null;
  error?: string;
}

export interface NeededSelector {
  /** The selector as PromQL: `name{label="value",…}` (matchers in name order). */
  selector: string;
  matchers: LabelMatcher[];
  /** How far before a tick the queries read this selector (ms): range + offset, or the lookback + offset. */
  lookbackMs: number;
  /** The Canary metrics (or `timeline`) that read it. */
  usedBy: string[];
}

/** Every query of the Canary's analysis, in Flagger's order (builtin and inline first, then templates). */
export function canaryQueries(canary: CanarySpec, templates: readonly MetricTemplateSpec[]): CanaryQuery[] {
  const out: CanaryQuery[] = [];
  const metrics = canary.analysis.metrics;
  for (const m of metrics) {
    if (m.name === 'request-success-rate' || m.name === 'request-duration') out.push({ metric: m.name, kind: 'builtin', query: builtinQuery(canary, m.name, m.interval) });
    if (m.query !== '') {
      // Flagger sends an inline query whose rendering failed as the empty text (metrics.ts checkInline).
      const r = renderQuery(m.query, metricModel(canary, m.interval || '1m', m.templateVariables));
      out.push(r.ok ? { metric: m.name, kind: 'query', query: collapseWhitespace(r.query) } : { metric: m.name, kind: 'query', query: null, error: r.error });
    }
  }
  for (const m of metrics) {
    if (m.templateRef === null) continue;
    const { name, namespace } = m.templateRef;
    const t = templates.find((x) => x.name === name && x.namespace === namespace);
    if (!t) {
      out.push({ metric: m.name, kind: 'template', query: null, error: `MetricTemplate ${namespace}/${name} not found` });
      continue;
    }
    const r = renderQuery(t.query, metricModel(canary, m.interval, m.templateVariables));
    out.push(r.ok ? { metric: m.name, kind: 'template', query: collapseWhitespace(r.query) } : { metric: m.name, kind: 'template', query: null, error: `MetricTemplate ${namespace}/${name}: ${r.error}` });
  }
  return out;
}

/** A PromQL string literal (Go's quoting for what label values hold). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** A selector's text: the metric name, then the other matchers in name order. */
export function selectorText(matchers: readonly LabelMatcher[]): string {
  const name = matchers.find((m) => m.name === '__name__' && m.op === '=');
  const rest = matchers
    .filter((m) => m !== name)
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.op < b.op ? -1 : a.op > b.op ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const inner = rest.map((m) => `${m.name}${m.op}${quote(m.value)}`).join(',');
  return `${name ? name.value : ''}${inner === '' && name ? '' : `{${inner}}`}`;
}

/** Every vector selector of an expression with how far back it reads from the evaluation time. */
function collect(e: Expr, extraMs: number, out: Array<{ sel: VectorSelector; lookbackMs: number }>): void {
  switch (e.type) {
    case 'vectorSelector':
      out.push({ sel: e, lookbackMs: extraMs + LOOKBACK_MS + Math.max(0, e.offset) });
      return;
    case 'matrixSelector':
      out.push({ sel: e.vector, lookbackMs: extraMs + e.range + Math.max(0, e.vector.offset) });
      return;
    case 'subquery':
      collect(e.expr, extraMs + e.range + Math.max(0, e.offset), out);
      return;
    case 'call':
      for (const a of e.args) collect(a, extraMs, out);
      return;
    case 'aggregate':
      collect(e.expr, extraMs, out);
      if (e.param) collect(e.param, extraMs, out);
      return;
    case 'binary':
      collect(e.lhs, extraMs, out);
      collect(e.rhs, extraMs, out);
      return;
    case 'unary':
    case 'paren':
      collect(e.expr, extraMs, out);
      return;
    case 'number':
    case 'string':
      return;
  }
}

/** The regex of the Traefik service labels of the Canary's primary and canary Services (`<ns>-<apex>-(primary|canary)-<port>@kubernetescrd`). */
export function serviceLabelPattern(canary: Pick<CanarySpec, 'namespace' | 'apex'>, which: 'primary' | 'canary' | 'both'): string {
  const prefix = normalizeName(`${canary.namespace}-${canary.apex}`);
  const role = which === 'both' ? '(primary|canary)' : which;
  return `${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-${role}-[0-9a-zA-Z-]+@${CRD_PROVIDER}`;
}

/** The selector of Traefik's request counters of the Canary's primary and canary Services (the timeline's input). */
export function timelineSelector(canary: Pick<CanarySpec, 'namespace' | 'apex'>, metric: string = TIMELINE_METRICS[0]): NeededSelector {
  const matchers: LabelMatcher[] = [
    { name: '__name__', op: '=', value: metric },
    { name: 'service', op: '=~', value: serviceLabelPattern(canary, 'both') },
  ];
  return { selector: selectorText(matchers), matchers, lookbackMs: 0, usedBy: ['timeline'] };
}

/**
 * The series selectors the Canary's analysis and the timeline reconstruction
 * read, deduplicated, with the queries that could not be rendered or parsed.
 */
export function neededSelectors(canary: CanarySpec, templates: readonly MetricTemplateSpec[]): { selectors: NeededSelector[]; queries: CanaryQuery[]; problems: string[] } {
  const queries = canaryQueries(canary, templates);
  const problems: string[] = [];
  const byText = new Map<string, NeededSelector>();
  const add = (s: NeededSelector) => {
    const prev = byText.get(s.selector);
    if (!prev) {
      byText.set(s.selector, { ...s, usedBy: [...s.usedBy] });
      return;
    }
    prev.lookbackMs = Math.max(prev.lookbackMs, s.lookbackMs);
    for (const u of s.usedBy) if (!prev.usedBy.includes(u)) prev.usedBy.push(u);
  };
  for (const q of queries) {
    if (q.query === null) {
      problems.push(`${q.metric}: ${q.error ?? 'the query cannot be rendered'}`);
      continue;
    }
    const parsed = parsePromQL(q.query);
    if (!parsed.ok) {
      problems.push(`${q.metric}: the query does not parse (${parsed.message} at ${parsed.position}): ${q.query}`);
      continue;
    }
    const found: Array<{ sel: VectorSelector; lookbackMs: number }> = [];
    collect(parsed.expr, 0, found);
    for (const f of found) {
      if (f.sel.at !== null) problems.push(`${q.metric}: a selector with @ reads a fixed time; the pulled window may not hold it: ${q.query.slice(f.sel.start, f.sel.end)}`);
      add({ selector: selectorText(f.sel.matchers), matchers: f.sel.matchers, lookbackMs: f.lookbackMs, usedBy: [q.metric] });
    }
  }
  for (const metric of TIMELINE_METRICS) add(timelineSelector(canary, metric));
  // A selector with every matcher of another (and more) selects a subset of its series: pulling the other is enough.
  const key = (m: LabelMatcher) => `${m.name}\u0000${m.op}\u0000${m.value}`;
  const all = [...byText.values()];
  const kept = all.filter((a) => {
    const mine = new Set(a.matchers.map(key));
    const wider = all.find((b) => b !== a && b.matchers.length < a.matchers.length && b.matchers.every((m) => mine.has(key(m))));
    if (!wider) return true;
    wider.lookbackMs = Math.max(wider.lookbackMs, a.lookbackMs);
    for (const u of a.usedBy) if (!wider.usedBy.includes(u)) wider.usedBy.push(u);
    return false;
  });
  return { selectors: kept, queries, problems };
}
