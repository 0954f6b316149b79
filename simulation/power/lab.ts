/**
 * The tuning lab's power panel, computed where the scenario is (a run
 * session, simulation/run/session.ts: the `power` command): for a sweep's
 * scenario Canary, or one of its configurations (its knobs applied), at a
 * request rate, the analytic power of its success-rate check for a healthy
 * and a regressed canary (`analysePower`), the least trustworthy rate
 * (`minimumRate`) and both figures over a range of rates (`powerCurve`);
 * and, when asked, the same figures from the simulator over seeds
 * (`PowerMonteCarlo`: the whole analysis, latency and every other check
 * included). The Monte Carlo's runs are kept between commands with the same
 * inputs, so a host can ask for them a block at a time (`upTo`) and show
 * progress; the reply depends only on the command, never on what was kept.
 *
 * Replies are plain JSON: no NaN or Infinity crosses to a host (a figure
 * with nothing to measure is null).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { formatDiagnostic } from '../scenario/diagnostics';
import type { ScenarioHost } from '../scenario/loader';
import type { CanarySpec } from '../rollout/types';
import { loadSweep, type SweepPlan } from '../sweep/spec';
import type { Rate } from '../sweep/stats';
import { sweepHost, type SweepRequest } from '../sweep/workers';
import {
  allowanceOf,
  analysePower,
  canaryTrafficOf,
  defaultRegression,
  logRates,
  minimumRate,
  type MinimumRate,
  powerCurve,
  type PowerCurvePoint,
  powerModelOf,
  type PowerResult,
  pct,
  rolledOut,
} from './analytic';
import { type MonteCarloResult, PowerMonteCarlo, type PowerRun, type StageEstimate } from './monte-carlo';

/** What the panel asks for; every field has a default from the scenario. */
export interface PowerQuery {
  /** The sweep configuration whose Canary to analyse (its knob values applied); default: the scenario's Canary as written. */
  configuration?: number;
  /** Requests per second to the Canary's apex (the streams Traefik routes to its TraefikService); default: the scenario's, at the rollout. */
  rate?: number;
  /** The healthy canary's 5xx probability; default: the scenario's canary revision's. */
  healthy?: number;
  /** The regression's 5xx probability; default: twice what the success-rate floor allows. */
  regression?: number;
  /** What "trustworthy" means: at most `maxFalseAbort` false aborts (default 0.01), at least `minDetection` detection (default 0.95). */
  targets?: { maxFalseAbort?: number; minDetection?: number };
  /**
   * Runs the Monte Carlo: runs 0 … upTo − 1 (default: all `seeds`) of `seeds`, run r on seed `seed` + r (default 1),
   * each for the healthy and the regressed canary.
   */
  monteCarlo?: { seeds: number; seed?: number; upTo?: number };
}

/** The most Monte Carlo seeds one query may ask for. */
export const MAX_POWER_SEEDS = 100_000;

/** A rate with its Wilson interval; `rate` null without trials. */
export type PlainRate = Omit<Rate, 'rate'> & { rate: number | null };

/** `PowerResult` as plain JSON: a time given an outcome that cannot happen is null. */
export type PlainPowerResult = Omit<PowerResult, 'expectedSecondsIfRolledBack' | 'expectedSecondsIfPromoted'> & {
  expectedSecondsIfRolledBack: number | null;
  expectedSecondsIfPromoted: number | null;
};

export interface PlainStageEstimate {
  weight: number;
  reached: PlainRate;
  rollback: PlainRate;
  checkFailure: PlainRate[];
}

/** `MonteCarloResult` as plain JSON: a mean over no runs is null. */
export type PlainMonteCarloResult = Omit<MonteCarloResult, 'rollback' | 'promotion' | 'meanSeconds' | 'meanSecondsIfRolledBack' | 'meanSecondsIfPromoted' | 'stages'> & {
  rollback: PlainRate;
  promotion: PlainRate;
  meanSeconds: number | null;
  meanSecondsIfRolledBack: number | null;
  meanSecondsIfPromoted: number | null;
  stages: PlainStageEstimate[];
};

