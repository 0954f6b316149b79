import { Sampler } from '../model/distributions';
import type { AppSpec, BehaviourSpec } from '../model/spec';
import type { FaultSpec } from '../faults/spec';
import { windows } from '../faults/spec';
import type { RunAction, RunnableScenario } from '../run/simulation';

/**
 * Ground truth of a game-day run: was the rolled-out canary revision
 * actually bad, and from when — as the scenario made it, not as Flagger or
 * the team saw it (docs/gameday.md, "Scoring").
 *
 * The canary revision is **bad** at time t (from the moment it is deployed,
 * `spec.rollout.at`) when, at full strength,
 *
 * - its 5xx probability is above the primary's by more than
 *   `tolerances.errorRate` (absolute: 0.01 is one percentage point), or
 * - the p99 of its service time is above the primary's by more than
 *   `tolerances.latencyP99` (relative: 0.5 is 50 % slower), or
 * - every one of its pods is down or crashing (`pod-failure`, `crash-loop`,
 *   `oom-leak` covering the whole revision).
 *
 * Its state at t is its configured behaviour (`services.<app>.canary`: status
 * code probabilities, latency distribution) under the faults acting on the
 * canary open at t — scenario faults and live injections, cancellations
 * included: `http-abort` (5xx codes) adds to the 5xx probability, `http-delay`,
 * `latency-shift`, `cpu-stress` change the service time. A fault acts on the
 * canary when its target is the canary revision (`{ service, version: canary }`)
 * or pods of the Canary's target Deployment. Faults on every version, on the
 * primary, on calls, streams, the metrics provider, scrapes or the router test
 * the environment, the observer or the control plane — the revision is no
 * worse than the one it replaces — and one-off disruptions (`pod-kill`,
 * `counter-reset`) and capacity (`scale-down`) are not counted either.
 *
 * Simplifications: faults count at full intensity over their whole window
 * (ramps ignored); `http-delay`'s jitter is ignored (its mean delay counts);
 * 4xx aborts are not errors (as for the SLIs and Flagger's success rate);
 * only the app's own service time is compared, not queueing or dependencies;
 * noise (error drift and bursts, slow pods) is not part of the truth; a fault
 * on the canary Deployment's pods counts for its whole window, even after a
 * promotion has scaled that Deployment to zero. The canary is judged from its
 * deployment, not from when Flagger first sends it traffic, so the truth is
 * the same for every run of the same faults whatever the gates decided.
 *
 * Everything here is a pure function of the compiled scenario, the run's
 * horizon and its action log: the same for the exercise and for Flagger alone
 * replaying the same faults.
 */

export interface TruthTolerances {
  /** How much higher the canary's 5xx probability may be than the primary's, absolute (0.01: one percentage point). */
  errorRate: number;
  /** How much slower the canary's p99 service time may be than the primary's, relative (0.5: 50 % slower). */
  latencyP99: number;
}

export const DEFAULT_TOLERANCES: TruthTolerances = { errorRate: 0.01, latencyP99: 0.5 };

/** A span of simulated time [from, to) over which the canary revision was bad, with why. */
export interface BadSpan {
  from: number;
  to: number;
  reason: string;
  /** Names of the faults that made it bad (empty: its configured behaviour alone). */
  faults: string[];
}

/** A revision's configured behaviour as the truth compares it. */
export interface RevisionFigures {
  /** Probability of a 5xx answer. */
  errorRate: number;
  /** p99 of the service time, seconds. */
  p99: number;
}

export interface GroundTruth {
  /** The rolled-out Canary (namespace/name); null without a rollout. */
  canary: string | null;
  /** The app the Canary rolls out (its series in the run are `(app, canary)`). */
  app: string | null;
  /** When the canary revision is deployed (`spec.rollout.at`); null without a rollout. */
  deployedAt: number | null;
  /** The canary was bad at some time of the run. */
  bad: boolean;
  /** Simulated seconds: when it first was; null when never. */
  badFrom: number | null;
  /** Why it was bad (first span), or why it counts as good. */
  reason: string;
  /** Every span it was bad, in order (contiguous spans with different reasons stay apart). */
  spans: BadSpan[];
  /** The run's horizon (seconds): spans end there at the latest. */
  horizon: number;
  tolerances: TruthTolerances;
  /** The configured behaviours compared (no faults); null without a rollout. */
  baseline: { primary: RevisionFigures; canary: RevisionFigures } | null;
}

