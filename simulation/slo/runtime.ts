import type { Kernel } from '../kernel/kernel';
import type { Version } from '../model/spec';
import { instantVector } from '../promql/engine';
import type { SeriesStore } from '../telemetry/tsdb';
import { type AlertEpisode, RuleEngine } from './rule-engine';
import { ratioRecord, recordedWindows, sliQueries, sloRuleGroups } from './rules';
import { formatPromDuration, type PolicyTier, periodSeconds, type SloSpec, tierOf } from './spec';

/**
 * SLOs in a run (docs/slo.md): every SLO's rules are evaluated at its
 * evaluation interval as kernel events, against the scraped store — the
 * same PromQL a real Prometheus would run — and its error budget is kept:
 *
 * - At each evaluation the SLI's bad and total event rates over the last
 *   interval (at least two scrape intervals) give the events of that
 *   interval; summed, they are the run's bad and total events.
 * - Budget consumed by the run = bad events ÷ (error budget × events in the
 *   window), where the window's events are the run's plus what the rest of
 *   the window carries: `budget.requestRate` per second when the scenario
 *   states it, else the run's own mean rate so far over the whole period
 *   (so a constant error ratio e over t seconds consumes e·t ÷ (budget ·
 *   period): 18 minutes at 12 % errors of a 99.95 % / 30 d SLO is 2.16 of
 *   its 21.6 budget minutes). Budget remaining = 1 − consumed at start −
 *   consumed by the run; it may go below zero (overspent).
 * - Attribution: each interval's bad events are split between the SLO's
 *   service's primary and canary in proportion to the bad responses each
 *   served in that interval (ground truth: 5xx, or slower than the latency
 *   threshold); bad events no version of the service answered (e.g. no
 *   endpoints at the edge) are `other`. Each fault is charged the budget
 *   consumed while it was active — exposure, not a counterfactual.
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
  /** Ground truth: responses and bad responses of each version of an app so far. */
  versionOutcomes: (app: string, latencyThreshold: number | null) => Record<Version, { requests: number; bad: number }>;
  /** Names of the faults active now. */
  activeFaults: () => string[];
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
    /** The SLI's events over the run (from PromQL) and the window's assumed total. */
    badEvents: number;
    totalEvents: number;
    windowEvents: number;
    /** The budget in minutes of full outage over the period, and the minutes the run consumed. */
    budgetMinutes: number;
    consumedMinutes: number;
  };
  /** The error budget policy's tier when the run started, when it ended, and every change; null without a policy. */
  policy: { start: string; end: string; changes: Array<{ t: number; tier: string; remaining: number }> } | null;
  /** Burn-rate alerts, one entry per episode, in the order they became active. */
  alerts: SloAlert[];
  /** Budget and burn rates at every rule evaluation. */
  history: SloHistoryPoint[];
  /** Rule evaluation errors (first of each distinct message per rule). */
  ruleErrors: Array<{ rule: string; t: number; error: string }>;
}

