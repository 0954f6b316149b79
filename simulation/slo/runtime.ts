import type { Kernel } from '../kernel/kernel';
import type { Version } from '../model/spec';
import { instantVector } from '../promql/engine';
import type { Labels, SeriesStore } from '../telemetry/tsdb';
import { type AlertEpisode, RuleEngine } from './rule-engine';
import { ratioRecord, recordedWindows, type RuleGroup, sliQueries, sloRuleGroups } from './rules';
import { formatPromDuration, type PolicyTier, periodSeconds, type SloSpec, tierOf } from './spec';

/**
 * SLOs in a run (docs/slo.md): every SLO's rules are evaluated at its
 * evaluation interval as kernel events, against the scraped store — the
 * same PromQL a real Prometheus would run — and its error budget is kept:
 *
 * - At each evaluation the SLI's bad and total event rates over the last
 *   interval (at least two scrape intervals) give the events of that
 *   interval; summed, they are the run's bad and total events.
 * - Budget consumed: each interval adds its share, so the budget only ever
 *   goes down. With `budget.requestRate` (the traffic the window carries,
 *   per second) an interval's bad events count against the window's events,
 *   `requestRate × period`: Δ = bad ÷ (error budget × requestRate × period).
 *   Without it the interval's own traffic stands for the window's (Sloth's
 *   time-weighted average of the error ratio): Δ = (bad ÷ total) × interval ÷
 *   (error budget × period), so a constant error ratio e over t seconds
 *   consumes e·t ÷ (budget · period) — 18 minutes at 12 % errors of a
 *   99.95 % / 30 d SLO is 2.16 of its 21.6 budget minutes. Remaining = 1 −
 *   consumed at start − consumed by the run; it may go below zero.
 * - Attribution: the same bad-event query, evaluated over only the series
 *   of the SLO's service's canary (Traefik's canary Service, the canary
 *   Deployment's pods) and then only its primary's, gives each one's bad
 *   events; the rest (series of neither, e.g. the entrypoint's) is `other`.
 *   Where the requests were served decides, as Traefik's metrics show it:
 *   after promotion the new revision serves as the primary. Each fault is
 *   charged the budget consumed while it was active — exposure, not a
 *   counterfactual.
 * - The error budget policy's tier follows the budget remaining; webhooks
 *   bound to the policy answer from it (see `gateAnswer`).
 */

export interface SloPorts {
  kernel: Kernel;
  store: SeriesStore;
  /** Store timestamp (Unix ms) of simulated seconds. */
  timestamp: (t: number) => number;
  /** Seconds between scrapes. */
  scrapeInterval: number;
  /** Settles aggregate traffic (fast mode) before ground truth is read. */
  settle: () => void;
  /**
   * Which of an app's Deployments a series belongs to — the Canary's target
   * (canary) or its primary — by its labels; null: neither (or the app has no
   * Canary). Called as queries select series, so it must be cheap.
   */
  versionOf: (app: string) => ((labels: Labels) => Version | null) | null;
  /** Names of the faults active at some time in (t0, t1]. */
  faultsActiveDuring: (t0: number, t1: number) => string[];
  /**
   * Evaluate the SLOs' rules (recordings, burn-rate alerts, ALERTS) — default
   * true. The error budget, its attribution and the policy tiers come from
   * the SLI queries, not from the rules; a tuning-lab run whose rollout reads
   * nothing the rules write skips them (the result then has no alerts and no
   * burn rates).
   */
  rules?: boolean;
}

/** One burn-rate alert episode of an SLO (`gameday run --json` → `slo[].alerts`). */
export interface SloAlert {
  severity: string;
  burnRate: number;
  longWindow: string;
  shortWindow: string;
  /** Seconds. */
  for: number;
  /** Simulated seconds: the condition first held (pending), the alert fired, it resolved (or was dropped while pending). */
  activeAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
}

/** Budget consumed by cause, as fractions of the whole error budget. */
export interface BudgetAttribution {
  primary: number;
  canary: number;
  /** Bad events no version of the SLO's service answered (or the SLO names no service). */
  other: number;
  /** Budget consumed while each fault was active. */
  whileFaultActive: Record<string, number>;
}

export interface SloHistoryPoint {
  t: number;
  /** Fraction of the budget remaining. */
  remaining: number;
  /** Burn rate (error ratio ÷ error budget) per recorded window, as the recording rules computed it; null: no data. */
  burnRates: Record<string, number | null>;
}

