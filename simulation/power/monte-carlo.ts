/**
 * Low-traffic power estimated on the simulator (docs/power.md): the figures
 * `analysePower` computes, measured by running the scenario's rollout over
 * seeds in the tuning lab's runner (`SweepRunner`: one run by number,
 * stopped at the decision) — the real Traefik, scrapes, PromQL and Flagger
 * controller, so everything the analytic model leaves out (rate()'s
 * extrapolation, series that appear with their first request, latency
 * checks, overlapping windows, noise) is in the estimate.
 *
 * A plan is built programmatically: one configuration (the scenario's
 * Canary, or one given), one situation (no fault): the traffic level and the
 * canary's error probability are set in the compiled scenario itself — the
 * streams Traefik routes to the Canary's TraefikService scaled to the rate,
 * the canary revision's 5xx status codes replaced by one 500 with the
 * probability — so fast mode draws the canary's statuses in aggregate
 * (binomial), exactly the model's Bernoulli requests.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { CanarySpec } from '../rollout/types';
import type { Simulation, RunMode } from '../run/simulation';
import type { LoadedScenario } from '../scenario/loader';
import { SweepRunner, type RunOutcome } from '../sweep/run';
import { rolloutAllowance, type SweepPlan } from '../sweep/spec';
import { type Rate, wilson } from '../sweep/stats';
import type { RateProfileSpec } from '../traffic/profile';
import { RateProfile } from '../traffic/profile';
import { canaryStreams, powerModelOf, rolledOut } from './analytic';
import { checkSpans } from './schedule';

export interface MonteCarloOptions {
  scenario: LoadedScenario;
  /** The Canary to run (e.g. with a knob applied); default: the scenario's rolled-out Canary. */
  canary?: CanarySpec;
  /** Requests per second Traefik routes to the Canary's TraefikService at the rollout; default: as the scenario. */
  rate?: number;
  /** The canary revision's 5xx probability; default: as the scenario. */
  errorProbability?: number;
  /** Runs (seeds). */
  seeds: number;
  /** The first seed (default 1): run r uses seed + r. */
  seed?: number;
  /** The Wilson intervals' level (default 0.95). */
  confidence?: number;
  /** Default fast. */
  mode?: RunMode;
}

/** What one run showed. */
export interface PowerRun {
  seed: number;
  outcome: RunOutcome;
  /** Seconds from the tick that detected the new revision to the decision; null when undecided. */
  seconds: number | null;
  /** The stage (index in the schedule) the analysis was at when it was decided or the run ended. */
  stage: number;
  /** Per success-rate check, in order: the stage, the check's number at the stage (0-based, capped as the model caps it), and whether it failed. */
  checks: Array<{ stage: number; nth: number; failed: boolean }>;
}

export interface StageEstimate {
  weight: number;
  /** Runs that ran at least one check at the stage. */
  reached: Rate;
  /** Runs rolled back at the stage. */
  rollback: Rate;
  /** Per check number at the stage (as `StagePower.checkFailure`): failed checks out of checks run. */
  checkFailure: Rate[];
}

export interface MonteCarloResult {
  runs: number;
  rate: number;
  errorProbability: number;
  rollback: Rate;
  promotion: Rate;
  undecided: number;
  /** Mean seconds from the detection to the decision, over decided runs, and given each outcome (NaN without such runs). */
  meanSeconds: number;
  meanSecondsIfRolledBack: number;
  meanSecondsIfPromoted: number;
  /** Per stage of the schedule (empty when the Canary has no success-rate check or no schedule). */
  stages: StageEstimate[];
}

/** A rate profile times a factor. */
function scaled(spec: RateProfileSpec, f: number): RateProfileSpec {
  const b = spec.base;
  switch (b.profile) {
    case 'constant':
      return { ...spec, base: { ...b, rate: b.rate * f } };
    case 'ramp':
      return { ...spec, base: { ...b, from: b.from * f, to: b.to * f } };
    case 'step':
      return { ...spec, base: { ...b, rate: b.rate * f, steps: b.steps.map((s) => ({ ...s, rate: s.rate * f })) } };
    case 'diurnal':
      return { ...spec, base: { ...b, mean: b.mean * f } };
    case 'piecewise':
      return { ...spec, base: { ...b, points: b.points.map((p) => ({ ...p, rate: p.rate * f })) } };
  }
}

