/**
 * Low-traffic power of a Canary's analysis, computed (docs/power.md): for a
 * request rate and a canary error probability, the probability that
 * Flagger rolls the canary back — a false abort when the canary is healthy,
 * a detection when it regressed — per stage and overall, the expected time
 * to the decision, and the least request rate at which the thresholds can be
 * trusted.
 *
 * Each success-rate check counts the canary's requests between the first
 * and the newest sample it reads (`checkSpans`), split off the apex's
 * Poisson traffic by Traefik's weighted round robin (`splitCounts`), each a
 * 5xx with probability p, and fails with the probability `checkFailureOver`
 * gives; checks are independent when their counted spans do not overlap
 * (the span, window less a scrape interval, fits in the interval). Flagger's
 * state machine is then a small Markov chain over (stage, checks at the
 * stage, failedChecks), solved exactly tick by tick (`solveAnalysis`).
 * Latency checks are not analytic (a p99 from histogram buckets has no
 * closed form here): the Monte Carlo (monte-carlo.ts) covers them.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { LoadedScenario } from '../scenario/loader';
import type { CanarySpec, MetricSpec } from '../rollout/types';
import { buildTopology, podId, TRAEFIK } from '../run/topology';
import { RateProfile } from '../traffic/profile';
import { parseDuration } from '../util/duration';
import { checkFailure, checkFailureOver, type CountDistribution, splitCounts, type SuccessRateBounds } from './check';
import { type AnalysisSchedule, type CheckSpan, checkSpans, type Observation, scheduleOf } from './schedule';

/** Everything the analytic model needs besides the traffic and the error probability. */
export interface PowerModel {
  schedule: AnalysisSchedule;
  observation: Observation;
  /** The request-success-rate check's thresholdRange, percent. */
  bounds: SuccessRateBounds;
  /**
   * How requests reach the canary: `round-robin` (default), Traefik's weighted round robin — a window of M requests
   * gives the canary ⌊w·M⌋ or ⌈w·M⌉ of them; `random`, each request independently (a Poisson count).
   */
  routing?: 'round-robin' | 'random';
}

/** One stage of the analysis. */
export interface StagePower {
  /** The canary's weight (percent of the apex's requests). */
  weight: number;
  /** Probability that the analysis reaches the stage (runs at least one check at it). */
  reached: number;
  /** Expected checks run at the stage (0 when not reached). */
  expectedChecks: number;
  /** Probability that the rollback happens at this stage (failedChecks reaches the threshold here). */
  rollback: number;
  /** Failure probability of the stage's 1st, 2nd, … check (the last stands for every later one). */
  checkFailure: number[];
  /** Expected canary requests each of those checks counts. */
  requestsPerCheck: number[];
  /** Whether each of those checks can have no values whatever the traffic (too few samples of the canary's series). */
  noValues: boolean[];
}

export interface PowerResult {
  /** Requests per second reaching the Canary's apex service (primary and canary together). */
  rate: number;
  /** Probability that a canary request is a 5xx. */
  errorProbability: number;
  /** Probability that the analysis rolls the canary back. */
  rollback: number;
  /** Probability that it promotes (1 − rollback up to rounding: the analysis always decides). */
  promotion: number;
  stages: StagePower[];
  /** Expected analysis ticks from the first weight change to the decision (the promotion tick or the rollback tick). */
  expectedTicks: number;
  /**
   * Expected seconds from the tick that detects the new revision to the decision (`interval` × (1 + ticks): the
   * tick after the detection sets the first weight), overall and given each outcome (NaN when it cannot happen).
   */
  expectedSeconds: number;
  expectedSecondsIfRolledBack: number;
  expectedSecondsIfPromoted: number;
  /** P(decision at tick k) for k = 1, 2, … (ticks after the first weight change), split by outcome. */
  decisionTicks: Array<{ tick: number; rollback: number; promotion: number }>;
  /** Whether consecutive checks count disjoint requests (the counted span, window less a scrape interval, fits in an interval). */
  independentChecks: boolean;
  /** Where, for this model, traffic and error rate, the simulator (and Prometheus) depart from the model (docs/power.md). */
  notes: string[];
}

/** Flagger's state machine solved for given check failure probabilities. */
export interface AnalysisSolution {
  rollback: number;
  promotion: number;
  /** Per stage: P(reached), expected checks run there, P(rolled back there). */
  reached: number[];
  expectedChecks: number[];
  rollbackAt: number[];
  /** P(decision at tick k) for k = 1, 2, … after the first weight change, by outcome (ticks with no decision left out). */
  decisionTicks: Array<{ tick: number; rollback: number; promotion: number }>;
}