/** What one SLO saw over a run (`gameday run --json` → `slo[]`). */
export interface SloResult {
  name: string;
  service: string | null;
  /** Percent. */
  objective: number;
  /** Ratio, e.g. 0.001. */
  errorBudget: number;
  /** The SLO period, e.g. "30d" (a calendar month: its days). */
  window: string;
  budget: {
    /** Fraction of the budget remaining when the run started and when it ended. */
    start: number;
    end: number;
    /** Fraction of the budget consumed during the run. */
    consumed: number;
    /** Consumed by the rollout: the canary's share. */
    consumedByRollout: number;
    byCause: BudgetAttribution;
    /** The SLI's events over the run (from PromQL), and the window's: requestRate × period, or the run's mean rate × period. */
    badEvents: number;
    totalEvents: number;
    windowEvents: number;
    /** The budget in minutes of full outage over the period, and the minutes the run consumed. */
    budgetMinutes: number;
    consumedMinutes: number;
  };
  /** The error budget policy: its tiers, the tier when the run started and ended, every change; null without a policy. */
  policy: {
    tiers: Array<{ name: string; above: number | null; holdRollouts: boolean; haltPromotion: boolean; rollback: boolean }>;
    start: string;
    end: string;
    changes: Array<{ t: number; tier: string; remaining: number }>;
  } | null;
  /** The burn-rate alert rules: evaluation interval (seconds) and each window pair with its factor. */
  alerting: { name: string; evaluationInterval: number; windows: Array<{ severity: string; burnRate: number; longWindow: string; shortWindow: string; for: number }> };
  /** Burn-rate alerts, one entry per episode, in the order they became active. */
  alerts: SloAlert[];
  /** Budget and burn rates at every rule evaluation. */
  history: SloHistoryPoint[];
  /** Rule evaluation errors (first of each distinct message per rule). */
  ruleErrors: Array<{ rule: string; t: number; error: string }>;
}

/**
 * Rule groups by SLO spec and start time. A sweep runs the same compiled
 * SLOs thousands of times; the groups are a pure function of the spec and
 * the start (a calendar month's length) and are only read (RuleEngine), so
 * they are generated once per spec and kept as long as it is.
 */
const ruleGroupCache = new WeakMap<SloSpec, { startMs: number; groups: RuleGroup[] }>();

function ruleGroupsOf(spec: SloSpec, startMs: number): RuleGroup[] {
  const hit = ruleGroupCache.get(spec);
  if (hit !== undefined && hit.startMs === startMs) return hit.groups;
  const groups = sloRuleGroups(spec, startMs);
  ruleGroupCache.set(spec, { startMs, groups });
  return groups;
}

class SloState {
  readonly engine: RuleEngine;
  readonly period: number;
  readonly budgetQueries: { bad: string; total: string };
  /** The recorded windows, shortest first: their text and the recording rule that holds their ratio. */
  readonly burnRateRecords: ReadonlyArray<{ text: string; record: string }>;
  bad = 0;
  total = 0;
  /** Fraction of the budget the run consumed. */
  consumed = 0;
  /** Budget consumed by cause (fractions). */
  readonly byVersion: Record<Version | 'other', number> = { primary: 0, canary: 0, other: 0 };
  /** Budget consumed in the intervals each fault was active in (fractions). */
  readonly byFault = new Map<string, number>();
  remaining: number;
  tier: PolicyTier | null;
  readonly startTier: PolicyTier | null;
  readonly changes: Array<{ t: number; tier: string; remaining: number }> = [];
  readonly history: SloHistoryPoint[] = [];
  lastT = 0;

  constructor(
    readonly spec: SloSpec,
    ports: SloPorts,
  ) {
    const startMs = ports.timestamp(0);
    // The simulated Prometheus holds only the run: a window reaching back before it averages in the history the
    // scenario states — the budget consumed at the start, spent evenly (error ratio consumedAtStart × budget).
    const historyRatio = spec.budget.consumedAtStart * spec.errorBudget;
    this.engine = new RuleEngine(ports.store, ruleGroupsOf(spec, startMs), ports.timestamp, (rule, v, t) => withHistory(rule.window, v, t, historyRatio));
    this.period = periodSeconds(spec, startMs);
    const w = formatPromDuration(Math.max(spec.alerting.evaluationInterval, 2 * ports.scrapeInterval));
    const q = sliQueries(spec, w);
    this.budgetQueries = { bad: q.bad, total: q.total };
    this.burnRateRecords = recordedWindows(spec).map((w) => {
      const text = formatPromDuration(w);
      return { text, record: ratioRecord(text) };
    });
    this.remaining = 1 - spec.budget.consumedAtStart;
    this.tier = spec.policy ? tierOf(spec.policy.tiers, this.remaining) : null;
    this.startTier = this.tier;
    if (this.tier) this.changes.push({ t: 0, tier: this.tier.name, remaining: this.remaining });
  }

