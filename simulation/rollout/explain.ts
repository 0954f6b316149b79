import { instantQuery } from '../promql/engine';
import type { SeriesStore } from '../telemetry/tsdb';
import { parseDuration } from '../util/duration';
import type { CanaryEvent, CanarySpec, CanaryStatus, MetricCheck } from './types';

/**
 * The structured reason behind each of Flagger's events, for people: what
 * kind of decision it was, the state it was taken in, the metric check that
 * caused it with its value and threshold range, and — when a check found no
 * data, the most common Flagger-with-Traefik support question — the likely
 * cause, found by looking at what Prometheus holds.
 */
export type DecisionKind =
  | 'detect'
  | 'start'
  | 'advance'
  | 'iterate'
  | 'halt'
  | 'wait'
  | 'promote'
  | 'shift'
  | 'succeed'
  | 'rollback'
  | 'promotion-failed'
  | 'restart'
  | 'not-ready'
  | 'info';

export type NoDataCause =
  /** The metric's window holds fewer than two scrapes, so rate() has nothing to work with. */
  | 'window-shorter-than-scrape'
  /** spec.service.name differs from targetRef.name: Traefik's service label has the former, Flagger's built-in query the latter. */
  | 'service-label-mismatch'
  /** The canary got no requests through Traefik in the window. */
  | 'no-canary-traffic'
  /** Prometheus failed to scrape Traefik in the window. */
  | 'provider-down'
  /** None of the above: the query's selectors match nothing Prometheus has. */
  | 'no-matching-series';

export interface DecisionExplanation {
  decision: DecisionKind;
  phase: CanaryStatus['phase'];
  canaryWeight: number;
  failedChecks: number;
  /** Failed checks that roll the canary back. */
  threshold: number;
  /** The check behind a halt: its value and the range it had to be in. */
  check?: { metric: string; value: number | null; min: number | null; max: number | null; query: string | null; error?: string };
  /** Why a check found no data, when that is what halted it. */
  cause?: { kind: NoDataCause; detail: string };
  /** One plain sentence. */
  summary: string;
}

/** What explaining needs to know about the run. */
export interface ExplainContext {
  spec: CanarySpec;
  store: SeriesStore;
  /** Seconds between scrapes. */
  scrapeInterval: number;
  /** Unix ms of simulated second t. */
  timestamp(t: number): number;
  /** A metrics-provider outage fault in force now, if any. */
  outage?: () => { name: string; mode: string } | null;
}

export function classify(message: string): DecisionKind {
  if (message.startsWith('New revision detected! Restarting')) return 'restart';
  if (message.startsWith('New revision detected!')) return 'detect';
  if (message.startsWith('Starting canary analysis')) return 'start';
  if (/^Advance \S+ primary weight/.test(message) || message === 'Routing all traffic to primary') return 'shift';
  if (/^Advance \S+ canary iteration/.test(message) || message.startsWith('Routing all traffic to canary') || message.startsWith('Stop traffic mirroring')) return 'iterate';
  if (message.startsWith('Advance ')) return 'advance';
  if (/^Halt \S+ advancement waiting for/.test(message)) return 'wait';
  if (message.startsWith('Halt ') || message.startsWith('Metric query failed') || message.startsWith('Prometheus query failed') || message.startsWith('Metric template')) return 'halt';
  if (message.startsWith('Copying ')) return 'promote';
  if (message.startsWith('Promotion completed!')) return 'succeed';
  if (message.startsWith('Promotion of ')) return 'promotion-failed';
  if (message.startsWith('Rolling back') || message.startsWith('Canary failed!')) return 'rollback';
  if (message.includes(' not ready: ')) return 'not-ready';
  return 'info';
}

export function explain(ctx: ExplainContext, event: CanaryEvent, status: Readonly<CanaryStatus>, checks: readonly MetricCheck[]): DecisionExplanation {
  const decision = classify(event.message);
  // A halt counts one failed check; Flagger emits the event first, then counts it.
  const failedChecks = status.failedChecks + (decision === 'halt' ? 1 : 0);
  const base = { decision, phase: status.phase, canaryWeight: status.canaryWeight, failedChecks, threshold: ctx.spec.analysis.threshold };
  const failed = decision === 'halt' ? lastFailedAt(checks, event.t) : undefined;
  if (!failed) return { ...base, summary: summaryOf(decision, event, base, ctx.spec) };
  const check = { metric: failed.metric, value: failed.value, min: failed.min, max: failed.max, query: failed.query, ...(failed.error ? { error: failed.error } : {}) };
  const counted = base;
  const left = Math.max(0, ctx.spec.analysis.threshold - failedChecks);
  const tail = `failed checks ${failedChecks} of ${ctx.spec.analysis.threshold}: ${left === 0 ? 'the next analysis rolls the canary back' : `${left} more roll${left === 1 ? 's' : ''} the canary back`}`;
  const unit = failed.kind === 'builtin' ? (failed.metric === 'request-duration' ? ' ms' : failed.metric === 'request-success-rate' ? '%' : '') : '';
  if (failed.value !== null) {
    const range = [failed.min !== null ? `at least ${failed.min}${unit}` : null, failed.max !== null ? `at most ${failed.max}${unit}` : null].filter(Boolean).join(' and ');
    return { ...counted, check, summary: `${failed.metric} was ${failed.value}${unit}, outside the accepted range (${range || 'none: any positive value fails'}); ${tail}.` };
  }
  if (failed.error && !/no values found/.test(failed.error)) {
    return { ...counted, check, summary: `${failed.metric} could not be evaluated: ${failed.error}; ${tail}.` };
  }
  const cause = diagnoseNoData(ctx, failed, event.t, status.canaryWeight);
  return { ...counted, check, cause, summary: `${failed.metric} found no data: ${cause.detail}; ${tail}.` };
}