export interface TruthOptions {
  /** Seconds; defaults to the scenario's duration. */
  duration?: number;
  /** The run's action log: live injections and cancellations count; decisions are ignored. */
  actions?: readonly RunAction[];
  tolerances?: Partial<TruthTolerances>;
}

/** Ground truth of a run of `scenario` with this horizon and action log. */
export function groundTruth(scenario: RunnableScenario, options: TruthOptions = {}): GroundTruth {
  const horizon = options.duration ?? scenario.duration;
  const tolerances: TruthTolerances = { ...DEFAULT_TOLERANCES, ...options.tolerances };
  const none = (reason: string, canary: string | null = null, app: string | null = null, deployedAt: number | null = null, baseline: GroundTruth['baseline'] = null): GroundTruth => ({
    canary,
    app,
    deployedAt,
    bad: false,
    badFrom: null,
    reason,
    spans: [],
    horizon,
    tolerances,
    baseline,
  });

  const rollout = rolloutOf(scenario);
  if (!rollout) return none('no canary revision is rolled out in this run');
  const { canary, target, app, deployedAt } = rollout;
  const primary = figures(app.primary);
  const base = figures(app.canary);
  const baseline = { primary, canary: base };
  if (deployedAt >= horizon) return none(`the canary revision is deployed at ${fmtTime(deployedAt)}, not before the run ends`, canary, app.name, deployedAt, baseline);

  const faults = canaryFaults(scenario, options.actions ?? [], horizon, app.name, target);
  // Segment the run from the deployment at every window edge; judge each segment by the faults open in it.
  const edges = new Set<number>([deployedAt, horizon]);
  for (const f of faults) for (const [a, b] of f.windows) for (const x of [a, b]) if (x > deployedAt && x < horizon) edges.add(x);
  const cuts = [...edges].sort((x, y) => x - y);
  const spans: BadSpan[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const open = faults.filter((f) => f.windows.some(([a, b]) => a <= from && from < b));
    const v = judge(app.canary, base, primary, open, tolerances);
    if (!v) continue;
    const last = spans[spans.length - 1];
    if (last && last.to === from && last.reason === v.reason) last.to = to;
    else spans.push({ from, to, reason: v.reason, faults: v.faults });
  }
  if (spans.length === 0) {
    const why =
      faults.length > 0
        ? `the canary revision stays within tolerance of the primary (${describe(base)} against ${describe(primary)}), also under ${faults.map((f) => f.spec.name).join(', ')}`
        : `the canary revision stays within tolerance of the primary: ${describe(base)} against ${describe(primary)}`;
    return none(`${why} (tolerances: 5xx +${fmtPoints(tolerances.errorRate)}, p99 +${fmtPercent(tolerances.latencyP99)})`, canary, app.name, deployedAt, baseline);
  }
  return { canary, app: app.name, deployedAt, bad: true, badFrom: spans[0].from, reason: spans[0].reason, spans, horizon, tolerances, baseline };
}

/** Whether the canary revision was bad at time t. */
export function badAt(truth: GroundTruth, t: number): boolean {
  return truth.spans.some((s) => s.from <= t && t < s.to);
}

/** The span the canary was bad in at time t, if any. */
export function spanAt(truth: GroundTruth, t: number): BadSpan | null {
  return truth.spans.find((s) => s.from <= t && t < s.to) ?? null;
}

// ---------------------------------------------------------------------------------------------------------------------

interface Rollout {
  canary: string;
  /** The Canary's target Deployment (the canary's pods). */
  target: string;
  app: AppSpec;
  deployedAt: number;
}

function rolloutOf(scenario: RunnableScenario): Rollout | null {
  const want = scenario.flagger?.rollout ?? null;
  if (!want) return null;
  const c = scenario.flagger?.canaries.find((x) => `${x.namespace}/${x.name}` === want);
  if (!c) return null;
  const w = scenario.world.workloads.find((x) => x.name === c.target && x.namespace === c.namespace);
  const app = w ? scenario.world.apps.find((a) => a.name === w.app && a.namespace === w.namespace) : undefined;
  const deploy = scenario.world.scaleEvents.find((e) => e.deploy && e.workload === c.target);
  if (!app || !deploy) return null;
  return { canary: want, target: c.target, app, deployedAt: deploy.at };
}

