import type { SeriesPoint } from '../model/world';
import type { Version } from '../model/spec';
import type { RolloutOutcome } from '../run/flagger';
import type { DecisionAction, GateDecision } from '../run/gates';
import { type RunAction, type RunMode, type RunnableScenario, type RunResult, Simulation } from '../run/simulation';
import { badAt, fmtTime, type GroundTruth, groundTruth, spanAt, type TruthTolerances } from './truth';

/**
 * Scoring a game-day exercise against ground truth (docs/gameday.md,
 * "Scoring"): the exercise is replayed from scenario, seed, mode, duration and
 * action log; the same scenario, seed and faults are run again with every
 * human gate approved at once (Flagger's analysis alone); both runs are
 * measured against the truth (`truth.ts`) and set side by side.
 *
 * Definitions (t in simulated seconds; `badFrom` from the truth):
 * - **detected**: the first of the team's detection — its first `hold` or
 *   `rollback` decision at or after `badFrom` — and Flagger's — its first
 *   failed metric check (a value out of range, or none: "Halt advancement")
 *   or its own rollback (threshold, readiness, deadline) at or after
 *   `badFrom`. Time to detect = detected − `badFrom`. A check that failed
 *   without a value (no data, a provider error: a metrics outage) halts the
 *   analysis but says nothing about the canary: it is not a detection.
 * - **mitigated**: when traffic to the bad canary stopped — the analysis tick
 *   at which Flagger routed everything back to the primary (rolled back: phase
 *   Failed, primary weight 100), whoever asked for it (a team's rollback
 *   decision takes effect at Flagger's next tick); a rollback before
 *   `badFrom` mitigates at `badFrom` (the bad canary never served). Time to
 *   mitigate = mitigated − `badFrom`; none when never rolled back (promoted,
 *   held, or the faults ended by themselves).
 * - **blast radius**: requests (and 5xx) the canary revision served while bad,
 *   from `badFrom` until mitigated (or the run's end): the run's cumulative
 *   `(app, canary)` series, interpolated linearly between its points, summed
 *   over the truth's bad spans. The revision's requests count wherever it runs
 *   (after a promotion, the primary's pods run it), load-test traffic included.
 * - **error budget**: each SLO's `consumed` and `consumedByRollout` (fractions
 *   of the budget, docs/slo.md) from the run's result.
 * - **decisions**: each of the team's decisions judged against the truth at
 *   its time (a decision before the deployment, at the deployment): approving
 *   a bad canary is incorrect (missed), holding or rolling back a good one is
 *   incorrect (false alarm), holding or rolling back a bad one is correct
 *   (caught), approving a good one is correct.
 * - **verdict**: the rollout's outcome judged the same way: promoting a canary
 *   bad at the promotion, or rolling back one that was never bad, is incorrect.
 */

export interface ScoreOptions {
  seed?: number;
  mode?: RunMode;
  /** Seconds; defaults to the scenario's. */
  duration?: number;
  /** The exercise's action log: live faults and gate decisions. */
  actions?: readonly RunAction[];
  /** Ground-truth tolerances (truth.ts; defaults DEFAULT_TOLERANCES). */
  tolerances?: Partial<TruthTolerances>;
}

export interface Detection {
  /** Simulated second of the first detection at or after badFrom; null: never (or the canary was never bad). */
  at: number | null;
  /** at − badFrom. */
  timeToDetect: number | null;
  by: 'team' | 'flagger' | null;
  what: string;
  /** The team's first hold or rollback at or after badFrom. */
  team: { at: number; hook: string; decision: GateDecision; by: string } | null;
  /** Flagger's first failed check or own rollback at or after badFrom. */
  flagger: { at: number; what: string } | null;
}

export interface Mitigation {
  /** When traffic to the bad canary stopped; null: never. */
  at: number | null;
  /** at − badFrom. */
  timeToMitigate: number | null;
  /** Who asked for the rollback: the team (a rollback decision) or Flagger's analysis. */
  by: 'team' | 'flagger' | null;
  what: string;
}

export interface BlastRadius {
  /** Requests the canary revision served while bad, until mitigated. */
  requests: number;
  /** Of them, 5xx answers. */
  errors: number;
  /** The span counted: badFrom to mitigation (or the end); null when the canary was never bad. */
  from: number | null;
  to: number | null;
}

