import type { RunOutcome, RunRecord, ShadowRunRecord } from './run';
import type { Measure, SweepPlan } from './spec';
import { MEASURES, runCount } from './spec';
import { paretoFrontier, quantileOf, type Rate, recommend, weightedRate } from './stats';

/**
 * A sweep's result: per configuration, the rates and times teams choose
 * thresholds by, the Pareto frontier across them and the recommendation for
 * the sweep's objective (docs/tuning.md). It is computed from the plan's
 * outline and the run records only, in run order, so a single process, any
 * number of workers and merged shards give the same bytes.
 */

/** What aggregation needs of a plan: serialisable, carried in shard files so a merge needs no scenario. */
export interface PlanOutline {
  name: string;
  description: string | null;
  scenario: string;
  canary: string;
  /** The file that holds the Canary (where "apply" writes). */
  canaryFile: string;
  fingerprint: string;
  seeds: number;
  seed: number;
  confidence: number;
  parameters: Array<{ field: string; values: Array<string | number> }>;
  configurations: Array<{ index: number; values: Array<string | number>; label: string }>;
  situations: OutlineSituation[];
  objective: SweepPlan['objective'];
  /** The scenario's shadow judges, in order (absent without any): each run records their verdicts. */
  judges?: Array<{ name: string; judge: string }>;
}

/** A situation as results and shard files name it. */
export interface OutlineSituation {
  index: number;
  name: string;
  group: string;
  weight: number;
  healthy: boolean;
  /** Seconds after the deploy (a replay: after the recorded analysis start). */
  onset: number;
  mode: string;
  variant: Record<string, string | number>;
  fault: string | null;
  /**
   * A replayed rollout (absent for a simulated situation): its recording's files and events, the noise drawn per
   * seed, and what the recording shows happened. Its runs are dry runs: no budget, no shadow judges, none to open.
   */
  replay?: ReplayOutline;
}

export interface ReplayOutline {
  data: string[];
  events: string | null;
  noise: 'poisson' | 'none';
  recorded: string;
}

function replayOutline(r: ReplayOutline | undefined): Pick<OutlineSituation, 'replay'> {
  return r ? { replay: { data: [...r.data], events: r.events, noise: r.noise, recorded: r.recorded } } : {};
}

export function outlineOf(plan: SweepPlan): PlanOutline {
  return canonicalOutline({
    name: plan.name,
    description: plan.description,
    scenario: plan.scenario.file,
    canary: plan.canary,
    canaryFile: plan.canaryFile,
    fingerprint: plan.fingerprint,
    seeds: plan.seeds,
    seed: plan.seed,
    confidence: plan.confidence,
    parameters: plan.parameters.map((p) => ({ field: p.field, values: p.values })),
    configurations: plan.configurations,
    situations: plan.situations.map((s) => ({ index: s.index, name: s.name, group: s.group, weight: s.weight, healthy: s.healthy, onset: s.onset, mode: s.mode, variant: s.variant, fault: s.fault ? s.fault.params.type : null, ...replayOutline(s.replay ?? undefined) })),
    objective: plan.objective,
    ...judgesOf(plan.scenario.shadowJudges ?? []),
  });
}

function judgesOf(judges: ReadonlyArray<{ name: string; judge: string }>): Pick<PlanOutline, 'judges'> {
  return judges.length > 0 ? { judges: judges.map((j) => ({ name: j.name, judge: j.judge })) } : {};
}

/** The outline with its fields in one order, wherever it came from (a shard file's JSON may order them otherwise). */
function canonicalOutline(o: PlanOutline): PlanOutline {
  return {
    name: o.name,
    description: o.description,
    scenario: o.scenario,
    canary: o.canary,
    canaryFile: o.canaryFile,
    fingerprint: o.fingerprint,
    seeds: o.seeds,
    seed: o.seed,
    confidence: o.confidence,
    parameters: o.parameters.map((p) => ({ field: p.field, values: p.values })),
    configurations: o.configurations.map((c) => ({ index: c.index, values: c.values, label: c.label })),
    situations: o.situations.map((s) => ({ index: s.index, name: s.name, group: s.group, weight: s.weight, healthy: s.healthy, onset: s.onset, mode: s.mode, variant: s.variant, fault: s.fault, ...replayOutline(s.replay) })),
    objective: { minimise: o.objective.minimise, subjectTo: o.objective.subjectTo },
    ...judgesOf(o.judges ?? []),
  };
}