interface CanaryFault {
  spec: FaultSpec;
  /** [start, end) spans within the horizon, after cancellations. */
  windows: Array<[number, number]>;
}

/** Types that can make the canary revision bad (the others test the environment; see the module comment). */
const COUNTED = new Set(['http-abort', 'http-delay', 'latency-shift', 'cpu-stress', 'pod-failure', 'crash-loop', 'oom-leak']);
const POD_DOWN = new Set(['pod-failure', 'crash-loop', 'oom-leak']);

/** The faults acting on the canary revision, scenario and live, with the windows they were open. */
function canaryFaults(scenario: RunnableScenario, actions: readonly RunAction[], horizon: number, app: string, target: string): CanaryFault[] {
  const all: Array<{ spec: FaultSpec; cancelledAt: number }> = (scenario.faults ?? []).map((spec) => ({ spec, cancelledAt: Infinity }));
  for (const a of actions) {
    if (a.action === 'inject') all.push({ spec: { ...a.fault, schedule: { ...a.fault.schedule, at: a.t + a.fault.schedule.at } }, cancelledAt: Infinity });
    else if (a.action === 'cancel') {
      const f = all.find((x) => x.spec.name === a.name);
      if (f && f.cancelledAt === Infinity) f.cancelledAt = a.t;
    }
  }
  const out: CanaryFault[] = [];
  for (const { spec, cancelledAt } of all) {
    if (!COUNTED.has(spec.params.type) || !onCanary(spec, app, target)) continue;
    const end = Math.min(horizon, cancelledAt);
    const spans = windows(spec.schedule, horizon)
      .map(([a, b]): [number, number] => [a, Math.min(b, end)])
      .filter(([a, b]) => b > a);
    if (spans.length > 0) out.push({ spec, windows: spans });
  }
  return out;
}

function onCanary(f: FaultSpec, app: string, target: string): boolean {
  const t = f.target;
  if (t.kind === 'version') return t.app === app && t.version === 'canary';
  if (t.kind !== 'pods' || t.workload !== target) return false;
  // Request faults act on the whole revision; a pod fault makes the revision bad only when it takes every pod.
  return !POD_DOWN.has(f.params.type) || coversAll(f);
}

function coversAll(f: FaultSpec): boolean {
  const t = f.target;
  if (t.kind === 'version') return true;
  if (t.kind !== 'pods') return false;
  return t.mode === 'all' || ((t.mode === 'fixed-percent' || t.mode === 'random-max-percent') && t.value >= 100);
}

function errorRateOf(b: BehaviourSpec): number {
  return b.statusCodes.filter((s) => s.code >= 500).reduce((a, s) => a + s.probability, 0);
}

function figures(b: BehaviourSpec): RevisionFigures {
  return { errorRate: errorRateOf(b), p99: new Sampler(b.latency).quantile(0.99) };
}

/** The canary's state under the open faults: bad (with why) or null when within tolerance. */
function judge(behaviour: BehaviourSpec, base: RevisionFigures, primary: RevisionFigures, open: CanaryFault[], tol: TruthTolerances): { reason: string; faults: string[] } | null {
  const names = (fs: CanaryFault[]) => fs.map((f) => `${f.spec.name} (${f.spec.params.type})`).join(', ');
  const down = open.filter((f) => POD_DOWN.has(f.spec.params.type));
  if (down.length > 0) return { reason: `every canary pod is down or crashing: ${names(down)}`, faults: down.map((f) => f.spec.name) };

  const aborts = open.filter((f) => f.spec.params.type === 'http-abort' && f.spec.params.code >= 500);
  let ok = 1 - base.errorRate;
  for (const f of aborts) if (f.spec.params.type === 'http-abort') ok *= 1 - f.spec.params.percent / 100;
  const errorRate = 1 - ok;

  const slow = open.filter((f) => f.spec.params.type === 'http-delay' || f.spec.params.type === 'latency-shift' || f.spec.params.type === 'cpu-stress');
  const p99 = slow.length > 0 ? p99Under(new Sampler(behaviour.latency), slow.map((f) => f.spec)) : base.p99;

  const reasons: string[] = [];
  const faults: CanaryFault[] = [];
  if (errorRate - primary.errorRate > tol.errorRate + 1e-12) {
    reasons.push(`answers 5xx to ${fmtPercent(errorRate)} of requests against ${fmtPercent(primary.errorRate)} for the primary (tolerance +${fmtPoints(tol.errorRate)})`);
    faults.push(...aborts);
  }
  if (p99 > primary.p99 * (1 + tol.latencyP99) + 1e-12) {
    reasons.push(`has a p99 service time of ${fmtSeconds(p99)} against ${fmtSeconds(primary.p99)} for the primary (tolerance +${fmtPercent(tol.latencyP99)})`);
    faults.push(...slow);
  }
  if (reasons.length === 0) return null;
  const by = faults.length > 0 ? `, under ${names(faults)}` : ' as configured';
  return { reason: `the canary ${reasons.join(' and ')}${by}`, faults: faults.map((f) => f.spec.name) };
}