export interface BudgetBurn {
  slo: string;
  /** Fraction of the error budget the run consumed. */
  consumed: number;
  /** Of it, the canary's share. */
  consumedByRollout: number;
}

export interface RolloutVerdict {
  outcome: 'promoted' | 'rolled-back' | 'held' | 'undecided' | 'no rollout';
  decidedAt: number | null;
  /** Judged against the truth; null when undecided. */
  correct: boolean | null;
  what: string;
}

/** One run measured against the truth. */
export interface RunScore {
  outcome: RolloutOutcome | null;
  verdict: RolloutVerdict;
  detection: Detection;
  mitigation: Mitigation;
  blastRadius: BlastRadius;
  budget: BudgetBurn[];
  /**
   * Flagger's failed metric checks after the deployment: those with a value out of range while the canary was bad,
   * and while it was not (false alarms); and those without a value (no data, provider errors), which say nothing
   * about the canary.
   */
  failedChecks: { whileBad: number; whileGood: number; withoutValue: number };
}

export interface JudgedDecision extends DecisionAction {
  /** The webhook's type in the Canary's analysis (confirm-promotion, rollback…); null when unknown. */
  hookType: string | null;
  /** The canary was bad when the decision was taken. */
  canaryBad: boolean;
  correct: boolean;
  kind: 'caught' | 'missed' | 'false-alarm' | 'approved-healthy';
  reason: string;
  /** The rollout was already decided (promoted or rolled back) before it: the decision changed nothing. */
  afterOutcome: boolean;
}

export interface ScoreComparison {
  /** Seconds the exercise detected before Flagger alone would have (negative: after); null unless both detected. */
  detectedSooner: number | null;
  /** Seconds the exercise mitigated before Flagger alone would have (negative: after); null unless both mitigated. */
  mitigatedSooner: number | null;
  /** Exercise minus automatic: requests and 5xx the bad canary served. */
  extraRequests: number;
  extraErrors: number;
  /** Exercise minus automatic, per SLO, fractions of the budget. */
  extraBudget: BudgetBurn[];
  /** The differences in sentences, e.g. "the team rolled back 3m20s before Flagger alone would have". */
  summary: string[];
}

export interface ExerciseScore {
  truth: GroundTruth;
  /** The exercise as run (replayed). */
  exercise: RunScore;
  /** The same scenario, seed and faults with every human gate approved at once: Flagger's analysis alone. */
  automatic: RunScore;
  /** The team's decisions, judged. */
  decisions: JudgedDecision[];
  correctDecisions: number;
  incorrectDecisions: number;
  comparison: ScoreComparison;
  /** The action log the automatic run replayed. */
  automaticActions: RunAction[];
}

/** A finished run as scoring reads it. */
export interface ScoredRun {
  result: RunResult;
  series: readonly SeriesPoint[];
  seriesKeys: ReadonlyArray<{ app: string; version: Version }>;
  actions: readonly RunAction[];
}

/** Scores an exercise: replays it, runs Flagger's analysis alone on the same faults, and compares both with the truth. */
export function scoreExercise(scenario: RunnableScenario, options: ScoreOptions = {}): ExerciseScore {
  const actions = options.actions ?? [];
  const duration = options.duration ?? scenario.duration;
  const truth = groundTruth(scenario, { duration, actions, tolerances: options.tolerances });
  const run = (log: readonly RunAction[]): ScoredRun => {
    const sim = new Simulation(scenario, { seed: options.seed, mode: options.mode, duration, actions: log });
    const result = sim.runToEnd();
    return { result, series: sim.readSeries(0).points, seriesKeys: sim.seriesKeys, actions: sim.actionLog };
  };
  const exerciseRun = run(actions);
  const auto = automaticActions(scenario, actions);
  const automaticRun = run(auto);
  const exercise = scoreRun(truth, exerciseRun);
  const automatic = scoreRun(truth, automaticRun);
  const decisions = judgeDecisions(scenario, truth, actions, exerciseRun.result.outcome);
  return {
    truth,
    exercise,
    automatic,
    decisions,
    correctDecisions: decisions.filter((d) => d.correct).length,
    incorrectDecisions: decisions.filter((d) => !d.correct).length,
    comparison: compare(truth, exercise, automatic, decisions),
    automaticActions: auto,
  };
}

