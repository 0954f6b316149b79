import type { WorldSpec } from '../model/spec';
import { parsePromQL, formatParseError } from '../promql/parse';
import type { CanarySpec } from '../rollout/types';
import { hasWindowPlaceholder, withWindow } from '../slo/rules';
import { type BurnRateWindow, burnRateFor, DEFAULT_TIERS, defaultWindows, errorBudgetOf, formatPromDuration, type IndicatorSpec, type PolicyTier, periodSeconds, type SloSpec } from '../slo/spec';
import { formatBound } from '../telemetry/registry';
import { suggest } from './issues';
import type { ScenarioDocument, SloDocument } from './schema';
import type { SourceDocument } from './yaml-source';

/**
 * Compiles `spec.slos` (docs/slo.md) and checks what the schema cannot: SLI
 * queries parse as PromQL (each reported at its field), a latency threshold
 * is a bucket bound of its histogram, windows and tiers are consistent, and
 * webhooks bound to an error budget policy name an SLO and are gates.
 */

type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

/** Webhook types a policy can answer (runtime.ts gateAnswer). */
const POLICY_HOOK_TYPES = ['confirm-rollout', 'confirm-traffic-increase', 'confirm-promotion', 'pre-rollout', 'rollout', 'rollback'];

export function compileSlos(
  doc: ScenarioDocument,
  src: SourceDocument,
  world: Pick<WorldSpec, 'apps' | 'traefik' | 'scrape'>,
  canaries: readonly CanarySpec[],
  err: Report,
  warn: Report,
): SloSpec[] {
  const out: SloSpec[] = [];
  const seen = new Map<string, number>();
  doc.spec.slos.forEach((s, i) => {
    const p = ['spec', 'slos', i];
    const prev = seen.get(s.name);
    if (prev !== undefined) {
      err(src, [...p, 'name'], `SLO ${s.name} is already defined at spec.slos[${prev}]; give each SLO its own name`);
      return;
    }
    seen.set(s.name, i);
    const spec = compileSlo(doc, src, world, s, p, err, warn);
    if (spec) out.push(spec);
  });

  // Webhooks answered by an error budget policy.
  doc.spec.webhooks.forEach((w, i) => {
    if (w.errorBudget === undefined) return;
    const p = ['spec', 'webhooks', i];
    if (w.responses !== undefined) err(src, [...p, 'errorBudget'], 'expected errorBudget or responses, not both: a webhook bound to an error budget policy answers from the budget');
    const slo = doc.spec.slos.find((s) => s.name === w.errorBudget);
    if (!slo) {
      const names = [...new Set(doc.spec.slos.map((s) => s.name))];
      const hint = suggest(w.errorBudget, names);
      err(src, [...p, 'errorBudget'], `no SLO named ${w.errorBudget}${hint ? ` (did you mean ${hint}?)` : ''}; SLOs in this scenario: ${names.length > 0 ? names.join(', ') : 'none'}`);
      return;
    }
    if (!slo.policy) warn(src, [...p, 'errorBudget'], `SLO ${slo.name} has no policy: the webhook always answers 200; add policy: {} for the default tiers`);
    for (const c of canaries) {
      if (w.canary !== undefined && w.canary !== c.name && `${c.namespace}/${c.name}` !== w.canary) continue;
      for (const h of c.analysis.webhooks) {
        if (h.name === w.name && !POLICY_HOOK_TYPES.includes(h.type)) {
          err(src, [...p, 'errorBudget'], `webhook ${w.name} of Canary ${c.name} has type ${h.type || 'rollout'}; an error budget policy answers ${POLICY_HOOK_TYPES.join(', ')} hooks`);
        }
      }
    }
  });
  return out;
}