/** Requests per second the streams that reach the Canary send at time t. */
function routedRate(world: { streams: ReadonlyArray<{ name: string; rate: ConstructorParameters<typeof RateProfile>[0] }> }, routed: ReadonlySet<string>, t: number): number {
  return world.streams.filter((s) => routed.has(s.name)).reduce((a, s) => a + new RateProfile(s.rate).rate(t), 0);
}

/**
 * The power experiment's plan: the scenario with the traffic and the canary's error probability set, one
 * configuration, one situation, `seeds` runs. Runs are numbered 0 … seeds − 1.
 */
export function powerPlan(o: MonteCarloOptions): SweepPlan {
  const { scenario } = o;
  const base = rolledOut(scenario);
  const deployAt = scenario.document.spec.rollout?.at;
  if (!base || deployAt === undefined) throw new Error('the scenario rolls out no Canary (spec.rollout)');
  const id = `${base.namespace}/${base.name}`;
  const canary = o.canary ?? base;
  let world = scenario.world;
  if (o.rate !== undefined) {
    const routed = canaryStreams(scenario, id);
    const now = routedRate(world, routed, deployAt);
    if (!(now > 0)) throw new Error(`no traffic reaches the Canary ${id} at the rollout: there is nothing to scale to ${o.rate}/s`);
    const f = o.rate / now;
    world = { ...world, streams: world.streams.map((s) => (routed.has(s.name) ? { ...s, rate: scaled(s.rate, f) } : s)) };
  }
  const p = o.errorProbability;
  if (p !== undefined) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`the error probability must be in [0, 1], got ${p}`);
    const target = world.workloads.find((w) => w.name === canary.target && w.namespace === canary.namespace);
    world = {
      ...world,
      apps: world.apps.map((a) => {
        if (a.name !== target?.app || a.namespace !== canary.namespace) return a;
        const others = a.canary.statusCodes.filter((c) => c.code < 500);
        if (others.reduce((x, c) => x + c.probability, 0) + p > 1 + 1e-12) throw new RangeError(`the canary's other status codes leave less than ${p} for 5xx`);
        return { ...a, canary: { ...a.canary, statusCodes: p > 0 ? [...others, { code: 500, probability: p }] : others } };
      }),
    };
  }
  const runnable: LoadedScenario = { ...scenario, world };
  return {
    name: 'power',
    description: null,
    file: scenario.file,
    scenario: runnable,
    canary: id,
    canaryFile: scenario.file,
    deployAt,
    horizon: [deployAt + rolloutAllowance(canary)],
    seeds: o.seeds,
    seed: o.seed ?? 1,
    confidence: o.confidence ?? 0.95,
    parameters: [],
    configurations: [{ index: 0, values: [], label: 'as written' }],
    situations: [{ index: 0, name: 'canary', group: 'canary', weight: 1, healthy: true, fault: null, onset: 0, mode: o.mode ?? 'fast', variant: {} }],
    objective: { minimise: 'detectionP95', subjectTo: {} },
    fingerprint: '',
    canaries: [canary],
  };
}

/** SweepRunner keeping the simulation of the run it last ran, to read the analysis' checks. */
class ObservingRunner extends SweepRunner {
  last: Simulation | null = null;

  override simulation(u: number, o: { latencySummaries?: boolean } = {}): Simulation {
    const sim = super.simulation(u, o);
    this.last = sim;
    return sim;
  }
}

/** Runs a power plan's runs one by one (a worker can run any subset) and summarises them. */
export class PowerMonteCarlo {
  readonly plan: SweepPlan;
  private readonly runner: ObservingRunner;
  /** Each stage's check count cap (as the analytic model distinguishes checks), when there is a schedule. */
  private readonly caps: number[];
  private readonly weights: number[];
  /** The traffic and the canary's error probability the runs simulate (as set, or as the scenario has them). */
  readonly rate: number;
  readonly errorProbability: number;