/**
 * The action log of Flagger's analysis alone: the exercise's fault injections and cancellations, and an approval at
 * t = 0 of every human gate (no decision of the team is kept).
 */
export function automaticActions(scenario: RunnableScenario, actions: readonly RunAction[]): RunAction[] {
  const hooks = [...new Set((scenario.flagger?.webhooks ?? []).filter((w) => w.human).map((w) => w.name))];
  const approvals: RunAction[] = hooks.map((hook) => ({ t: 0, action: 'decide', hook, decision: 'approve', by: 'automatic analysis', justification: "Flagger's analysis alone: every gate approved at once" }));
  return [...approvals, ...actions.filter((a) => a.action !== 'decide')];
}

/** One finished run measured against the truth. */
export function scoreRun(truth: GroundTruth, run: ScoredRun): RunScore {
  const r = run.result;
  const { badFrom } = truth;
  const decisions = run.actions.filter((a): a is DecisionAction => a.action === 'decide');
  const deployedAt = truth.deployedAt ?? 0;

  // Flagger's rollback: the first tick after the deployment with everything routed back to the primary.
  const rollbackTick = r.timeline.find((k) => k.t >= deployedAt && k.phase === 'Failed' && k.primaryWeight === 100) ?? null;
  const manual = rollbackTick ? r.events.some((e) => e.t === rollbackTick.t && e.message.includes('manual webhook invoked')) : false;
  const rollbackDecision = manual && rollbackTick ? (decisions.filter((d) => d.decision === 'rollback' && d.t <= rollbackTick.t)[0] ?? null) : null;

  // Detection.
  let detection: Detection = { at: null, timeToDetect: null, by: null, what: truth.bad ? 'never detected' : 'the canary was never bad', team: null, flagger: null };
  if (badFrom !== null) {
    const d = decisions.find((x) => x.decision !== 'approve' && x.t >= badFrom);
    const team = d ? { at: d.t, hook: d.hook, decision: d.decision, by: d.by } : null;
    const check = r.checks.find((c) => !c.ok && c.value !== null && c.t >= badFrom);
    const own = rollbackTick && !manual && rollbackTick.t >= badFrom ? rollbackTick : null;
    let flagger: Detection['flagger'] = null;
    if (check && (!own || check.t <= own.t)) flagger = { at: check.t, what: `failed check ${check.metric} (${check.value}${bounds(check.min, check.max)})` };
    else if (own) flagger = { at: own.t, what: `rolled back: ${eventAt(r, own.t) ?? 'canary failed'}` };
    // An action applies after every event at its time: at a tie Flagger saw it first.
    const byTeam = team !== null && (flagger === null || team.at < flagger.at);
    const at = byTeam ? (team as { at: number }).at : (flagger?.at ?? null);
    detection = {
      at,
      timeToDetect: at === null ? null : at - badFrom,
      by: at === null ? null : byTeam ? 'team' : 'flagger',
      what: byTeam && d ? `${d.by} decided ${d.decision} on ${d.hook}: ${d.justification}` : flagger ? `Flagger: ${flagger.what}` : 'never detected',
      team,
      flagger,
    };
  }

  // Mitigation.
  const o = r.outcome;
  let mitigation: Mitigation;
  if (badFrom === null) mitigation = { at: null, timeToMitigate: null, by: null, what: 'nothing to mitigate: the canary was never bad' };
  else if (rollbackTick) {
    const at = Math.max(rollbackTick.t, badFrom);
    const who = manual ? `the team's rollback decision${rollbackDecision ? ` (${rollbackDecision.by} at ${fmtTime(rollbackDecision.t)})` : ''}` : `Flagger's analysis (${eventAt(r, rollbackTick.t) ?? 'canary failed'})`;
    mitigation = {
      at,
      timeToMitigate: at - badFrom,
      by: manual ? 'team' : 'flagger',
      what: rollbackTick.t < badFrom ? `rolled back at ${fmtTime(rollbackTick.t)} by ${who}, before it turned bad` : `rolled back at ${fmtTime(rollbackTick.t)} by ${who}`,
    };
  } else {
    const lastBad = truth.spans[truth.spans.length - 1].to;
    const what =
      o && o.decidedAt !== null && o.phase !== 'Failed'
        ? `never rolled back: promoted at ${fmtTime(o.decidedAt)}`
        : lastBad < truth.horizon
          ? `never rolled back; the canary stopped being bad at ${fmtTime(lastBad)} when its faults ended`
          : `never rolled back: ${o ? o.reason : 'no rollout'}`;
    mitigation = { at: null, timeToMitigate: null, by: null, what };
  }

  // Blast radius.
  let blastRadius: BlastRadius = { requests: 0, errors: 0, from: null, to: null };
  const k = run.seriesKeys.findIndex((x) => x.app === truth.app && x.version === 'canary');
  if (badFrom !== null && k >= 0) {
    const end = mitigation.at ?? truth.horizon;
    let requests = 0;
    let errors = 0;
    let to = badFrom;
    for (const s of truth.spans) {
      const a = Math.max(s.from, badFrom);
      const b = Math.min(s.to, end);
      if (b <= a) continue;
      requests += cumulativeAt(run.series, k, b, 'requests') - cumulativeAt(run.series, k, a, 'requests');
      errors += cumulativeAt(run.series, k, b, 'errors') - cumulativeAt(run.series, k, a, 'errors');
      to = b;
    }
    blastRadius = { requests: Math.round(requests), errors: Math.round(errors), from: badFrom, to };
  }

  // Failed checks after the deployment: with a value, while bad and while good; without one (no data, provider errors).
  const failed = r.checks.filter((c) => !c.ok && c.t >= deployedAt);
  const valued = failed.filter((c) => c.value !== null);
  const failedChecks = {
    whileBad: valued.filter((c) => badAt(truth, c.t)).length,
    whileGood: valued.filter((c) => !badAt(truth, c.t)).length,
    withoutValue: failed.length - valued.length,
  };

  return {
    outcome: o,
    verdict: verdictOf(truth, o),
    detection,
    mitigation,
    blastRadius,
    budget: r.slo.map((s) => ({ slo: s.name, consumed: s.budget.consumed, consumedByRollout: s.budget.consumedByRollout })),
    failedChecks,
  };
}