  /** The share of the budget an interval of `dt` seconds with `bad` of `total` events consumes. */
  consumption(bad: number, total: number, dt: number): number {
    const rate = this.spec.budget.requestRate;
    if (rate !== null) return rate > 0 ? bad / (this.spec.errorBudget * rate * this.period) : 0;
    return total > 0 ? ((bad / total) * dt) / (this.spec.errorBudget * this.period) : 0;
  }
}

export class SloRuntime {
  private readonly states: SloState[];
  private readonly evTick: number;

  constructor(
    specs: readonly SloSpec[],
    private readonly ports: SloPorts,
  ) {
    this.states = specs.map((s) => new SloState(s, ports));
    // An evaluation runs after everything else due at its time — the scrapes at that instant included — so each
    // interval's events are read from samples up to its end (else the last scrape interval of every evaluation
    // interval goes uncounted when a rate changes).
    const evaluate = ports.kernel.register('slo-evaluation', (i) => this.onEvaluate(i));
    this.evTick = ports.kernel.register('slo-evaluation-due', (i) => ports.kernel.at(ports.kernel.now, evaluate, i));
    // Rules are first evaluated one interval in (nothing is scraped at 0).
    this.states.forEach((s, i) => ports.kernel.at(ports.kernel.now + s.spec.alerting.evaluationInterval, this.evTick, i));
  }

  private onEvaluate(i: number): void {
    const s = this.states[i];
    const { kernel, store, timestamp } = this.ports;
    const t = kernel.now;
    this.ports.settle();
    if (this.ports.rules !== false) s.engine.evaluate(t);
    const dt = t - s.lastT;
    s.lastT = t;
    const ms = timestamp(t);
    const rate = (q: string, seriesFilter?: (labels: Labels) => boolean) => {
      const r = instantVector(store, q, ms, seriesFilter ? { seriesFilter } : {});
      if (!r.ok) return 0;
      let v = 0;
      for (const x of r.samples) if (Number.isFinite(x.value)) v += x.value;
      return v;
    };
    const total = Math.max(0, rate(s.budgetQueries.total)) * dt;
    const bad = Math.min(total, Math.max(0, rate(s.budgetQueries.bad)) * dt);
    s.total += total;
    s.bad += bad;
    const consumed = s.consumption(bad, total, dt);
    s.consumed += consumed;
    // Attribution: the bad-event query over each version's series only.
    const versionOf = s.spec.service === null ? null : this.ports.versionOf(s.spec.service);
    let dc = 0;
    let dp = 0;
    if (versionOf && bad > 0) {
      dc = Math.max(0, rate(s.budgetQueries.bad, (l) => versionOf(l) === 'canary')) * dt;
      dp = Math.max(0, rate(s.budgetQueries.bad, (l) => versionOf(l) === 'primary')) * dt;
      // Rounding (or a query that is not a plain sum) may give the parts more than the whole: scale them to it.
      if (dc + dp > bad) [dc, dp] = [(bad * dc) / (dc + dp), (bad * dp) / (dc + dp)];
    }
    const share = bad > 0 ? consumed / bad : 0;
    s.byVersion.canary += dc * share;
    s.byVersion.primary += dp * share;
    // What neither version's series hold (floating-point residue of the scaling above counts as none).
    const rest = bad - dc - dp;
    s.byVersion.other += rest > bad * 1e-9 ? rest * share : 0;
    for (const f of this.ports.faultsActiveDuring(t - dt, t)) s.byFault.set(f, (s.byFault.get(f) ?? 0) + consumed);

    s.remaining = 1 - s.spec.budget.consumedAtStart - s.consumed;
    if (s.spec.policy) {
      const tier = tierOf(s.spec.policy.tiers, s.remaining);
      if (tier !== s.tier) s.changes.push({ t, tier: tier.name, remaining: s.remaining });
      s.tier = tier;
    }
    const burnRates: Record<string, number | null> = {};
    for (const { text, record } of s.burnRateRecords) {
      const v = s.engine.latest.get(record);
      burnRates[text] = v === undefined || !Number.isFinite(v) ? null : v / s.spec.errorBudget;
    }
    s.history.push({ t, remaining: s.remaining, burnRates });
    kernel.at(t + s.spec.alerting.evaluationInterval, this.evTick, i);
  }

