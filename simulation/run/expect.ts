import type { RunResult } from './simulation';

/** A scenario's `spec.expect`: what the rollout should come to. */
export interface Expectation {
  /** held: the rollout waits at a gate when the run ends (Waiting at confirm-rollout, WaitingPromotion at confirm-promotion). */
  outcome: 'promoted' | 'rolled-back' | 'held';
  /** Seconds; the decision must fall in [from, to]. */
  decidedBetween?: { from: number; to: number };
  /** The Canary metric whose failing checks decide a rollback. */
  decidedBy?: string;
  /** The share of seeds expected to agree (for sweeps; not judged on one run). */
  seedsAgreeing: number;
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