/**
 * The p99 of the service time under slowdowns and delays: T = k·X + Σ delays applied, X the configured draw, k the
 * product of the factors; each delay applies to its share of requests independently, a tail-only one only when X is
 * at or above its quantile. Solved by bisection on the exact CDF (a sum over which delays apply, ≤ 2^8 terms).
 */
function p99Under(sampler: Sampler, faults: FaultSpec[]): number {
  let k = 1;
  const delays: Array<{ d: number; p: number; from: number }> = [];
  for (const f of faults) {
    const p = f.params;
    if (p.type === 'latency-shift') k *= p.factor;
    else if (p.type === 'cpu-stress') k *= p.slowdown;
    else if (p.type === 'http-delay' && delays.length < 8) delays.push({ d: p.delay, p: p.percent / 100, from: p.tailOnly ? sampler.quantile(p.tailQuantile) : 0 });
  }
  const u = 0.99;
  const base = sampler.quantile(u) * k;
  if (delays.length === 0) return base;
  const cdf = (x: number): number => {
    let total = 0;
    for (let mask = 0; mask < 1 << delays.length; mask++) {
      let w = 1;
      const on: Array<{ d: number; from: number }> = [];
      delays.forEach((dl, i) => {
        if (mask & (1 << i)) {
          w *= dl.p;
          on.push(dl);
        } else w *= 1 - dl.p;
      });
      if (w === 0) continue;
      // X in [a, b) between the tail thresholds of the applied delays: the added delay is constant there.
      const cuts = [...new Set([0, ...on.map((o) => o.from)])].sort((a, b) => a - b);
      let p = 0;
      for (let j = 0; j < cuts.length; j++) {
        const a = cuts[j];
        const b = j + 1 < cuts.length ? cuts[j + 1] : Infinity;
        const added = on.filter((o) => o.from <= a).reduce((s, o) => s + o.d, 0);
        const hi = Math.min(b, (x - added) / k);
        if (hi > a) p += sampler.cdf(hi) - sampler.cdf(a);
      }
      total += w * p;
    }
    return total;
  };
  let lo = base;
  let hi = base + delays.reduce((s, d) => s + d.d, 0);
  if (cdf(lo) >= u) return lo;
  for (let i = 0; i < 100 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) >= u) hi = mid;
    else lo = mid;
  }
  return hi;
}

function describe(f: RevisionFigures): string {
  return `5xx ${fmtPercent(f.errorRate)}, p99 ${fmtSeconds(f.p99)}`;
}

/** 0.004 → "0.4%"; at most two decimals, trailing zeros dropped. */
export function fmtPercent(x: number): string {
  return `${String(Number((x * 100).toFixed(2)))}%`;
}

/** 0.01 → "1 percentage point". */
function fmtPoints(x: number): string {
  const n = Number((x * 100).toFixed(2));
  return `${String(n)} percentage point${n === 1 ? '' : 's'}`;
}

/** Seconds as milliseconds below 1 s ("120ms"), else seconds ("1.25s"). */
function fmtSeconds(s: number): string {
  return s < 1 ? `${String(Number((s * 1000).toFixed(1)))}ms` : `${String(Number(s.toFixed(3)))}s`;
}

/** Simulated seconds as minutes and seconds: 200 → "3m20s", 45 → "45s". */
export function fmtTime(t: number): string {
  const neg = t < 0;
  let s = Math.round(Math.abs(t) * 1000) / 1000;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = Number((s - m * 60).toFixed(3));
  const out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? (s > 0 ? `${m}m${s}s` : `${m}m`) : `${s}s`;
  return neg ? `-${out}` : out;
}