/** One situation under one configuration. */
export interface SituationResult {
  situation: number;
  promoted: number;
  rolledBack: number;
  undecided: number;
  /** Median detection time of its caught runs (seconds); null when none was caught. */
  detectionMedian: number | null;
}

/** A run to open in the run view: its situation and seed. */
export interface ExampleRun {
  u: number;
  situation: number;
  seed: number;
  outcome: RunOutcome;
  /** Why it is an example: a false abort, a missed regression, a caught one, a healthy promotion. */
  kind: 'false-abort' | 'missed' | 'caught' | 'promoted';
}

export interface ConfigurationResult {
  index: number;
  label: string;
  values: Array<string | number>;
  runs: number;
  /** Healthy canaries rolled back (prior-weighted over healthy situations); null without one. */
  falseAborts: Rate | null;
  /** Regressions promoted (prior-weighted over regression situations); null without one. */
  missedRegressions: Rate | null;
  /** Runs neither promoted nor rolled back by the horizon. */
  undecided: number;
  /** Seconds from a regression's onset to its rollback, over caught runs (prior-weighted). */
  detection: { median: number | null; p95: number | null; caught: number };
  /** Mean requests a bad canary served before the decision, per regression run (prior-weighted). */
  badRequests: number | null;
  /** Mean share of the error budget the rollout burned, per run (prior-weighted); null without SLOs. */
  budgetBurned: number | null;
  /** Median seconds from the deploy to the promotion of a healthy canary. */
  healthyDuration: number | null;
  situations: SituationResult[];
  examples: ExampleRun[];
  /** On the Pareto frontier of false aborts, missed regressions, detection p95 and healthy duration. */
  frontier: boolean;
  /** Each shadow judge measured on the same runs (absent without judges). */
  judges?: JudgeResult[];
}

/**
 * A shadow judge's measures under one configuration (docs/tuning.md, "Shadow judges"), over the same runs as
 * Flagger's: what it would have done by the time Flagger's analysis ended (or the horizon). Replayed situations are
 * dry runs over a recording the judges do not read: a judge's measures are over the simulated situations only.
 */
export interface JudgeResult {
  name: string;
  judge: string;
  /** Healthy canaries it would roll back (prior-weighted over healthy situations); null without one. */
  falseAborts: Rate | null;
  /** Regressions it would promote or leave undecided (prior-weighted over regression situations); null without one. */
  missedRegressions: Rate | null;
  /** Seconds from a regression's onset to the judge's rollback, over the regressions it would roll back (prior-weighted). */
  detection: { median: number | null; p95: number | null; caught: number };
  /** Runs it would pause for a person (Argo Inconclusive, Kayenta Marginal): neither an abort nor a miss. */
  inconclusive: number;
  /** Runs where Flagger's analysis (or the horizon) ended before it decided. */
  undecided: number;
  /** Per simulated situation (replayed ones are not judged: they are left out). */
  situations: Array<{ situation: number; promoted: number; rolledBack: number; inconclusive: number; undecided: number; detectionMedian: number | null }>;
}

export interface SweepResult {
  kind: 'gameday-sweep-result';
  version: 1;
  sweep: PlanOutline;
  runs: number;
  configurations: ConfigurationResult[];
  /** The measures the frontier is taken over. */
  frontierMeasures: Measure[];
  recommendation: { configuration: number | null; reason: string };
}

/** A measure's value for ranking (rates by their estimate, or their upper bound); NaN when missing. */
export function measureOf(c: ConfigurationResult, m: Measure, bound: 'estimate' | 'upper' = 'estimate'): number {
  const rate = (r: Rate | null) => (r === null ? NaN : bound === 'upper' ? r.high : r.rate);
  switch (m) {
    case 'falseAborts':
      return rate(c.falseAborts);
    case 'missedRegressions':
      return rate(c.missedRegressions);
    case 'detectionMedian':
      return c.detection.median ?? NaN;
    case 'detectionP95':
      return c.detection.p95 ?? NaN;
    case 'badRequests':
      return c.badRequests ?? NaN;
    case 'budgetBurned':
      return c.budgetBurned ?? NaN;
    case 'healthyDuration':
      return c.healthyDuration ?? NaN;
  }
}