/** The success-rate check's figures. */
export interface AnalyticPower {
  /** The healthy canary: its rollback is P(false abort). */
  healthy: PlainPowerResult;
  /** The regressed canary: its rollback is P(detection). */
  regressed: PlainPowerResult;
  /** The least rate from which the targets hold (null with the reason when none does). */
  minimum: MinimumRate;
  /** Both figures over a log-spaced range of rates around the scenario's, the chosen and the minimum rate. */
  curve: PowerCurvePoint[];
  /** Where the simulator departs from the model for these figures (`analysePower`'s: those of both canaries, then each one's, saying whose). */
  notes: string[];
}

export interface SimulatedPower {
  seeds: number;
  seed: number;
  /** Runs done (each for the healthy and the regressed canary): the figures are over these. */
  done: number;
  mode: 'fast';
  /** The Wilson intervals' level (the sweep's `confidence`). */
  confidence: number;
  healthy: PlainMonteCarloResult;
  regressed: PlainMonteCarloResult;
}

export interface PowerReport {
  /** The sweep's name. */
  sweep: string;
  /** The Canary, namespace/name. */
  canary: string;
  /** The configuration analysed; null for the scenario's Canary as written. */
  configuration: { index: number; label: string } | null;
  /** The metrics the Canary's analysis checks, in order. */
  metrics: string[];
  /** Whether one of them is request-success-rate (the check the analytic model covers). */
  successRate: boolean;
  /** The scenario's figures, used where the query gives none; how the regression's was chosen. */
  defaults: { rate: number; healthy: number; regression: number; regressionRule: string };
  /** The figures used. */
  inputs: { rate: number; healthy: number; regression: number; maxFalseAbort: number; minDetection: number };
  /** The success-rate floor, percent (null without one). */
  floor: number | null;
  /** Where the scenario departs from the model's assumptions (traffic, noise, scrapes). */
  notes: string[];
  analytic: AnalyticPower | { error: string };
  /** The Monte Carlo, when asked for. */
  monteCarlo: SimulatedPower | { error: string } | null;
}

/** The curve's points and how far it reaches beyond the rates it must show. */
const CURVE_POINTS = 64;
const CURVE_BELOW = 20;
const CURVE_ABOVE = 10;
const CURVE_RANGE: [number, number] = [0.01, 1e6];
/** The regression without a floor to relate it to: 5 % (or twice the healthy rate when that is more). */
const FLOORLESS_REGRESSION = 0.05;

/** A bad query: said in one sentence, as a session's error reply. */
export class PowerQueryError extends Error {}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function plainRate(r: Rate): PlainRate {
  return { ...r, rate: finite(r.rate) };
}

export function plainPower(r: PowerResult): PlainPowerResult {
  return { ...r, expectedSecondsIfRolledBack: finite(r.expectedSecondsIfRolledBack), expectedSecondsIfPromoted: finite(r.expectedSecondsIfPromoted) };
}

export function plainMonteCarlo(r: MonteCarloResult): PlainMonteCarloResult {
  const stage = (s: StageEstimate): PlainStageEstimate => ({ weight: s.weight, reached: plainRate(s.reached), rollback: plainRate(s.rollback), checkFailure: s.checkFailure.map(plainRate) });
  return {
    ...r,
    rollback: plainRate(r.rollback),
    promotion: plainRate(r.promotion),
    meanSeconds: finite(r.meanSeconds),
    meanSecondsIfRolledBack: finite(r.meanSecondsIfRolledBack),
    meanSecondsIfPromoted: finite(r.meanSecondsIfPromoted),
    stages: r.stages.map(stage),
  };
}

const isProbability = (x: number) => typeof x === 'number' && x >= 0 && x <= 1;
const isOpenProbability = (x: number) => typeof x === 'number' && x > 0 && x < 1;