function compileSlo(doc: ScenarioDocument, src: SourceDocument, world: Pick<WorldSpec, 'apps' | 'traefik' | 'scrape'>, s: SloDocument, p: Array<string | number>, err: Report, warn: Report): SloSpec | null {
  let ok = true;
  const fail = (path: Array<string | number>, message: string) => {
    err(src, path, message);
    ok = false;
  };

  // The service budgets are attributed to.
  if (s.service !== undefined && !(s.service in doc.spec.services)) {
    const names = Object.keys(doc.spec.services);
    const hint = suggest(s.service, names);
    fail([...p, 'service'], `no service named ${s.service} in spec.services${hint ? ` (did you mean ${hint}?)` : ''}; services: ${names.join(', ')}`);
  }

  // The window.
  let window: SloSpec['window'];
  if (s.window === 'month') window = { kind: 'calendar-month' };
  else {
    const m = /^([0-9]+)([dwh])$/.exec(s.window);
    const unit = m ? { h: 3600, d: 86400, w: 7 * 86400 }[m[2] as 'h' | 'd' | 'w'] : 0;
    if (!m || Number(m[1]) === 0) {
      fail([...p, 'window'], `expected the SLO window as a rolling duration in whole hours, days or weeks (e.g. 30d, 28d, 7d) or month (the calendar month), found ${JSON.stringify(s.window)}`);
      window = { kind: 'rolling', seconds: 30 * 86400 };
    } else window = { kind: 'rolling', seconds: Number(m[1]) * unit };
  }
  const startMs = world.scrape.startMs;
  const period = periodSeconds({ window }, startMs);
  if (doc.spec.duration > period) warn(src, [...p, 'window'], `the run (${formatPromDuration(doc.spec.duration)}) is longer than the SLO window (${formatPromDuration(period)}): the budget does not roll older events off`);

  // The indicator.
  let indicator: IndicatorSpec | null = null;
  const ind = s.indicator;
  if ((ind.ratio === undefined) === (ind.latency === undefined)) {
    fail([...p, 'indicator'], 'expected exactly one indicator: ratio (bad or good, and total events) or latency (histogram and threshold)');
  } else if (ind.ratio) {
    const r = ind.ratio;
    const rp = [...p, 'indicator', 'ratio'];
    if ((r.bad === undefined) === (r.good === undefined)) fail(rp, 'expected bad or good events (one of them) besides total');
    const query = (field: 'bad' | 'good' | 'total'): string | null => {
      const text = r[field];
      if (text === undefined) return null;
      const q = sliQuery(text);
      if ('error' in q) {
        fail([...rp, field], q.error);
        return null;
      }
      return q.query;
    };
    const bad = query('bad');
    const good = query('good');
    const total = query('total');
    if (total !== null && (bad !== null || good !== null)) indicator = { kind: 'ratio', bad, good, total };
  } else if (ind.latency) {
    const l = ind.latency;
    const lp = [...p, 'indicator', 'latency'];
    if (/_(bucket|count|sum|total)$/.test(l.histogram)) fail([...lp, 'histogram'], `expected the histogram family name without _bucket, _count or _sum, found ${JSON.stringify(l.histogram)}`);
    const probe = parsePromQL(`${l.histogram}_count{${l.selector}}`);
    if (!probe.ok) fail([...lp, 'selector'], `expected label matchers such as service=~"shop-backend-.*": ${probe.message}`);
    const buckets = bucketsOf(world, l.histogram);
    if (buckets && !buckets.some((b) => Math.abs(b - l.threshold) < 1e-12)) {
      fail([...lp, 'threshold'], `expected a bucket bound of ${l.histogram} (${buckets.map((b) => `${formatBound(b)}s`).join(', ')}): the share of requests under ${formatBound(l.threshold)}s cannot be read from its buckets`);
    }
    if (!buckets) warn(src, [...lp, 'histogram'], `${l.histogram} is not a histogram this scenario's Traefik or services export; its buckets cannot be checked`);
    indicator = { kind: 'latency', histogram: l.histogram, matchers: l.selector, threshold: l.threshold };
  }

  // Alert windows.
  const windows: BurnRateWindow[] = [];
  if (s.alerting.windows === undefined) windows.push(...defaultWindows(period));
  else {
    s.alerting.windows.forEach((w, k) => {
      const wp = [...p, 'alerting', 'windows', k];
      const short = w.short ?? w.long / 12;
      if (short >= w.long) fail([...wp, 'short'], `expected the short window shorter than the long window (${formatPromDuration(w.long)})`);
      if (w.long > period) warn(src, [...wp, 'long'], `the long window is longer than the SLO window (${formatPromDuration(period)})`);
      if (w.burnRate !== undefined && w.budgetConsumed !== undefined) fail([...wp, 'budgetConsumed'], 'expected burnRate or budgetConsumed, not both: the burn rate follows from the budget consumed, the period and the long window');
      let burnRate = w.burnRate;
      if (burnRate === undefined && w.budgetConsumed !== undefined) burnRate = burnRateFor(w.budgetConsumed / 100, period, w.long);
      if (burnRate === undefined) {
        fail(wp, 'missing required field "burnRate": expected the burn rate factor (e.g. 14.4) or budgetConsumed (the percentage of the budget consumed when the alert fires, e.g. 2)');
        return;
      }
      windows.push({ severity: w.severity, burnRate, long: w.long, short, for: w.for ?? 0 });
    });
  }
  const interval = s.alerting.evaluationInterval;
  if (interval < world.scrape.interval) warn(src, [...p, 'alerting', 'evaluationInterval'], `rules evaluated every ${formatPromDuration(interval)} see new samples only every scrape (${formatPromDuration(world.scrape.interval)})`);

  // The policy.
  let policy: SloSpec['policy'] = null;
  if (s.policy) {
    const tiers: PolicyTier[] = [];
    if (s.policy.tiers === undefined) tiers.push(...DEFAULT_TIERS);
    else {
      const names = new Set<string>();
      s.policy.tiers.forEach((t, k) => {
        const tp = [...p, 'policy', 'tiers', k];
        const last = k === (s.policy?.tiers?.length ?? 0) - 1;
        if (names.has(t.name)) fail([...tp, 'name'], `tier ${t.name} is defined twice`);
        names.add(t.name);
        if (!last && t.above === undefined) fail(tp, 'missing required field "above": expected the percentage of the budget remaining above which this tier applies (only the last tier, for everything below, has none)');
        if (last && t.above !== undefined) warn(src, [...tp, 'above'], 'the last tier applies to everything below the tier before it; above is ignored', true);
        const prevAbove = tiers.at(-1)?.above;
        if (t.above !== undefined && !last && prevAbove !== undefined && prevAbove !== null && t.above / 100 >= prevAbove) {
          fail([...tp, 'above'], `expected tiers from the most budget remaining to the least: ${t.above}% is not below the previous tier's ${prevAbove * 100}%`);
        }
        tiers.push({ name: t.name, above: last ? null : (t.above ?? 0) / 100, holdRollouts: t.holdRollouts, haltPromotion: t.haltPromotion, rollback: t.rollback });
      });
    }
    policy = { tiers };
  }
  for (const [k, v] of Object.entries(s.labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) || k.startsWith('__')) fail([...p, 'labels', k], `expected a Prometheus label name (letters, digits and _, not starting with a digit or __), found ${JSON.stringify(k)}`);
    else if (k.startsWith('sloth_') || k === 'burn_rate' || k === 'long_window' || k === 'short_window') fail([...p, 'labels', k], `label ${k} is set by the generated rules; choose another name`);
    if (v.includes('{{')) fail([...p, 'labels', k], 'expected a plain label value: Prometheus expands {{ }} in alert labels as Go templates');
  }
  if (s.budget.consumedAtStart >= 100) warn(src, [...p, 'budget', 'consumedAtStart'], 'the whole error budget is spent before the run starts');

  if (!ok || indicator === null) return null;
  const objective = s.objective;
  return {
    name: s.name,
    service: s.service ?? null,
    ruleService: s.service ?? doc.metadata.name,
    description: s.description ?? '',
    objective,
    errorBudget: errorBudgetOf(objective),
    window,
    indicator,
    budget: { consumedAtStart: s.budget.consumedAtStart / 100, requestRate: s.budget.requestRate ?? null },
    alerting: { name: s.alerting.name, evaluationInterval: interval, windows },
    policy,
    labels: s.labels,
  };
}