/** A weighted quantile: the smallest value whose cumulative weight reaches q of the total (values with their weights). */
function weightedQuantile(pairs: Array<[number, number]>, q: number): number | null {
  if (pairs.length === 0) return null;
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((a, p) => a + p[1], 0);
  // Equal weights: numpy's linear interpolation, as quantileOf.
  if (sorted.every((p) => p[1] === sorted[0][1])) return quantileOf(sorted.map((p) => p[0]), q);
  let acc = 0;
  for (const [v, w] of sorted) {
    acc += w;
    if (acc >= q * total - 1e-12 * total) return v;
  }
  return sorted[sorted.length - 1][0];
}

function weightedMean(pairs: Array<[number, number]>): number | null {
  const w = pairs.reduce((a, p) => a + p[1], 0);
  return w > 0 ? pairs.reduce((a, p) => a + p[0] * p[1], 0) / w : null;
}

export const FRONTIER_MEASURES: Measure[] = ['falseAborts', 'missedRegressions', 'detectionP95', 'healthyDuration'];

/** Aggregates a complete set of run records (any order; one per run index). */
export function aggregate(outline: PlanOutline, records: readonly RunRecord[]): SweepResult {
  const total = runCount(outline);
  if (records.length !== total) throw new RangeError(`the sweep has ${total} runs, got ${records.length} records`);
  const byU: RunRecord[] = new Array(total);
  for (const r of records) {
    if (!(r.u >= 0 && r.u < total) || byU[r.u] !== undefined) throw new RangeError(`run ${r.u} is ${byU[r.u] !== undefined ? 'recorded twice' : 'not part of the sweep'}`);
    byU[r.u] = r;
  }
  const S = outline.situations.length;
  const R = outline.seeds;
  const configurations = outline.configurations.map((cfg): ConfigurationResult => {
    const situations: SituationResult[] = [];
    const examples: ExampleRun[] = [];
    const detections: Array<[number, number]> = [];
    const bad: Array<[number, number]> = [];
    const budget: Array<[number, number]> = [];
    const durations: Array<[number, number]> = [];
    const healthyGroups: Array<{ successes: number; trials: number; weight: number }> = [];
    const regressionGroups: Array<{ successes: number; trials: number; weight: number }> = [];
    let undecided = 0;
    for (let s = 0; s < S; s++) {
      const sit = outline.situations[s];
      const perRun = sit.weight / R;
      let promoted = 0;
      let rolledBack = 0;
      let und = 0;
      const caught: number[] = [];
      const seen = new Set<ExampleRun['kind']>();
      for (let r = 0; r < R; r++) {
        const u = (cfg.index * S + s) * R + r;
        const rec = byU[u];
        if (rec.outcome === 'promoted') promoted++;
        else if (rec.outcome === 'rolled-back') rolledBack++;
        else und++;
        if (rec.budget !== null) budget.push([rec.budget, perRun]);
        if (sit.healthy) {
          if (rec.outcome === 'promoted' && rec.decidedAfter !== null) durations.push([rec.decidedAfter, perRun]);
        } else {
          bad.push([rec.badRequests, perRun]);
          if (rec.detection !== null) {
            caught.push(rec.detection);
            detections.push([rec.detection, perRun]);
          }
        }
        // A replayed regression still undecided when the recording's analysis ends was not caught while the recording lasts.
        const missed = rec.outcome === 'promoted' || (sit.replay !== undefined && rec.outcome === 'undecided');
        const kind: ExampleRun['kind'] | null = sit.healthy ? (rec.outcome === 'rolled-back' ? 'false-abort' : rec.outcome === 'promoted' ? 'promoted' : null) : missed ? 'missed' : rec.outcome === 'rolled-back' ? 'caught' : null;
        // The first run of each kind per situation: enough to open and see why.
        if (kind !== null && !seen.has(kind)) {
          seen.add(kind);
          examples.push({ u, situation: s, seed: outline.seed + r, outcome: rec.outcome, kind });
        }
      }
      undecided += und;
      // Missed: regressions promoted, and replayed ones left undecided by the recording's end (docs/tuning.md).
      (sit.healthy ? healthyGroups : regressionGroups).push({ successes: sit.healthy ? rolledBack : promoted + (sit.replay !== undefined ? und : 0), trials: R, weight: sit.weight });
      situations.push({ situation: s, promoted, rolledBack, undecided: und, detectionMedian: caught.length > 0 ? quantileOf(caught, 0.5) : null });
    }
    const judges = (outline.judges ?? []).map((j, k) => judgeResult(outline, byU, cfg.index, j, k));
    return {
      index: cfg.index,
      label: cfg.label,
      values: cfg.values,
      runs: S * R,
      falseAborts: healthyGroups.length > 0 ? weightedRate(healthyGroups, outline.confidence) : null,
      missedRegressions: regressionGroups.length > 0 ? weightedRate(regressionGroups, outline.confidence) : null,
      undecided,
      detection: { median: weightedQuantile(detections, 0.5), p95: weightedQuantile(detections, 0.95), caught: detections.length },
      badRequests: weightedMean(bad),
      budgetBurned: weightedMean(budget),
      healthyDuration: weightedQuantile(durations, 0.5),
      situations,
      examples,
      frontier: false,
      ...(outline.judges ? { judges } : {}),
    };
  });
  // The frontier over the measures this sweep has (a sweep without regressions has no detection times).
  const frontierMeasures = FRONTIER_MEASURES.filter((m) => configurations.some((c) => !Number.isNaN(measureOf(c, m))));
  const front = new Set(paretoFrontier(configurations, frontierMeasures.map((m) => (c: ConfigurationResult) => measureOf(c, m))).map((c) => c.index));
  for (const c of configurations) c.frontier = front.has(c.index);
  return { kind: 'gameday-sweep-result', version: 1, sweep: canonicalOutline(outline), runs: total, configurations, frontierMeasures, recommendation: recommendation(outline, configurations) };
}