/** The team's decisions (the action log's), each judged against the truth at its time. */
export function judgeDecisions(scenario: RunnableScenario, truth: GroundTruth, actions: readonly RunAction[], outcome: RolloutOutcome | null): JudgedDecision[] {
  const canary = scenario.flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === truth.canary);
  const typeOf = (hook: string) => canary?.analysis.webhooks.find((w) => w.name === hook)?.type ?? scenario.flagger?.canaries.flatMap((c) => c.analysis.webhooks).find((w) => w.name === hook)?.type ?? null;
  const decided = outcome && outcome.decidedAt !== null && (outcome.phase === 'Failed' || outcome.phase === 'Succeeded' || outcome.promoted) ? outcome.decidedAt : null;
  return actions
    .filter((a): a is DecisionAction => a.action === 'decide')
    .map((d) => {
      const at = truth.deployedAt !== null ? Math.max(d.t, truth.deployedAt) : d.t;
      const span = spanAt(truth, at);
      const bad = span !== null;
      const stop = d.decision !== 'approve';
      const verb = d.decision === 'approve' ? 'approved' : d.decision === 'hold' ? 'held' : 'rolled back';
      const kind: JudgedDecision['kind'] = bad ? (stop ? 'caught' : 'missed') : stop ? 'false-alarm' : 'approved-healthy';
      const since = span ? `bad since ${fmtTime(span.from)}: ${span.reason}` : '';
      const reason =
        kind === 'caught'
          ? `${verb} a bad canary (${since})`
          : kind === 'missed'
            ? `approved a bad canary (${since})`
            : kind === 'false-alarm'
              ? `${verb} a healthy canary (false alarm): ${truth.bad ? `it was not bad at ${fmtTime(d.t)}` : truth.reason}`
              : `approved a healthy canary${truth.bad ? ` (not bad at ${fmtTime(d.t)})` : ''}`;
      const afterOutcome = decided !== null && decided < d.t;
      return {
        ...d,
        hookType: typeOf(d.hook),
        canaryBad: bad,
        correct: kind === 'caught' || kind === 'approved-healthy',
        kind,
        reason: afterOutcome ? `${reason}; taken after the rollout was decided at ${fmtTime(decided as number)}, it changed nothing` : reason,
        afterOutcome,
      };
    });
}

// ---------------------------------------------------------------------------------------------------------------------