/**
 * The analysis as a Markov chain over (stage, checks so far at the stage,
 * failedChecks), advanced tick by tick from the tick after the first weight
 * change: a tick with failedChecks ≥ threshold rolls back; otherwise the
 * stage's check fails with `fail[stage][min(checks so far, last)]` (one more
 * failed check, same stage) or passes (next stage, or the promotion after
 * the last). Every tick passes a stage, fails a check or rolls back, so the
 * chain ends within stages + threshold + 1 ticks; the result is exact up to
 * rounding.
 */
export function solveAnalysis(schedule: Pick<AnalysisSchedule, 'threshold' | 'stages'>, fail: ReadonlyArray<readonly number[]>): AnalysisSolution {
  const T = schedule.threshold;
  const K = schedule.stages.length;
  if (!(Number.isInteger(T) && T >= 1)) throw new RangeError(`the threshold must be a whole number ≥ 1, got ${T}`);
  if (K === 0 || fail.length !== K || fail.some((row) => row.length === 0)) throw new RangeError('expected at least one check failure probability for every stage');
  // mass[i][j][f]: probability of being at stage i, about to run its (j+1)-th check (capped), with f failed checks.
  const fresh = () => fail.map((row) => row.map(() => new Float64Array(T + 1)));
  let mass = fresh();
  mass[0][0][0] = 1;
  const reached = new Array<number>(K).fill(0);
  reached[0] = 1;
  const checks = new Array<number>(K).fill(0);
  const rollbackAt = new Array<number>(K).fill(0);
  const decisionTicks: AnalysisSolution['decisionTicks'] = [];
  let promotion = 0;
  for (let tick = 1; tick <= K + T + 1; tick++) {
    const next = fresh();
    let rolled = 0;
    let promoted = 0;
    for (let i = 0; i < K; i++) {
      const cap = fail[i].length - 1;
      for (let j = 0; j <= cap; j++) {
        for (let f = 0; f <= T; f++) {
          const m = mass[i][j][f];
          if (m === 0) continue;
          if (f >= T) {
            rollbackAt[i] += m;
            rolled += m;
            continue;
          }
          checks[i] += m;
          const q = fail[i][j];
          next[i][Math.min(j + 1, cap)][f + 1] += m * q;
          if (i === K - 1) promoted += m * (1 - q);
          else {
            next[i + 1][0][f] += m * (1 - q);
            reached[i + 1] += m * (1 - q);
          }
        }
      }
    }
    promotion += promoted;
    if (rolled > 0 || promoted > 0) decisionTicks.push({ tick, rollback: rolled, promotion: promoted });
    mass = next;
  }
  return { rollback: rollbackAt.reduce((a, b) => a + b, 0), promotion, reached, expectedChecks: checks, rollbackAt, decisionTicks };
}

/**
 * The rollback probability and timing of an analysis at `rate` requests per
 * second (to the apex) with a canary error probability `errorProbability`.
 */
export function analysePower(model: PowerModel, rate: number, errorProbability: number): PowerResult {
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`the request rate must be finite and ≥ 0, got ${rate}`);
  const { schedule, observation } = model;
  const spans = checkSpans(schedule, observation);
  const fail = spans.map((row) => row.map((c) => checkProbability(model, c, rate, errorProbability)));
  const solved = solveAnalysis(schedule, fail);
  const { rollback, promotion, decisionTicks } = solved;
  const ticksIf = (key: 'rollback' | 'promotion') => decisionTicks.reduce((a, d) => a + d.tick * d[key], 0);
  const expectedTicks = ticksIf('rollback') + ticksIf('promotion');
  const seconds = (ticks: number, p: number) => (p > 0 ? schedule.interval * (1 + ticks / p) : NaN);
  return {
    rate,
    errorProbability,
    rollback,
    promotion,
    stages: schedule.stages.map((weight, i) => ({
      weight,
      reached: solved.reached[i],
      expectedChecks: solved.expectedChecks[i],
      rollback: solved.rollbackAt[i],
      checkFailure: fail[i],
      requestsPerCheck: spans[i].map((c: CheckSpan) => rate * c.weightSeconds),
      noValues: spans[i].map((c: CheckSpan) => c.noValues),
    })),
    expectedTicks,
    expectedSeconds: schedule.interval * (1 + expectedTicks),
    expectedSecondsIfRolledBack: seconds(ticksIf('rollback'), rollback),
    expectedSecondsIfPromoted: seconds(ticksIf('promotion'), promotion),
    decisionTicks,
    independentChecks: independent(spans, schedule.interval),
    notes: departures(model, spans, rate, errorProbability),
  };
}