/** One judge's measures under one configuration, from the runs' shadow records (the judge's k-th verdict each). */
function judgeResult(outline: PlanOutline, byU: readonly RunRecord[], configuration: number, judge: { name: string; judge: string }, k: number): JudgeResult {
  const S = outline.situations.length;
  const R = outline.seeds;
  const situations: JudgeResult['situations'] = [];
  const detections: Array<[number, number]> = [];
  const healthyGroups: Array<{ successes: number; trials: number; weight: number }> = [];
  const regressionGroups: Array<{ successes: number; trials: number; weight: number }> = [];
  let inconclusive = 0;
  let undecided = 0;
  for (let s = 0; s < S; s++) {
    const sit = outline.situations[s];
    // Shadow judges do not judge replayed rollouts (dry runs over a recording): their measures are over the simulated situations.
    if (sit.replay) continue;
    const perRun = sit.weight / R;
    const count = { promoted: 0, rolledBack: 0, inconclusive: 0, undecided: 0 };
    const caught: number[] = [];
    for (let r = 0; r < R; r++) {
      const u = (configuration * S + s) * R + r;
      const rec: ShadowRunRecord | undefined = byU[u].shadow?.[k];
      if (!rec) throw new RangeError(`run ${u} has no verdict of shadow judge ${judge.name}`);
      if (rec.outcome === 'promoted') count.promoted++;
      else if (rec.outcome === 'rolled-back') count.rolledBack++;
      else if (rec.outcome === 'inconclusive') count.inconclusive++;
      else count.undecided++;
      if (!sit.healthy && rec.detection !== null) {
        caught.push(rec.detection);
        detections.push([rec.detection, perRun]);
      }
    }
    inconclusive += count.inconclusive;
    undecided += count.undecided;
    // A false abort: a healthy canary rolled back. A miss: a regression promoted or not decided on (it kept going).
    if (sit.healthy) healthyGroups.push({ successes: count.rolledBack, trials: R, weight: sit.weight });
    else regressionGroups.push({ successes: count.promoted + count.undecided, trials: R, weight: sit.weight });
    situations.push({ situation: s, ...count, detectionMedian: caught.length > 0 ? quantileOf(caught, 0.5) : null });
  }
  return {
    name: judge.name,
    judge: judge.judge,
    falseAborts: healthyGroups.length > 0 ? weightedRate(healthyGroups, outline.confidence) : null,
    missedRegressions: regressionGroups.length > 0 ? weightedRate(regressionGroups, outline.confidence) : null,
    detection: { median: weightedQuantile(detections, 0.5), p95: weightedQuantile(detections, 0.95), caught: detections.length },
    inconclusive,
    undecided,
    situations,
  };
}