function verdictOf(truth: GroundTruth, o: RolloutOutcome | null): RolloutVerdict {
  if (!o) return { outcome: 'no rollout', decidedAt: null, correct: null, what: 'no rollout in this run' };
  if (o.phase === 'Failed' && !o.reason.startsWith('Promotion of')) {
    const at = o.decidedAt ?? 0;
    const wasBad = truth.spans.some((s) => s.from <= at);
    return {
      outcome: 'rolled-back',
      decidedAt: o.decidedAt,
      correct: wasBad,
      what: wasBad ? `rolled back a bad canary at ${fmtTime(at)}` : `rolled back a healthy canary at ${fmtTime(at)} (false alarm)`,
    };
  }
  if (o.decidedAt !== null) {
    const bad = spanAt(truth, o.decidedAt);
    return {
      outcome: 'promoted',
      decidedAt: o.decidedAt,
      correct: bad === null,
      what: bad ? `promoted a bad canary at ${fmtTime(o.decidedAt)} (${bad.reason})` : `promoted a healthy canary at ${fmtTime(o.decidedAt)}`,
    };
  }
  const held = o.phase === 'Waiting' || o.phase === 'WaitingPromotion';
  return { outcome: held ? 'held' : 'undecided', decidedAt: null, correct: null, what: `${held ? 'held at a gate' : 'undecided'} when the run ended (${o.reason})` };
}

/** The first event's message at a tick that says why it rolled back. */
function eventAt(r: RunResult, t: number): string | null {
  const at = r.events.filter((e) => e.t === t);
  return (at.find((e) => e.message.startsWith('Rolling back')) ?? at.find((e) => e.type === 'Warning') ?? null)?.message ?? null;
}

function bounds(min: number | null, max: number | null): string {
  if (min !== null && max !== null) return ` outside [${min}, ${max}]`;
  if (min !== null) return ` < ${min}`;
  if (max !== null) return ` > ${max}`;
  return '';
}

/** A cumulative series value at time t, linear between recorded points (flat before the first and after the last). */
export function cumulativeAt(series: readonly SeriesPoint[], key: number, t: number, field: 'requests' | 'errors'): number {
  if (series.length === 0) return 0;
  if (t <= series[0].t) return series[0][field][key];
  let lo = 0;
  let hi = series.length - 1;
  if (t >= series[hi].t) return series[hi][field][key];
  // Binary search: series[lo].t <= t < series[hi].t.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (series[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = series[lo];
  const b = series[hi];
  const f = b.t > a.t ? (t - a.t) / (b.t - a.t) : 0;
  return a[field][key] + f * (b[field][key] - a[field][key]);
}

/** A fraction as a percentage with two significant digits below 1 % (0.00026 → "0.026%"), else two decimals at most. */
export function fmtShare(x: number): string {
  const p = x * 100;
  if (p === 0) return '0%';
  return `${String(Math.abs(p) < 1 ? Number(p.toPrecision(2)) : Number(p.toFixed(2)))}%`;
}

/** 1240 → "1 240". */
export function fmtCount(n: number): string {
  const s = String(Math.abs(Math.round(n)));
  return `${n < 0 ? '-' : ''}${s.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')}`;
}