function independent(spans: CheckSpan[][], interval: number): boolean {
  return spans.every((row) => row.every((c) => c.seconds <= interval + 1e-9));
}

/** The departures docs/power.md lists that apply here, each a sentence with its size where it has one. */
function departures(model: PowerModel, spans: CheckSpan[][], rate: number, p: number): string[] {
  const { schedule, observation } = model;
  const notes: string[] = [];
  if (!independent(spans, schedule.interval)) {
    notes.push('consecutive checks count some of the same requests (the counted span is longer than the interval): their failures are correlated, and the model, taking them as independent, understates rollbacks after a failed check');
  }
  if (spans.some((row) => row.some((c) => c.extrapolated))) {
    notes.push("a check counts from the canary series' first request (its window reaches back before the series' first sample): rate() extrapolates each series to its zero on its own, which weighs the window's parts unevenly; the model counts the requests plainly");
  }
  // The canary's 5xx series appear with its first 5xx (per Traefik replica); errors up to that series' first sample are
  // not counted by the window they land in (when it reads two samples of it, only the increase after the first).
  const first = schedule.stages.findIndex((w) => w > 0);
  const replicas = observation.replicas ?? 1;
  if (first >= 0 && p > 0 && rate > 0) {
    const exposure = Math.max(observation.scrapeInterval, schedule.interval - observation.window);
    const unborn = Math.exp(-((rate * (schedule.stages[first] / 100) * p) / replicas) * exposure);
    if (unborn > 0.05) {
      notes.push(
        `the canary's first 5xx on a Traefik replica creates its 5xx series, and rate() does not count the errors up to that series' first sample: with ${Number((100 * unborn).toPrecision(2))} % probability a replica has no 5xx series when counting starts, so the check where the first 5xx lands fails less often than the model says (false aborts are overstated at this traffic)`,
      );
    }
  }
  return notes;
}

/** The failure probability of one check at `rate` requests per second to the apex. */
export function checkProbability(model: Pick<PowerModel, 'bounds' | 'routing'>, span: CheckSpan, rate: number, errorProbability: number): number {
  if (span.noValues) return 1;
  if (model.routing === 'random') return checkFailure(rate * span.weightSeconds, errorProbability, model.bounds);
  return checkFailureOver(countsOf(span, rate), errorProbability, model.bounds);
}

/** The canary's requests a check counts through Traefik's weighted round robin. */
function countsOf(span: CheckSpan, rate: number): CountDistribution {
  return splitCounts(span.segments.map((g) => ({ mean: rate * g.share * g.seconds, weight: g.weight / 100 })));
}

/** The rollback probability for each error probability at one rate: each check's request counts built once for all. */
function rollbacks(model: PowerModel, spans: CheckSpan[][], rate: number, ps: readonly number[]): number[] {
  const fails = ps.map(() => spans.map((row) => row.map(() => 1)));
  spans.forEach((row, i) =>
    row.forEach((span, j) => {
      if (span.noValues) return;
      if (model.routing === 'random') ps.forEach((p, k) => (fails[k][i][j] = checkFailure(rate * span.weightSeconds, p, model.bounds)));
      else {
        const counts = countsOf(span, rate);
        ps.forEach((p, k) => (fails[k][i][j] = checkFailureOver(counts, p, model.bounds)));
      }
    }),
  );
  return fails.map((fail) => solveAnalysis(model.schedule, fail).rollback);
}

/** What "trustworthy" means for `minimumRate`. */
export interface PowerTargets {
  /** The healthy canary's error probability (the baseline). */
  healthy: number;
  /** The regressed canary's error probability (the regression to catch). */
  regression: number;
  /** The largest acceptable false-abort probability (default 0.01). */
  maxFalseAbort?: number;
  /** The least acceptable detection probability (default 0.95). */
  minDetection?: number;
  /** Relative tolerance of the rate found (default 0.001: within 0.1 %). */
  tolerance?: number;
  /** The search range, requests per second (default 0.01 to 1e6). */
  from?: number;
  to?: number;
}