/** The last failed check at time t (searched from the end: the checks of a run only grow). */
function lastFailedAt(checks: readonly MetricCheck[], t: number): MetricCheck | undefined {
  for (let i = checks.length - 1; i >= 0; i--) if (checks[i].t === t && !checks[i].ok) return checks[i];
  return undefined;
}

/** The likeliest reason a check found no data, in the order support threads find them. */
export function diagnoseNoData(ctx: ExplainContext, check: MetricCheck, t: number, canaryWeight: number): { kind: NoDataCause; detail: string } {
  const { spec, store } = ctx;
  const outage = ctx.outage?.() ?? null;
  if (outage) {
    return { kind: 'provider-down', detail: `the metrics provider answered no data: the fault ${outage.name} (metrics-outage, ${outage.mode}) is in force` };
  }
  const metric = spec.analysis.metrics.find((m) => m.name === check.metric);
  const intervalText = metric?.interval || '1m';
  const parsed = parseDuration(intervalText);
  const window = typeof parsed === 'number' ? parsed : 60;
  if (window < 2 * ctx.scrapeInterval) {
    return {
      kind: 'window-shorter-than-scrape',
      detail: `the metric's interval ${intervalText} holds fewer than two scrapes at Prometheus' ${ctx.scrapeInterval} s scrape interval, and rate() needs two samples; use an interval of at least ${2 * ctx.scrapeInterval} s`,
    };
  }
  const at = ctx.timestamp(t);
  const count = (selector: string) => {
    const r = instantQuery(store, `count(${selector})`, at);
    return r.status === 'success' && r.data.resultType === 'vector' && r.data.result.length > 0 ? Number(r.data.result[0].value[1]) : 0;
  };
  const label = (name: string) => `traefik_service_requests_total{service=~"${spec.namespace}-${name}-canary-[0-9a-zA-Z-]+@kubernetescrd"}`;
  const builtin = check.kind === 'builtin';
  if (builtin && spec.apex !== spec.target && count(label(spec.target)) === 0 && count(label(spec.apex)) > 0) {
    return {
      kind: 'service-label-mismatch',
      detail: `spec.service.name (${spec.apex}) differs from targetRef.name (${spec.target}): Traefik labels the canary's metrics service="${spec.namespace}-${spec.apex}-canary-${spec.port}@kubernetescrd", but Flagger's built-in query selects ${spec.namespace}-${spec.target}-canary-…; use a MetricTemplate keyed on {{ service }}`,
    };
  }
  const up = instantQuery(store, `min_over_time(up{job="traefik"}[${window}s])`, at);
  if (up.status === 'success' && up.data.resultType === 'vector' && up.data.result.some((s) => Number(s.value[1]) === 0)) {
    return { kind: 'provider-down', detail: `Prometheus failed to scrape Traefik during the last ${intervalText}, so the samples the query needs are missing` };
  }
  const served = instantQuery(store, `sum(increase(${label(spec.apex)}[${window}s]))`, at);
  const requests = served.status === 'success' && served.data.resultType === 'vector' && served.data.result.length > 0 ? Number(served.data.result[0].value[1]) : 0;
  if (!(requests > 0)) {
    return { kind: 'no-canary-traffic', detail: `the canary received no requests through Traefik in the last ${intervalText} (canary weight ${canaryWeight}%), so the ratio is 0/0` };
  }
  return { kind: 'no-matching-series', detail: `the canary served about ${Math.round(requests)} requests through Traefik, but the query's selectors match no series Prometheus holds; compare its labels with Traefik's` };
}

function summaryOf(decision: DecisionKind, event: CanaryEvent, status: { canaryWeight: number; failedChecks: number }, spec: CanarySpec): string {
  switch (decision) {
    case 'detect':
      return 'A new revision of the target was deployed: Flagger scales the canary up and starts the analysis at the next interval.';
    case 'start':
      return 'The canary is ready: the analysis starts (pre-rollout hooks run; metrics are checked once traffic reaches the canary).';
    case 'advance':
      return `All checks passed: the canary now gets ${status.canaryWeight}% of the traffic.`;
    case 'iterate':
      return event.message.startsWith('Advance')
        ? `All checks passed: ${event.message.replace(/^Advance \S+ canary /, '')} of the analysis.`
        : 'All iterations passed: all traffic goes to the canary for a final check before promotion.';
    case 'wait':
      return `A gate webhook did not approve: the rollout holds where it is (${event.message.replace(/^Halt \S+ advancement /, '')}).`;
    case 'halt':
      return `A check failed: the weight stays at ${status.canaryWeight}%; failed checks ${status.failedChecks} of ${spec.analysis.threshold}.`;
    case 'promote':
      return 'The canary passed every check at its final weight: its spec is copied to the primary, which rolls out the new revision.';
    case 'shift':
      return 'The promoted primary is ready: traffic moves back to it.';
    case 'succeed':
      return 'Promotion finished: the primary runs the new revision and the canary is scaled to zero.';
    case 'rollback':
      return 'The canary is rolled back: all traffic returns to the primary and the canary is scaled to zero.';
    case 'promotion-failed':
      return 'The promoted primary did not become ready in time: all traffic goes to the canary, which keeps running, and the Canary is Failed.';
    case 'restart':
      return 'Another new revision arrived during the analysis: it starts over from weight 0.';
    case 'not-ready':
      return 'A Deployment is not ready yet: nothing is analysed this interval.';
    default:
      return event.message;
  }
}
