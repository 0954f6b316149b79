import { outcomeOf } from '../run/flagger';
import { shadowQueryTexts, type ShadowVerdict } from '../run/shadow';
import { type RunnableScenario, Simulation } from '../run/simulation';
import { recordingOf, replayRunMeasures } from './replay';
import type { SweepPlan } from './spec';
import { unitOf } from './spec';
import { isAlertingRule, sliQueries, sloRuleGroups } from '../slo/rules';

/**
 * One run of a sweep: a configuration of the Canary, one situation, one
 * seed. The run stops as soon as the rollout is decided (promoted or rolled
 * back), or at the configuration's horizon. A run depends on the plan and
 * its index only, so whichever worker or shard runs it gets the same record.
 *
 * Seeds are common random numbers: replicate r runs seed `seed + r` in every
 * configuration and situation, so two configurations are compared on the
 * same traffic, noise and failures (their difference is the configuration's,
 * not luck's).
 *
 * A replayed situation's run is no simulation: the configuration's Canary in
 * dry run over the recording the replicate's seed draws (sweep/replay.ts).
 */

export type RunOutcome = 'promoted' | 'rolled-back' | 'undecided';

/** What a shadow judge would have done in a run: promote, roll back, pause for a person (inconclusive), or nothing yet. */
export type ShadowOutcome = 'promoted' | 'rolled-back' | 'inconclusive' | 'undecided';

/** One shadow judge's verdict in one run (docs/tuning.md, "Shadow judges"). */
export interface ShadowRunRecord {
  outcome: ShadowOutcome;
  /** Seconds from the deploy to the verdict; null when undecided. */
  decidedAfter: number | null;
  /** Regressions the judge would roll back: seconds from the regression's onset to its verdict (0 when it came before). */
  detection: number | null;
}

/** What one run measured (docs/tuning.md). */
export interface RunRecord {
  /** The run's index in the plan. */
  u: number;
  outcome: RunOutcome;
  /** Seconds from the deploy (a replayed situation: from the recorded analysis start) to the decision (promotion or rollback); null when undecided. */
  decidedAfter: number | null;
  /** Regressions rolled back: seconds from the regression's onset to the rollback (0 when it came before). */
  detection: number | null;
  /** Regressions: requests the canary served from the onset to the decision (or the horizon; a replay: the end of the recorded analysis). */
  badRequests: number;
  /** With SLOs: the largest share of an SLO's error budget the rollout consumed (the canary's share); else null (always for a replay). */
  budget: number | null;
  /** With shadow judges: each judge's verdict, in the scenario's order (absent without judges, and in replayed situations). */
  shadow?: ShadowRunRecord[];
}

const SHADOW_OUTCOME: Record<ShadowVerdict['verdict'], ShadowOutcome> = { promote: 'promoted', rollback: 'rolled-back', inconclusive: 'inconclusive', undecided: 'undecided' };

/** A shadow verdict as a run record keeps it: the outcome and its times after the deploy and the onset. */
export function shadowRecordOf(v: Pick<ShadowVerdict, 'verdict' | 'at'>, deployAt: number, onset: number, healthy: boolean): ShadowRunRecord {
  const outcome = SHADOW_OUTCOME[v.verdict];
  const at = outcome === 'undecided' ? null : v.at;
  return { outcome, decidedAfter: at === null ? null : at - deployAt, detection: !healthy && outcome === 'rolled-back' && at !== null ? Math.max(0, at - onset) : null };
}

/** The seed of a run's replicate. */
export function seedOf(plan: Pick<SweepPlan, 'seed'>, replicate: number): number {
  return plan.seed + replicate;
}

/** Runs a plan's runs; keeps what every run of the plan shares (the compiled scenario of each configuration and situation). */
export class SweepRunner {
  private readonly cache = new Map<number, RunnableScenario>();
  /** Whether the runs evaluate the SLOs' rules: only when a query the rollout depends on may read what they write. */
  readonly sloRules: boolean;

  constructor(readonly plan: SweepPlan) {
    this.sloRules = readsSloRules(plan);
  }

  /** The scenario of a configuration and situation, as a run simulates it. */
  scenarioOf(configuration: number, situation: number): RunnableScenario {
    const key = configuration * this.plan.situations.length + situation;
    let s = this.cache.get(key);
    if (!s) {
      const { scenario, canaries, canary } = this.plan;
      const flagger = scenario.flagger as NonNullable<RunnableScenario['flagger']>;
      const fault = this.plan.situations[situation].fault;
      s = {
        ...scenario,
        flagger: { ...flagger, canaries: flagger.canaries.map((c) => (`${c.namespace}/${c.name}` === canary ? canaries[configuration] : c)) },
        faults: fault ? [...(scenario.faults ?? []), fault] : scenario.faults,
      };
      if (this.cache.size > 256) this.cache.clear();
      this.cache.set(key, s);
    }
    return s;
  }