  private state(name: string): SloState {
    const s = this.states.find((x) => x.spec.name === name);
    if (!s) throw new Error(`no SLO named ${name}`);
    return s;
  }

  /** Fraction of an SLO's budget remaining now (as of its last evaluation). */
  remaining(name: string): number {
    return this.state(name).remaining;
  }

  /**
   * How a webhook bound to an SLO's error budget policy answers now:
   * confirm-rollout refuses while the tier holds rollouts;
   * confirm-traffic-increase, confirm-promotion, pre-rollout and rollout
   * refuse while it halts promotion; a rollback hook answers 200 (roll
   * back) while the tier asks for rollback.
   */
  gateAnswer(name: string, hookType: string): { status: number; body: string } {
    const s = this.state(name);
    const tier = s.tier;
    if (!tier) return { status: 200, body: '' };
    const pct = `${(s.remaining * 100).toFixed(1)}% of the error budget of SLO ${name} remaining`;
    if (hookType === 'rollback') return tier.rollback ? { status: 200, body: `error budget policy tier ${tier.name} (${pct}): roll back` } : { status: 403, body: `error budget policy tier ${tier.name}: no rollback` };
    const refuse = hookType === 'confirm-rollout' ? tier.holdRollouts : tier.haltPromotion;
    if (!refuse) return { status: 200, body: '' };
    const what = hookType === 'confirm-rollout' ? 'rollouts are held' : 'promotion is halted';
    return { status: 403, body: `error budget policy tier ${tier.name} (${pct}): ${what}` };
  }

  /** Every SLO's record so far. */
  results(): SloResult[] {
    return this.states.map((s) => {
      const spec = s.spec;
      const t = s.lastT;
      const consumed = s.consumed;
      const whileFaultActive: Record<string, number> = {};
      for (const [f, v] of [...s.byFault].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) whileFaultActive[f] = v;
      const budgetMinutes = (spec.errorBudget * s.period) / 60;
      return {
        name: spec.name,
        service: spec.service,
        objective: spec.objective,
        errorBudget: spec.errorBudget,
        window: formatPromDuration(s.period),
        budget: {
          start: 1 - spec.budget.consumedAtStart,
          end: s.remaining,
          consumed,
          consumedByRollout: s.byVersion.canary,
          byCause: { primary: s.byVersion.primary, canary: s.byVersion.canary, other: s.byVersion.other, whileFaultActive },
          badEvents: s.bad,
          totalEvents: s.total,
          windowEvents: s.spec.budget.requestRate !== null ? s.spec.budget.requestRate * s.period : t > 0 ? (s.total * s.period) / t : 0,
          budgetMinutes,
          consumedMinutes: consumed * budgetMinutes,
        },
        policy: s.startTier && s.tier && spec.policy ? { tiers: spec.policy.tiers.map((x) => ({ ...x })), start: s.startTier.name, end: s.tier.name, changes: [...s.changes] } : null,
        alerting: {
          name: spec.alerting.name,
          evaluationInterval: spec.alerting.evaluationInterval,
          windows: spec.alerting.windows.map((w) => ({ severity: w.severity, burnRate: w.burnRate, longWindow: formatPromDuration(w.long), shortWindow: formatPromDuration(w.short), for: w.for })),
        },
        alerts: s.engine.episodes.map((e) => alertOf(e, spec)),
        history: [...s.history],
        ruleErrors: [...s.engine.errors],
      };
    });
  }
}

function alertOf(e: AlertEpisode, spec: SloSpec): SloAlert {
  const w = spec.alerting.windows.find((x) => formatPromDuration(x.long) === e.labels.long_window && formatPromDuration(x.short) === e.labels.short_window && x.severity === e.labels.sloth_severity);
  return {
    severity: e.labels.sloth_severity ?? '',
    burnRate: w?.burnRate ?? Number(e.labels.burn_rate),
    longWindow: e.labels.long_window ?? '',
    shortWindow: e.labels.short_window ?? '',
    for: w?.for ?? 0,
    activeAt: e.activeAt,
    firedAt: e.firedAt,
    resolvedAt: e.endedAt,
  };
}

/**
 * A ratio over `window` seconds at time t when only [0, t] was simulated:
 * the run's ratio over the part it covers, and `historyRatio` over the rest
 * (traffic assumed even over the window).
 */
export function withHistory(window: number | undefined, v: number, t: number, historyRatio: number): number {
  if (window === undefined || t >= window) return v;
  if (!(t > 0)) return historyRatio;
  if (v !== v) return historyRatio;
  return (v * t + historyRatio * (window - t)) / window;
}