class SloState {
  readonly engine: RuleEngine;
  readonly period: number;
  readonly budgetQueries: { bad: string; total: string };
  readonly threshold: number | null;
  bad = 0;
  total = 0;
  /** Bad events by cause. */
  readonly byVersion: Record<Version | 'other', number> = { primary: 0, canary: 0, other: 0 };
  readonly byFault = new Map<string, number>();
  prevTruth: Record<Version, number> = { primary: 0, canary: 0 };
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
    this.engine = new RuleEngine(ports.store, sloRuleGroups(spec, startMs), ports.timestamp);
    this.period = periodSeconds(spec, startMs);
    const w = formatPromDuration(Math.max(spec.alerting.evaluationInterval, 2 * ports.scrapeInterval));
    const q = sliQueries(spec, w);
    this.budgetQueries = { bad: q.bad, total: q.total };
    this.threshold = spec.indicator.kind === 'latency' ? spec.indicator.threshold : null;
    this.remaining = 1 - spec.budget.consumedAtStart;
    this.tier = spec.policy ? tierOf(spec.policy.tiers, this.remaining) : null;
    this.startTier = this.tier;
    if (this.tier) this.changes.push({ t: 0, tier: this.tier.name, remaining: this.remaining });
  }

  /** Events the whole window holds at time t. */
  windowEvents(t: number): number {
    const rate = this.spec.budget.requestRate;
    if (rate !== null) return this.total + rate * Math.max(0, this.period - t);
    return t > 0 ? (this.total * this.period) / t : 0;
  }

  /** Fraction of the budget that `bad` events are at time t. */
  fraction(bad: number, t: number): number {
    const n = this.windowEvents(t);
    return n > 0 ? bad / (this.spec.errorBudget * n) : 0;
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
    this.evTick = ports.kernel.register('slo-evaluation', (i) => this.onEvaluate(i));
    // Rules are first evaluated one interval in (nothing is scraped at 0).
    this.states.forEach((s, i) => ports.kernel.at(ports.kernel.now + s.spec.alerting.evaluationInterval, this.evTick, i));
  }

  private onEvaluate(i: number): void {
    const s = this.states[i];
    const { kernel, store, timestamp } = this.ports;
    const t = kernel.now;
    this.ports.settle();
    s.engine.evaluate(t);
    const dt = t - s.lastT;
    s.lastT = t;
    const ms = timestamp(t);
    const rate = (q: string) => {
      const r = instantVector(store, q, ms);
      if (!r.ok) return 0;
      let v = 0;
      for (const x of r.samples) if (Number.isFinite(x.value)) v += x.value;
      return v;
    };
    const total = Math.max(0, rate(s.budgetQueries.total)) * dt;
    const bad = Math.min(total, Math.max(0, rate(s.budgetQueries.bad)) * dt);
    s.total += total;
    s.bad += bad;
    // Attribution: this interval's bad events, split as the versions' bad responses were.
    let truth: Record<Version, number> = { primary: 0, canary: 0 };
    if (s.spec.service !== null) {
      const o = this.ports.versionOutcomes(s.spec.service, s.threshold);
      truth = { primary: o.primary.bad, canary: o.canary.bad };
    }
    const dp = Math.max(0, truth.primary - s.prevTruth.primary);
    const dc = Math.max(0, truth.canary - s.prevTruth.canary);
    s.prevTruth = truth;
    if (dp + dc > 0) {
      s.byVersion.primary += (bad * dp) / (dp + dc);
      s.byVersion.canary += (bad * dc) / (dp + dc);
    } else s.byVersion.other += bad;
    for (const f of this.ports.activeFaults()) s.byFault.set(f, (s.byFault.get(f) ?? 0) + bad);

    s.remaining = 1 - s.spec.budget.consumedAtStart - s.fraction(s.bad, t);
    if (s.spec.policy) {
      const tier = tierOf(s.spec.policy.tiers, s.remaining);
      if (tier !== s.tier) s.changes.push({ t, tier: tier.name, remaining: s.remaining });
      s.tier = tier;
    }
    const burnRates: Record<string, number | null> = {};
    for (const w of recordedWindows(s.spec)) {
      const text = formatPromDuration(w);
      const v = s.engine.latest.get(ratioRecord(text));
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
    const now = this.ports.kernel.now;
    return this.states.map((s) => {
      const spec = s.spec;
      const t = s.lastT;
      const fr = (x: number) => s.fraction(x, t);
      const consumed = fr(s.bad);
      const whileFaultActive: Record<string, number> = {};
      for (const [f, v] of [...s.byFault].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) whileFaultActive[f] = fr(v);
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
          consumedByRollout: fr(s.byVersion.canary),
          byCause: { primary: fr(s.byVersion.primary), canary: fr(s.byVersion.canary), other: fr(s.byVersion.other), whileFaultActive },
          badEvents: s.bad,
          totalEvents: s.total,
          windowEvents: s.windowEvents(t),
          budgetMinutes,
          consumedMinutes: consumed * budgetMinutes,
        },
        policy: s.startTier && s.tier ? { start: s.startTier.name, end: s.tier.name, changes: [...s.changes] } : null,
        alerts: s.engine.episodes.map((e) => alertOf(e, spec, now)),
        history: [...s.history],
        ruleErrors: [...s.engine.errors],
      };
    });
  }
}

function alertOf(e: AlertEpisode, spec: SloSpec, _now: number): SloAlert {
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