export interface MinimumRate {
  /** The least rate (requests per second to the apex) from which both targets hold, within the tolerance; null when none. */
  rate: number | null;
  /** Both figures at that rate (or at the top of the range when none). */
  falseAbort: number;
  detection: number;
  /** Why there is no such rate. */
  reason: string | null;
}

/** The fine scan's grid ratio; the allowed errors per window beyond which the binomial saw-tooth is left behind. */
const FINE_STEP = 1.02;
const SMOOTH_ERRORS = 50;
/** The refinement of grid intervals near a target: a 0.2 % grid where a figure is within a factor NEAR of its target, over at most so many intervals. */
const REFINE_STEP = 1.002;
const NEAR = 4;
const REFINE_INTERVALS = 25;

/**
 * The least request rate from which on a healthy canary is rolled back with
 * probability ≤ `maxFalseAbort` and the regression with probability ≥
 * `minDetection`.
 *
 * Neither figure is monotone in the rate. At very low traffic every check
 * finds no values and everything is rolled back; with a little traffic a
 * healthy canary rarely shows an error at all; then, while a window holds
 * fewer than 1/(1 − floor) requests (1000 at 99.9 %), a single error fails
 * it, so false aborts grow with traffic; past that the allowed error count
 * steps up by one every 1/(1 − floor) requests, a binomial saw-tooth the
 * Poisson mixture damps but does not erase while windows allow few errors.
 * Detection dips the same way before rising to 1. So the search is a
 * monotone search made safe for these: a doubling scan up to the rate where
 * every counted window allows at least 50 errors (the floor's allowance ×
 * its requests; the saw-tooth is then left behind) and both targets hold on
 * two consecutive doublings; a 2 % geometric scan from the last doubling
 * where a target failed up to there, which finds the last grid rate where
 * one fails; bisection (in log rate) between it and the next grid rate, to
 * `tolerance`. Pockets where a target fails that are narrower than the
 * grid lie where the saw-tooth hovers about the target: the grid intervals
 * above the last failing rate with an end within a factor 4 of a target (a
 * false-abort probability above a quarter of its bound, a miss probability
 * above a quarter of its) are scanned on a 0.2 % grid, nearest first, up to
 * 25 of them (a factor 1.6 in rate), and the highest failing rate found is
 * the one bisected from. The targets then hold on the 2 % grid from the answer
 * to the top of the scan, and on the 0.2 % grid over the intervals scanned
 * (docs/power.md: checked against a 0.25 % grid).
 */