/** Why a query cannot be answered, before anything is loaded; null when it can. */
export function queryProblem(q: PowerQuery): string | null {
  if (q.rate !== undefined && !(typeof q.rate === 'number' && q.rate > 0 && Number.isFinite(q.rate))) return `the request rate must be a number of requests per second above 0, got ${q.rate}`;
  if (q.healthy !== undefined && !isProbability(q.healthy)) return `the healthy error rate must be a probability from 0 to 1, got ${q.healthy}`;
  if (q.regression !== undefined && !isProbability(q.regression)) return `the regression's error rate must be a probability from 0 to 1, got ${q.regression}`;
  const t = q.targets ?? {};
  if (t.maxFalseAbort !== undefined && !isOpenProbability(t.maxFalseAbort)) return `the false-abort target must be a probability between 0 and 1, got ${t.maxFalseAbort}`;
  if (t.minDetection !== undefined && !isOpenProbability(t.minDetection)) return `the detection target must be a probability between 0 and 1, got ${t.minDetection}`;
  const mc = q.monteCarlo;
  if (mc) {
    if (!(Number.isInteger(mc.seeds) && mc.seeds >= 1 && mc.seeds <= MAX_POWER_SEEDS)) return `the Monte Carlo's seeds must be a whole number from 1 to ${MAX_POWER_SEEDS}, got ${mc.seeds}`;
    if (mc.seed !== undefined && !Number.isSafeInteger(mc.seed)) return `the Monte Carlo's first seed must be a whole number, got ${mc.seed}`;
    if (mc.upTo !== undefined && !(Number.isInteger(mc.upTo) && mc.upTo >= 0 && mc.upTo <= mc.seeds)) return `the Monte Carlo's runs so far (upTo) must be a whole number from 0 to its ${mc.seeds} seeds, got ${mc.upTo}`;
  }
  if (q.configuration !== undefined && !(Number.isSafeInteger(q.configuration) && q.configuration >= 0)) return `the configuration must be the index of one of the sweep's, got ${q.configuration}`;
  return null;
}

/** The rates the curve is drawn at: from a 20th of the least rate it must show to 10 times the largest. */
export function curveRates(marks: ReadonlyArray<number | null>): number[] {
  const shown = marks.filter((x): x is number => x !== null && x > 0 && Number.isFinite(x));
  const [lowest, highest] = CURVE_RANGE;
  if (shown.length === 0) return logRates(0.1, 1e4, CURVE_POINTS);
  const from = Math.max(lowest, Math.min(...shown) / CURVE_BELOW);
  const to = Math.min(highest, Math.max(...shown) * CURVE_ABOVE);
  return to > from * 1.5 ? logRates(from, to, CURVE_POINTS) : logRates(Math.max(lowest, to / 100), to, CURVE_POINTS);
}

interface MonteCarloEntry {
  key: string;
  mc: PowerMonteCarlo;
  runs: PowerRun[];
}

/**
 * A session's power computations: the sweep it last loaded, the last analytic figures and the Monte Carlo runs done
 * so far for the healthy and the regressed canary, each kept for as long as the queries ask for the same thing.
 */
export class PowerLab {
  private loaded: { key: string; plan: SweepPlan } | null = null;
  private analytic: { key: string; value: AnalyticPower | { error: string } } | null = null;
  private readonly runs = new Map<'healthy' | 'regressed', MonteCarloEntry>();

  constructor(private readonly host: ScenarioHost) {}

  /** The report for a query; throws PowerQueryError (a message for the user) when it cannot be answered. */
  report(q: SweepRequest & PowerQuery): PowerReport {
    const problem = queryProblem(q);
    if (problem !== null) throw new PowerQueryError(problem);
    const plan = this.plan(q);
    const index = q.configuration ?? null;
    if (index !== null && index >= plan.canaries.length) throw new PowerQueryError(`the sweep ${plan.name} has configurations 0 to ${plan.canaries.length - 1}, not ${index}`);
    const canary = index === null ? rolledOut(plan.scenario) : plan.canaries[index];
    if (!canary) throw new PowerQueryError('the scenario rolls out no Canary (spec.rollout)');
    const traffic = canaryTrafficOf(plan.scenario, canary);
    if ('error' in traffic) throw new PowerQueryError(traffic.error);
    const world = plan.scenario.world;
    const model = powerModelOf(canary, { scrapeInterval: world.scrape.interval, replicas: world.traefik?.replicas ?? 1 });
    const bounds = 'error' in model ? null : model.bounds;
    const floor = bounds?.min ?? null;
    const fromFloor = bounds === null ? null : defaultRegression(bounds);
    const defaults = {
      rate: traffic.rate,
      healthy: traffic.healthy,
      regression: fromFloor ?? Math.min(1, Math.max(FLOORLESS_REGRESSION, 2 * traffic.healthy)),
      regressionRule:
        fromFloor !== null && bounds !== null
          ? `twice what the ${bounds.min} % floor allows (${pct(allowanceOf(bounds) ?? 0)})`
          : `${pct(FLOORLESS_REGRESSION)} or twice the healthy rate: the Canary has no success-rate floor to relate it to`,
    };
    const inputs = {
      rate: q.rate ?? defaults.rate,
      healthy: q.healthy ?? defaults.healthy,
      regression: q.regression ?? defaults.regression,
      maxFalseAbort: q.targets?.maxFalseAbort ?? 0.01,
      minDetection: q.targets?.minDetection ?? 0.95,
    };
    const key = JSON.stringify([this.loaded?.key, index, inputs]);
    if (this.analytic?.key !== key) {
      const value = 'error' in model ? { error: model.error } : analyticPower(model, inputs, defaults.rate);
      this.analytic = { key, value };
    }
    return {
      sweep: plan.name,
      canary: `${canary.namespace}/${canary.name}`,
      configuration: index === null ? null : { index, label: plan.configurations[index].label },
      metrics: canary.analysis.metrics.map((m) => m.name),
      successRate: canary.analysis.metrics.some((m) => m.name === 'request-success-rate'),
      defaults,
      inputs,
      floor,
      notes: traffic.notes,
      analytic: this.analytic.value,
      monteCarlo: q.monteCarlo ? this.monteCarlo(plan, index, canary, inputs, q.monteCarlo) : null,
    };
  }