  constructor(readonly options: MonteCarloOptions) {
    this.plan = powerPlan(options);
    const { scenario, canary, deployAt } = this.plan;
    this.rate = routedRate(scenario.world, canaryStreams(scenario, canary), deployAt);
    const c = this.plan.canaries[0];
    const target = scenario.world.workloads.find((w) => w.name === c.target && w.namespace === c.namespace);
    const app = scenario.world.apps.find((a) => a.name === target?.app && a.namespace === c.namespace);
    this.errorProbability = (app?.canary.statusCodes ?? []).filter((x) => x.code >= 500).reduce((a, x) => a + x.probability, 0);
    this.runner = new ObservingRunner(this.plan);
    const model = powerModelOf(this.plan.canaries[0], { scrapeInterval: scenario.world.scrape.interval, replicas: scenario.world.traefik?.replicas ?? 1 });
    if ('error' in model) {
      this.caps = [];
      this.weights = [];
    } else {
      this.caps = checkSpans(model.schedule, model.observation).map((row) => row.length);
      this.weights = model.schedule.stages;
    }
  }

  /** Run r (0 … seeds − 1). */
  run(r: number): PowerRun {
    const { plan } = this;
    const record = this.runner.run(r);
    const sim = this.runner.last;
    const canary = sim?.canaryRecords.find((x) => `${x.namespace}/${x.canary}` === plan.canary);
    const detected = canary?.phases.find((x) => x.phase === 'Progressing')?.t ?? null;
    const decidedAt = record.decidedAfter === null ? null : plan.deployAt + record.decidedAfter;
    // Replay the analysis ticks: a tick whose checks all passed moves to the next stage, a failed one holds it.
    const checks: PowerRun['checks'] = [];
    let stage = 0;
    let nth = 0;
    const ticks = new Map<number, boolean>();
    for (const c of canary?.checks ?? []) ticks.set(c.t, (ticks.get(c.t) ?? true) && c.ok);
    for (const c of canary?.checks ?? []) {
      if (c.metric !== 'request-success-rate' || c.kind !== 'builtin') continue;
      const cap = this.caps[stage] ?? 1;
      checks.push({ stage, nth: Math.min(nth, cap - 1), failed: !c.ok });
      if (ticks.get(c.t)) {
        stage++;
        nth = 0;
      } else nth++;
    }
    const last = Math.max(0, Math.min(stage, this.weights.length - 1));
    return { seed: plan.seed + r, outcome: record.outcome, seconds: decidedAt === null || detected === null ? null : decidedAt - detected, stage: last, checks };
  }

  /** The estimates over some runs (normally all of them). */
  summarise(runs: readonly PowerRun[]): MonteCarloResult {
    const { plan } = this;
    const confidence = plan.confidence;
    const n = runs.length;
    const rolled = runs.filter((r) => r.outcome === 'rolled-back');
    const promoted = runs.filter((r) => r.outcome === 'promoted');
    const mean = (xs: readonly PowerRun[]) => (xs.length === 0 ? NaN : xs.reduce((a, r) => a + (r.seconds ?? 0), 0) / xs.length);
    const stages: StageEstimate[] = this.weights.map((weight, i) => {
      const cap = this.caps[i];
      const fails = new Array<number>(cap).fill(0);
      const runsOf = new Array<number>(cap).fill(0);
      let reached = 0;
      for (const r of runs) {
        let here = false;
        for (const c of r.checks) {
          if (c.stage !== i) continue;
          here = true;
          runsOf[c.nth]++;
          if (c.failed) fails[c.nth]++;
        }
        if (here) reached++;
      }
      return {
        weight,
        reached: wilson(reached, n, confidence),
        rollback: wilson(rolled.filter((r) => r.stage === i).length, n, confidence),
        checkFailure: fails.map((k, j) => wilson(k, runsOf[j], confidence)),
      };
    });
    return {
      runs: n,
      rate: this.rate,
      errorProbability: this.errorProbability,
      rollback: wilson(rolled.length, n, confidence),
      promotion: wilson(promoted.length, n, confidence),
      undecided: n - rolled.length - promoted.length,
      meanSeconds: mean([...rolled, ...promoted]),
      meanSecondsIfRolledBack: mean(rolled),
      meanSecondsIfPromoted: mean(promoted),
      stages,
    };
  }
}

/** Runs every seed of the experiment in this thread and summarises them. */
export function monteCarloPower(o: MonteCarloOptions): MonteCarloResult {
  const mc = new PowerMonteCarlo(o);
  const runs: PowerRun[] = [];
  for (let r = 0; r < o.seeds; r++) runs.push(mc.run(r));
  return mc.summarise(runs);
}