/** Shadow judge k's measures of a configuration (a RangeError when the result has no such judge). */
export function judgeOf(c: ConfigurationResult, k: number): JudgeResult {
  const j = c.judges?.[k];
  if (!j) throw new RangeError(`configuration ${c.label} has no measures of shadow judge ${k}`);
  return j;
}

/**
 * A configuration as shadow judge k measured it: the judge's rates, detection times and undecided runs in place of
 * Flagger's, what only Flagger's runs measure (bad requests, budget, healthy duration) null, off the frontier (which
 * is Flagger's). `measureOf` reads a judge's measures from it.
 */
export function asJudge(c: ConfigurationResult, k: number): ConfigurationResult {
  const j = judgeOf(c, k);
  return { ...c, falseAborts: j.falseAborts, missedRegressions: j.missedRegressions, detection: j.detection, badRequests: null, budgetBurned: null, healthyDuration: null, undecided: j.undecided, frontier: false };
}


const RATE_MEASURES: readonly Measure[] = ['falseAborts', 'missedRegressions'];

/** A measure's value as people read it: rates in percent, times in seconds, budgets in percent. */
export function formatMeasure(m: Measure, v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (RATE_MEASURES.includes(m) || m === 'budgetBurned') {
    const pct = v * 100;
    // Small shares keep two significant digits (a rollout may burn 0.0031 % of a month's budget).
    return `${pct > 0 && pct < 0.1 ? pct.toPrecision(2) : pct.toFixed(pct < 10 ? 2 : 1)} %`;
  }
  if (m === 'badRequests') return v.toFixed(0);
  return `${v.toFixed(0)} s`;
}

function recommendation(outline: PlanOutline, configurations: ConfigurationResult[]): SweepResult['recommendation'] {
  const { minimise, subjectTo } = outline.objective;
  const bounds = (Object.entries(subjectTo) as Array<[Measure, { max: number; bound: 'estimate' | 'upper' }]>).filter(([m]) => MEASURES.includes(m));
  const stated = bounds.map(([m, b]) => `${m}${b.bound === 'upper' ? ` (upper ${Math.round(outline.confidence * 100)} % bound)` : ''} ≤ ${formatMeasure(m, b.max)}`).join(' and ');
  const best = recommend(
    configurations,
    bounds.map(([m, b]) => (c: ConfigurationResult) => measureOf(c, m, b.bound) <= b.max),
    (c) => measureOf(c, minimise),
  );
  if (best === null) {
    const missing = configurations.every((c) => Number.isNaN(measureOf(c, minimise)));
    return {
      configuration: null,
      reason: missing
        ? `no configuration has a ${minimise} to minimise (the sweep's situations do not measure it)`
        : `no configuration meets ${stated}: relax the bound, add seeds (narrower intervals) or try other values`,
    };
  }
  const tied = configurations.filter((c) => c !== best && measureOf(c, minimise) === measureOf(best, minimise) && bounds.every(([m, b]) => measureOf(c, m, b.bound) <= b.max));
  return {
    configuration: best.index,
    reason: `${best.label}: the least ${minimise} (${formatMeasure(minimise, measureOf(best, minimise))})${stated ? ` among configurations with ${stated}` : ''}${tied.length > 0 ? `; ${tied.length} other${tied.length === 1 ? '' : 's'} tie, the first listed is kept` : ''}`,
  };
}