export function minimumRate(model: PowerModel, targets: PowerTargets): MinimumRate {
  const maxFalseAbort = targets.maxFalseAbort ?? 0.01;
  const minDetection = targets.minDetection ?? 0.95;
  const tolerance = targets.tolerance ?? 0.001;
  const from = targets.from ?? 0.01;
  const to = targets.to ?? 1e6;
  if (!(tolerance > 0 && from > 0 && to > from)) throw new RangeError('expected tolerance > 0 and 0 < from < to');
  const allowance = allowanceOf(model.bounds) ?? 1;
  const spans = checkSpans(model.schedule, model.observation);
  const at = (rate: number) => {
    const [falseAbort, detection] = rollbacks(model, spans, rate, [targets.healthy, targets.regression]);
    return { rate, falseAbort, detection };
  };
  const ok = (x: { falseAbort: number; detection: number }) => x.falseAbort <= maxFalseAbort && x.detection >= minDetection;
  const counted = spans.flat().filter((c) => !c.noValues && c.weightSeconds > 0);
  const smooth = counted.length === 0 ? from : SMOOTH_ERRORS / (allowance * Math.min(...counted.map((c) => c.weightSeconds)));
  // Where no rate will do, the figures are reported at the top of the range the scan would cover.
  const none = (reason: string): MinimumRate => ({ rate: null, ...pick(at(Math.min(to, Math.max(from, 4 * smooth)))), reason });
  // The allowance compared as the decimals written (0.01 is exactly what a 99 % floor allows).
  if (targets.healthy >= allowance - 1e-12) return none(`the healthy error rate (${pct(targets.healthy)}) is not below what the floor allows (${pct(allowance)}): more traffic only makes false aborts surer`);
  if (targets.regression <= allowance + 1e-12) return none(`the regression's error rate (${pct(targets.regression)}) is not above what the floor allows (${pct(allowance)}): more traffic only makes it pass`);
  // Checks that can never have values fail whatever the traffic: the rollbacks they alone cause are a floor.
  const unavoidable = solveAnalysis(model.schedule, spans.map((row) => row.map((c) => (c.noValues ? 1 : 0)))).rollback;
  if (unavoidable > maxFalseAbort) {
    return none(`checks that can never find values (the metric window holds too few scrapes of the canary's new series) roll back ${pct(unavoidable)} of healthy canaries whatever the traffic`);
  }
  const notMet = () => {
    const x = at(to);
    return { rate: null, ...pick(x), reason: `the targets are not met from any rate up to ${to} requests per second (there: false aborts ${pct(x.falseAbort)}, detection ${pct(x.detection)})` };
  };
  // Coarse: doublings up to the smooth region, remembering the last one where a target failed.
  let lastBad: number | null = null;
  let top: number | null = null;
  let good = 0;
  for (let rate = from; rate <= to; rate *= 2) {
    if (ok(at(rate))) good++;
    else {
      lastBad = rate;
      good = 0;
    }
    if (rate >= smooth && good >= 2) {
      top = rate;
      break;
    }
  }
  if (top === null) return notMet();
  if (lastBad === null) return { rate: from, ...pick(at(from)), reason: null };
  // Fine: a 2 % grid from the last failing doubling to the top, and its last failing rate.
  type Point = ReturnType<typeof at>;
  const grid: Point[] = [at(lastBad)];
  for (let rate = lastBad * FINE_STEP; rate < top; rate *= FINE_STEP) grid.push(at(rate));
  grid.push(at(top));
  let k = grid.length - 1;
  while (ok(grid[k])) k--;
  // Pockets narrower than the grid lie where the saw-tooth hovers about a target: look into the grid intervals above
  // the last failing rate with an end near a target on a 0.2 % grid, nearest first (at most REFINE_INTERVALS of
  // them); the highest failing rate found is where the targets start to hold.
  const near = (x: Point) => x.falseAbort > maxFalseAbort / NEAR || 1 - x.detection > (1 - minDetection) / NEAR;
  let lo: Point = grid[k];
  let hi: Point = grid[k + 1];
  let refined = 0;
  for (let i = k; i < grid.length - 1 && refined < REFINE_INTERVALS; i++) {
    const a = grid[i];
    const b = grid[i + 1];
    if (i > k && !near(a) && !near(b)) continue;
    refined++;
    const inner: Point[] = [];
    for (let rate = a.rate * REFINE_STEP; rate < b.rate; rate *= REFINE_STEP) inner.push(at(rate));
    let j = inner.length - 1;
    while (j >= 0 && ok(inner[j])) j--;
    if (j >= 0) {
      lo = inner[j];
      hi = inner[j + 1] ?? b;
    } else if (i === k) hi = inner[0] ?? b;
  }
  while (hi.rate / lo.rate - 1 > tolerance) {
    const mid = at(Math.sqrt(lo.rate * hi.rate));
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return { rate: hi.rate, ...pick(hi), reason: null };
}

/** The error probability a success-rate floor allows ((100 − min) / 100: 0.01 at 99 %); null without a floor. */
export function allowanceOf(bounds: SuccessRateBounds): number | null {
  return bounds.min === null ? null : (100 - bounds.min) / 100;
}

/** A regression worth catching under a floor: twice what it allows (capped at 1); null without a floor. */
export function defaultRegression(bounds: SuccessRateBounds): number | null {
  const allowance = allowanceOf(bounds);
  return allowance === null ? null : Math.min(1, 2 * allowance);
}

/** One point of a power curve: both rollback probabilities at one rate. */
export interface PowerCurvePoint {
  rate: number;
  /** P(rollback) of the healthy canary. */
  falseAbort: number;
  /** P(rollback) of the regressed canary. */
  detection: number;
}

/**
 * P(false abort) and P(detection) at each of `rates` (requests per second to the apex): what `analysePower` gives
 * for the two error probabilities, each rate's check counts built once for both.
 */
export function powerCurve(model: PowerModel, rates: readonly number[], healthy: number, regression: number): PowerCurvePoint[] {
  const spans = checkSpans(model.schedule, model.observation);
  return rates.map((rate) => {
    if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`the request rate must be finite and ≥ 0, got ${rate}`);
    const [falseAbort, detection] = rollbacks(model, spans, rate, [healthy, regression]);
    return { rate, falseAbort, detection };
  });
}