/**
 * An SLI query: a text with `{{ .window }}` (Sloth's form) is kept; a bare
 * counter selector becomes `sum(rate(selector[{{ .window }}]))`.
 */
function sliQuery(text: string): { query: string } | { error: string } {
  const templated = hasWindowPlaceholder(text);
  const probe = templated ? withWindow(text, '5m') : text;
  const parsed = parsePromQL(probe);
  if (!parsed.ok) return { error: `not a valid PromQL query${templated ? ' (with {{ .window }} as 5m)' : ''}: ${formatParseError(probe, parsed.position, parsed.message)}` };
  if (templated) {
    if (parsed.expr.type === 'matrixSelector' || parsed.expr.type === 'string') return { error: 'expected a query giving events per second, e.g. sum(rate(x_total[{{ .window }}]))' };
    return { query: text };
  }
  if (parsed.expr.type === 'vectorSelector') return { query: `sum(rate(${text.trim()}[{{ .window }}]))` };
  return { error: 'expected a counter selector such as http_requests_total{code=~"5.."}, or a query with [{{ .window }}] where the window goes, e.g. sum(rate(http_requests_total{code=~"5.."}[{{ .window }}]))' };
}

/** The bucket bounds of a histogram family the scenario exports, or null when it exports none of that name. */
function bucketsOf(world: Pick<WorldSpec, 'apps' | 'traefik'>, family: string): readonly number[] | null {
  if (world.traefik && /^traefik_(entrypoint|router|service)_request_duration_seconds$/.test(family)) return world.traefik.metrics.buckets;
  for (const a of world.apps) if (a.metrics && a.metrics.duration === family) return a.metrics.buckets;
  return null;
}
