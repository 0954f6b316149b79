import { fastModeBlockers, type RunMode, type RunnableScenario, type RunResult, Simulation } from './simulation';

/** A scenario's `spec.expect`: what the rollout should come to. */
export interface Expectation {
  /** held: the rollout waits at a gate when the run ends (Waiting at confirm-rollout, WaitingPromotion at confirm-promotion). */
  outcome: 'promoted' | 'rolled-back' | 'held';
  /** Seconds; the decision must fall in [from, to]. */
  decidedBetween?: { from: number; to: number };
  /** The Canary metric whose failing checks decide a rollback. */
  decidedBy?: string;
  /** The share of seeds expected to agree (gameday check; not judged on one run). */
  seedsAgreeing: number;
  /** How many seeds gameday check runs (1 to seeds), and in which mode (default fast, or exact when fast cannot run it). */
  seeds?: number;
  mode?: RunMode;
}

export interface ExpectationResult {
  expected: Expectation;
  met: boolean;
  /** What differed, one sentence each. */
  mismatches: string[];
}

/**
 * Judges one run against the scenario's expected outcome: the outcome
 * itself, when it was decided, and (for a rollback) which metric's failing
 * checks decided it — the metric of the last failed check before it.
 */
export function checkExpectation(expected: Expectation, r: Pick<RunResult, 'outcome' | 'checks'>): ExpectationResult {
  const mismatches: string[] = [];
  const o = r.outcome;
  const actual = !o
    ? 'no rollout'
    : o.promoted
      ? 'promoted'
      : o.phase === 'Waiting' || o.phase === 'WaitingPromotion'
        ? 'held'
        : o.phase === 'Failed'
        ? o.reason.startsWith('Promotion of')
          ? 'a failed promotion (all traffic on the canary)'
          : 'rolled-back'
        : `undecided (${o.phase})`;
  if (actual !== expected.outcome) mismatches.push(`expected the canary to be ${expected.outcome}, but it was ${actual}${o ? `: ${o.reason}` : ''}`);
  const at = o?.decidedAt ?? null;
  if (expected.decidedBetween && actual === expected.outcome) {
    const { from, to } = expected.decidedBetween;
    if (at === null || at < from || at > to) mismatches.push(`expected the decision between ${from} s and ${to} s, but it came at ${at === null ? 'no time' : `${at} s`}`);
  }
  if (expected.decidedBy && actual === 'rolled-back' && at !== null) {
    const last = [...r.checks].reverse().find((c) => c.t < at && !c.ok);
    if (last?.metric !== expected.decidedBy) mismatches.push(`expected ${expected.decidedBy} to decide the rollback, but the last failed check was ${last ? last.metric : 'none'}`);
  }
  return { expected, met: mismatches.length === 0, mismatches };
}

/** A scenario's expectation judged over many seeds (`gameday check`, and CI over the library). */
export interface SeedsCheck {
  /** The scenario's own seed, in exact mode (as `gameday run --check` runs it). */
  defaultSeed: { seed: number; result: ExpectationResult };
  mode: RunMode;
  /** Why the seeds run in exact mode when fast was asked for (fast mode cannot run the scenario). */
  exactBecause: string | null;
  seeds: number;
  agreeing: number;
  /** The share required (spec.expect.seedsAgreeing). */
  required: number;
  /** The default seed met the expectation and enough seeds agreed. */
  met: boolean;
  /** Seeds whose run missed the expectation, with how. */
  disagreeing: Array<{ seed: number; mismatches: string[] }>;
}

/**
 * Runs the scenario's own seed (exact mode) and seeds 1…N (the expectation's
 * mode) and judges each run; `onSeed` reports progress. Deterministic: the
 * same scenario gives the same report.
 */
export function checkOverSeeds(
  scenario: RunnableScenario & { expect: Expectation },
  o: { seeds?: number; mode?: RunMode; onSeed?: (done: number, total: number) => void; onOwnRun?: (r: RunResult) => void } = {},
): SeedsCheck {
  const expect = scenario.expect;
  const own = new Simulation(scenario, { seed: scenario.seed, mode: 'exact' }).runToEnd();
  o.onOwnRun?.(own);
  const seeds = o.seeds ?? expect.seeds ?? 100;
  let mode: RunMode = o.mode ?? expect.mode ?? 'fast';
  let exactBecause: string | null = null;
  const blockers = mode === 'fast' ? fastModeBlockers(scenario) : [];
  if (blockers.length > 0) {
    mode = 'exact';
    exactBecause = blockers.join('; ');
  }
  const disagreeing: SeedsCheck['disagreeing'] = [];
  // The expectation judges Flagger alone, and shadow judges never act: the seeds' runs skip them.
  const flaggerOnly: RunnableScenario = { ...scenario, shadowJudges: undefined };
  for (let seed = 1; seed <= seeds; seed++) {
    const r = checkExpectation(expect, new Simulation(flaggerOnly, { seed, mode, latencySummaries: false }).runToEnd());
    if (!r.met) disagreeing.push({ seed, mismatches: r.mismatches });
    o.onSeed?.(seed, seeds);
  }
  const defaultSeed = { seed: scenario.seed, result: checkExpectation(expect, own) };
  const agreeing = seeds - disagreeing.length;
  return { defaultSeed, mode, exactBecause, seeds, agreeing, required: expect.seedsAgreeing, met: defaultSeed.result.met && agreeing >= Math.ceil(expect.seedsAgreeing * seeds - 1e-9), disagreeing };
}