  /** The sweep of a request, loaded once for as long as its texts stay the same. */
  private plan(r: SweepRequest): SweepPlan {
    const key = JSON.stringify([r.file, r.text ?? null, r.scenario ?? null]);
    if (this.loaded?.key === key) return this.loaded.plan;
    this.loaded = null;
    const loaded = loadSweep(r.file, sweepHost(this.host, r));
    if (!loaded.ok) {
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      const shown = errors.slice(0, 3).map(formatDiagnostic).join('; ');
      throw new PowerQueryError(`the sweep does not load: ${shown}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`);
    }
    this.loaded = { key, plan: loaded.plan };
    return loaded.plan;
  }

  private monteCarlo(
    plan: SweepPlan,
    index: number | null,
    canary: CanarySpec,
    inputs: PowerReport['inputs'],
    o: NonNullable<PowerQuery['monteCarlo']>,
  ): SimulatedPower | { error: string } {
    const seed = o.seed ?? 1;
    const upTo = o.upTo ?? o.seeds;
    try {
      const run = (which: 'healthy' | 'regressed', errorProbability: number): PlainMonteCarloResult => {
        const key = JSON.stringify([this.loaded?.key, index, inputs.rate, errorProbability, o.seeds, seed]);
        let entry = this.runs.get(which);
        if (entry?.key !== key) {
          entry = { key, mc: new PowerMonteCarlo({ scenario: plan.scenario, canary, rate: inputs.rate, errorProbability, seeds: o.seeds, seed, confidence: plan.confidence, mode: 'fast' }), runs: [] };
          this.runs.set(which, entry);
        }
        while (entry.runs.length < upTo) entry.runs.push(entry.mc.run(entry.runs.length));
        return plainMonteCarlo(entry.mc.summarise(entry.runs.slice(0, upTo)));
      };
      return { seeds: o.seeds, seed, done: upTo, mode: 'fast', confidence: plan.confidence, healthy: run('healthy', inputs.healthy), regressed: run('regressed', inputs.regression) };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** The analytic figures at the chosen rate, the least rate for the targets and the curve around them. */
function analyticPower(model: Parameters<typeof analysePower>[0], inputs: PowerReport['inputs'], scenarioRate: number): AnalyticPower {
  const healthy = analysePower(model, inputs.rate, inputs.healthy);
  const regressed = analysePower(model, inputs.rate, inputs.regression);
  const minimum = minimumRate(model, { healthy: inputs.healthy, regression: inputs.regression, maxFalseAbort: inputs.maxFalseAbort, minDetection: inputs.minDetection });
  const curve = powerCurve(model, curveRates([inputs.rate, scenarioRate, minimum.rate]), inputs.healthy, inputs.regression);
  return { healthy: plainPower(healthy), regressed: plainPower(regressed), minimum, curve, notes: mergedNotes(healthy.notes, regressed.notes) };
}

/** Both canaries' notes: those they share once, the others saying whose they are. */
export function mergedNotes(healthy: readonly string[], regressed: readonly string[]): string[] {
  const only = (notes: readonly string[], other: readonly string[], whose: string) => notes.filter((n) => !other.includes(n)).map((n) => `${whose}: ${n}`);
  return [...healthy.filter((n) => regressed.includes(n)), ...only(healthy, regressed, 'the healthy canary'), ...only(regressed, healthy, 'the regression')];
}