/** `n` rates spaced evenly in log from `from` to `to` (both included). */
export function logRates(from: number, to: number, n: number): number[] {
  if (!(from > 0 && to > from && Number.isInteger(n) && n >= 2)) throw new RangeError('expected 0 < from < to and at least 2 rates');
  const step = Math.log(to / from) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? to : from * Math.exp(step * i)));
}

function pick(x: { falseAbort: number; detection: number }): { falseAbort: number; detection: number } {
  return { falseAbort: x.falseAbort, detection: x.detection };
}

/** A probability as the model's texts write it: "1.89 %". */
export function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))} %`;
}

// ---------------------------------------------------------------------------------------------------------------
// From a compiled Canary and scenario
// ---------------------------------------------------------------------------------------------------------------

const SUCCESS_RATE = 'request-success-rate';

/** The success-rate check of a Canary: its window (seconds) and bounds; an error when it has none. */
export function successRateCheckOf(canary: CanarySpec): { window: number; bounds: SuccessRateBounds } | { error: string } {
  const metric: MetricSpec | undefined = canary.analysis.metrics.find((m) => m.name === SUCCESS_RATE);
  if (!metric) return { error: `the Canary ${canary.namespace}/${canary.name} has no ${SUCCESS_RATE} check` };
  const window = parseDuration(metric.interval || '1m');
  if (typeof window !== 'number') return { error: `${SUCCESS_RATE} interval: ${window.error}` };
  // The deprecated threshold (thresholdRange absent) is a minimum, 0 when unset (flagger.md §8.4).
  const bounds = metric.thresholdRange ?? { min: metric.threshold, max: null };
  return { window, bounds: { min: bounds.min, max: bounds.max } };
}

/** The model of a compiled Canary's analysis, given how Prometheus scrapes Traefik. */
export function powerModelOf(canary: CanarySpec, observation: Omit<Observation, 'window'>): PowerModel | { error: string } {
  const schedule = scheduleOf(canary.analysis, canary.provider);
  if ('error' in schedule) return schedule;
  const check = successRateCheckOf(canary);
  if ('error' in check) return check;
  return { schedule, observation: { ...observation, window: check.window }, bounds: check.bounds };
}

/**
 * How Traefik reaches a Canary (namespace/name), from one build of the traffic graph: the streams it routes straight
 * to the Canary's TraefikService (by the routers' rules, as the traffic view draws them; a stream reaching it through
 * another TraefikService is not among them), and, given the target's app, whether it also reaches the canary's pods
 * other than through the TraefikService's weighted split (a router straight to the canary's Service). Traffic that
 * bypasses Traefik (a load tester through kube-proxy) is not in Traefik's series and counts for neither.
 */
function routesTo(scenario: Pick<LoadedScenario, 'world' | 'faults'>, canary: string, app?: string): { streams: Set<string>; direct: boolean } {
  const topology = buildTopology({ world: scenario.world, faults: scenario.faults });
  const splits = topology.nodes.filter((n) => n.kind === 'split' && n.canary === canary).map((n) => n.id);
  const split = splits[0];
  const streams = new Set(topology.edges.flatMap((e) => (split !== undefined && e.from === TRAEFIK && e.to === split && e.share.by === 'streams' ? e.share.streams : [])));
  const direct = app !== undefined && topology.edges.some((e) => e.to === podId(app, 'canary') && e.kind !== 'direct' && !splits.includes(e.from));
  return { streams, direct };
}

/** The traffic streams Traefik routes straight to a Canary's TraefikService (`routesTo`). */
export function canaryStreams(scenario: Pick<LoadedScenario, 'world' | 'faults'>, canary: string): Set<string> {
  return routesTo(scenario, canary).streams;
}

/** What a scenario says about its rolled-out Canary's power: the model, the traffic and the healthy error rate. */
export interface ScenarioPowerInputs extends CanaryTraffic {
  /** The rolled-out Canary, namespace/name. */
  canary: string;
  model: PowerModel;
}

/** The traffic a scenario sends a Canary's canary and how healthy the canary is, whatever its checks. */
export interface CanaryTraffic {
  /** Requests per second of the streams Traefik routes to the Canary's TraefikService, at the rollout time. */
  rate: number;
  /**
   * Whether Traefik also reaches the canary's pods other than through the Canary's TraefikService (a router straight
   * to the canary's Service: a preview host, an A/B cohort's router): its checks count those requests, the model
   * does not.
   */
  directRoutes: boolean;
  /** The canary revision's 5xx probability as the scenario defines it (statusCodes). */
  healthy: number;
  /** Where the scenario departs from the model's assumptions (each a sentence). */
  notes: string[];
}

/**
 * The power inputs of a loaded scenario's rolled-out Canary: its analysis,
 * the scrape interval, the rate of the streams routed straight to its
 * TraefikService at the rollout time, and the canary revision's 5xx share.
 * `canary` stands for the rolled-out one as compiled (e.g. a tuning-lab
 * configuration of it, its knobs applied: `SweepPlan.canaries`).
 */
export function powerInputsOf(scenario: LoadedScenario, canary?: CanarySpec): ScenarioPowerInputs | { error: string } {
  const c = canary ?? rolledOut(scenario);
  if (!c) return { error: 'the scenario rolls out no Canary (spec.rollout)' };
  const world = scenario.world;
  const model = powerModelOf(c, { scrapeInterval: world.scrape.interval, replicas: world.traefik?.replicas ?? 1 });
  if ('error' in model) return model;
  const traffic = canaryTrafficOf(scenario, c);
  if ('error' in traffic) return traffic;
  return { canary: `${c.namespace}/${c.name}`, model, ...traffic };
}

/** The scenario's rolled-out Canary as compiled (undefined without one). */
export function rolledOut(scenario: Pick<LoadedScenario, 'flagger'>): CanarySpec | undefined {
  const id = scenario.flagger?.rollout ?? null;
  return id === null ? undefined : scenario.flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === id);
}

/**
 * The rate of the streams routed straight to a Canary's TraefikService at the rollout time, the canary revision's
 * 5xx share, and where the scenario departs from the model's assumptions 1, 2 and 6 (docs/power.md).
 */
export function canaryTrafficOf(scenario: LoadedScenario, canary: CanarySpec): CanaryTraffic | { error: string } {
  const world = scenario.world;
  const at = scenario.document.spec.rollout?.at ?? 0;
  const target = world.workloads.find((w) => w.name === canary.target && w.namespace === canary.namespace);
  const routes = routesTo(scenario, `${canary.namespace}/${canary.name}`, target?.app);
  const streams = world.streams.filter((s) => routes.streams.has(s.name));
  const notes: string[] = [];
  if (streams.length === 0) notes.push("no traffic stream is routed straight to the Canary's TraefikService: the rate is 0 (a stream reaching it through another TraefikService is not counted)");
  const rate = streams.reduce((a, s) => a + new RateProfile(s.rate).rate(at), 0);
  if (streams.some((s) => s.overdispersion !== null)) notes.push('traffic is overdispersed: window counts vary more than Poisson, so low-traffic checks fail more often than the model says');
  if (streams.some((s) => s.rate.base.profile !== 'constant' || s.rate.bursts.length > 0 || s.rate.randomBursts !== undefined)) notes.push(`the request rate varies over time: the model uses the rate at the rollout (${Number(rate.toPrecision(4))}/s)`);
  const app = world.apps.find((a) => a.name === target?.app && a.namespace === canary.namespace);
  if (!app) return { error: `the Canary's target ${canary.target} runs no app of the scenario` };
  const behaviour = app.canary;
  const healthy = behaviour.statusCodes.filter((c) => c.code >= 500).reduce((a, c) => a + c.probability, 0);
  if (behaviour.errorDrift || behaviour.errorBursts) notes.push("the canary's error rate drifts or bursts (noise): the model holds it constant");
  if (world.scrape.jitter > 0) notes.push('scrapes are jittered: the samples a check reads move by up to the jitter');
  if ((canary.analysis.intervalMs / 1000) % world.scrape.interval !== 0) notes.push("the analysis interval is not a multiple of the scrape interval: the newest sample's age varies from tick to tick (the model takes a fixed one)");
  if (behaviour.dependencies.length > 0) notes.push("the canary calls dependencies: their failures add to its 5xx beyond statusCodes");
  const directRoutes = routes.direct;
  if (directRoutes) notes.push("Traefik also routes requests straight to the canary's pods (a router to the canary's Service): its checks count them, the model does not, so its figures are for the TraefikService's share alone (the Monte Carlo counts both)");
  return { rate, healthy, notes, directRoutes };
}