  /**
   * The simulation of run `u`, ready to advance. Sweeps keep no latency
   * histograms (Flagger never reads them); the run view, which opens a run to
   * show it, asks for them — the run is otherwise the same.
   */
  simulation(u: number, o: { latencySummaries?: boolean } = {}): Simulation {
    const { configuration, situation, replicate } = unitOf(this.plan, u);
    const replayed = this.plan.situations[situation].replay;
    if (replayed) {
      throw new Error(
        `a replayed situation has no simulation to open: run ${u} is the Canary's analysis replayed in dry run over the recording ${replayed.data.join(', ')} (situation ${this.plan.situations[situation].name}); replay it with gameday replay`,
      );
    }
    const forView = o.latencySummaries ?? false;
    return new Simulation(this.scenarioOf(configuration, situation), {
      seed: seedOf(this.plan, replicate),
      mode: this.plan.situations[situation].mode,
      duration: this.plan.horizon[configuration],
      latencySummaries: forView,
      // The run view shows the SLOs' alerts and burn rates; a sweep reads only what the rollout does.
      sloRules: forView || this.sloRules,
      explanations: forView,
    });
  }

  run(u: number): RunRecord {
    const { plan } = this;
    const { configuration, situation: si, replicate } = unitOf(plan, u);
    const situation = plan.situations[si];
    if (situation.replay) {
      // A dry run over the replicate's recording: no simulation, no budget, no shadow judges (docs/tuning.md).
      const store = recordingOf(situation.replay, situation.name, seedOf(plan, replicate));
      return { u, ...replayRunMeasures(situation.replay, plan.canaries[configuration], store, situation.healthy, situation.onset), budget: null };
    }
    const sim = this.simulation(u);
    const interval = plan.canaries[configuration].analysis.intervalMs / 1000;
    const deployAt = plan.deployAt;
    const onset = deployAt + situation.onset;
    const record = () => sim.canaryRecords.find((x) => `${x.namespace}/${x.canary}` === plan.canary);
    const decided = () => {
      const phase = record()?.timeline.at(-1)?.phase;
      return phase === 'Succeeded' || phase === 'Failed';
    };
    // The canary's revisions (the workload's pods: behaviours exist from the start).
    const c = plan.canaries[configuration];
    const app = plan.scenario.world.workloads.find((w) => w.name === c.target && w.namespace === c.namespace)?.app;
    const canary = sim.model.internals().behaviours.filter((b) => b.version === 'canary' && b.app.name === app);
    const served = () => canary.reduce((a, b) => a + b.stats.requests, 0);
    // The onset is at or after the deploy: nothing is decided before it.
    sim.advanceTo(deployAt);
    let atOnset: number | null = null;
    while (true) {
      if (atOnset === null && sim.now >= onset) atOnset = served();
      if (sim.done || decided()) break;
      // Step by the analysis interval, stopping at the onset to count what the canary serves from then on.
      sim.advanceTo(atOnset === null ? Math.min(onset, sim.now + interval) : sim.now + interval);
    }
    const r = record();
    const o = r ? outcomeOf(r) : null;
    const outcome: RunOutcome = o?.phase === 'Succeeded' ? 'promoted' : o?.phase === 'Failed' ? 'rolled-back' : 'undecided';
    const decidedAt = outcome === 'undecided' ? null : (o?.decidedAt ?? null);
    const budgets = sim.sloResults().map((s) => s.budget.consumedByRollout);
    // Shadow judges watched the same run up to Flagger's decision (or the horizon): their verdicts stand by then.
    const judges = sim.shadowVerdicts();
    return {
      u,
      outcome,
      decidedAfter: decidedAt === null ? null : decidedAt - deployAt,
      detection: !situation.healthy && outcome === 'rolled-back' && decidedAt !== null ? Math.max(0, decidedAt - onset) : null,
      badRequests: situation.healthy || atOnset === null ? 0 : served() - atOnset,
      budget: budgets.length > 0 ? Math.max(...budgets) : null,
      ...(judges.length > 0 ? { shadow: judges.map((j) => shadowRecordOf(j, deployAt, onset, situation.healthy)) } : {}),
    };
  }
}

/**
 * Whether anything that decides a sweep's rollout may read what the SLOs'
 * rules write (recorded ratios, ALERTS): a Canary's metric query (inline or a
 * MetricTemplate's), a shadow judge's query, or an SLI query naming a recorded series or ALERTS, or
 * selecting series by a name pattern or without a name. Conservative: text
 * that might read them keeps the rules. The budget, its attribution and the
 * policy's gate answers come from the SLI queries, not from the rules, so
 * without such a reader the rules change nothing a sweep measures.
 */
export function readsSloRules(plan: Pick<SweepPlan, 'scenario'>): boolean {
  const { scenario } = plan;
  const slos = scenario.slos ?? [];
  if (slos.length === 0) return false;
  const startMs = scenario.world.scrape.startMs;
  const written = new Set<string>(['ALERTS', 'ALERTS_FOR_STATE']);
  for (const s of slos) for (const g of sloRuleGroups(s, startMs)) for (const r of g.rules) if (!isAlertingRule(r)) written.add(r.record);
  const flagger = scenario.flagger;
  const texts = [
    ...(flagger?.canaries ?? []).flatMap((c) => c.analysis.metrics.map((m) => m.query)),
    ...(flagger?.templates ?? []).map((t) => t.query),
    ...shadowQueryTexts(scenario.shadowJudges ?? []),
    ...slos.flatMap((s): string[] => Object.values(sliQueries(s, '5m'))),
  ].filter((t) => t !== '');
  return texts.some((raw: string) => {
    // Go template actions ({{ … }}) are not selectors.
    const text = raw.replace(/\{\{[\s\S]*?\}\}/g, ' ');
    if (text.includes('__name__')) return true;
    // A selector without a metric name: a brace not right after a name.
    if (/(^|[^A-Za-z0-9_:])\{/.test(text)) return true;
    return [...written].some((name) => text.includes(name));
  });
}