function compare(truth: GroundTruth, ex: RunScore, auto: RunScore, decisions: JudgedDecision[]): ScoreComparison {
  const summary: string[] = [];
  const detectedSooner = ex.detection.at !== null && auto.detection.at !== null ? auto.detection.at - ex.detection.at : null;
  const mitigatedSooner = ex.mitigation.at !== null && auto.mitigation.at !== null ? auto.mitigation.at - ex.mitigation.at : null;
  const extraRequests = ex.blastRadius.requests - auto.blastRadius.requests;
  const extraErrors = ex.blastRadius.errors - auto.blastRadius.errors;
  const extraBudget = ex.budget.map((b, i) => ({
    slo: b.slo,
    consumed: b.consumed - (auto.budget[i]?.consumed ?? 0),
    consumedByRollout: b.consumedByRollout - (auto.budget[i]?.consumedByRollout ?? 0),
  }));
  const when = (x: number) => (x > 0 ? `${fmtTime(x)} before` : x < 0 ? `${fmtTime(-x)} after` : 'at the same time as');

  if (truth.bad) {
    const who = ex.detection.by === 'team' ? 'the team' : "Flagger's analysis in the exercise";
    if (detectedSooner !== null) summary.push(`${who} detected the bad canary ${when(detectedSooner)} Flagger alone would have (${fmtTime(ex.detection.timeToDetect as number)} after it turned bad)`);
    else if (ex.detection.at !== null) summary.push(`${who} detected the bad canary ${fmtTime(ex.detection.timeToDetect as number)} after it turned bad; Flagger alone would never have`);
    else if (auto.detection.at !== null) summary.push(`Flagger alone would have detected the bad canary ${fmtTime(auto.detection.timeToDetect as number)} after it turned bad; the exercise never did`);
    else summary.push('nobody detected the bad canary, in the exercise or with Flagger alone');

    const rolledBackBy = ex.mitigation.by === 'team' ? 'the team' : "Flagger's analysis in the exercise";
    const autoInstead = auto.verdict.outcome === 'promoted' ? `promoted it at ${fmtTime(auto.verdict.decidedAt as number)}` : 'left it serving';
    const exInstead = ex.verdict.outcome === 'promoted' ? `promoted it at ${fmtTime(ex.verdict.decidedAt as number)}` : 'never rolled it back';
    if (mitigatedSooner !== null) summary.push(`${rolledBackBy} rolled back ${when(mitigatedSooner)} Flagger alone would have`);
    else if (ex.mitigation.at !== null) summary.push(`${rolledBackBy} rolled the bad canary back ${fmtTime(ex.mitigation.timeToMitigate as number)} after it turned bad; Flagger alone would have ${autoInstead}`);
    else if (auto.mitigation.at !== null) summary.push(`Flagger alone would have rolled the bad canary back ${fmtTime(auto.mitigation.timeToMitigate as number)} after it turned bad; the exercise ${exInstead}`);
    else summary.push('the bad canary was never rolled back, in the exercise or with Flagger alone');

    const served = `${fmtCount(ex.blastRadius.requests)} requests against ${fmtCount(auto.blastRadius.requests)}`;
    if (extraRequests > 0) summary.push(`the team let the bad canary serve ${fmtCount(extraRequests)} more requests (${fmtCount(extraErrors)} more 5xx) than Flagger alone would have: ${served}`);
    else if (extraRequests < 0) summary.push(`the bad canary served ${fmtCount(-extraRequests)} fewer requests (${fmtCount(-extraErrors)} fewer 5xx) than under Flagger alone: ${served}`);
    else summary.push(`the bad canary served as many requests as under Flagger alone (${fmtCount(ex.blastRadius.requests)})`);
  } else {
    const alarms = decisions.filter((d) => d.kind === 'false-alarm').length;
    if (alarms > 0) summary.push(`the canary was healthy: ${alarms} of the team's decisions were false alarms`);
    if (ex.verdict.outcome === 'promoted' && auto.verdict.outcome === 'promoted' && ex.verdict.decidedAt !== null && auto.verdict.decidedAt !== null && ex.verdict.decidedAt !== auto.verdict.decidedAt) {
      const d = ex.verdict.decidedAt - auto.verdict.decidedAt;
      summary.push(`the team's gates ${d > 0 ? 'delayed' : 'advanced'} the promotion by ${fmtTime(Math.abs(d))} against Flagger alone`);
    }
    if (auto.failedChecks.whileGood > 0) summary.push(`Flagger's analysis alone failed ${auto.failedChecks.whileGood} checks on the healthy canary`);
  }
  if (ex.verdict.outcome !== auto.verdict.outcome) summary.push(`the exercise ${ex.verdict.what}; Flagger alone would have ${auto.verdict.what}`);
  for (const b of extraBudget) {
    const a = auto.budget.find((x) => x.slo === b.slo);
    const e = ex.budget.find((x) => x.slo === b.slo);
    if (!a || !e || Math.abs(b.consumed) < 1e-9) continue;
    summary.push(`the exercise burned ${fmtShare(Math.abs(b.consumed))} ${b.consumed > 0 ? 'more' : 'less'} of the ${b.slo} error budget than Flagger alone would have (${fmtShare(e.consumed)} against ${fmtShare(a.consumed)})`);
  }
  return { detectedSooner, mitigatedSooner, extraRequests, extraErrors, extraBudget, summary };
}
