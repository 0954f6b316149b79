/**
 * A shadow judge: Flagger's threshold, counted consecutively. Flagger counts
 * failed checks cumulatively over an analysis (`status.failedChecks` is
 * reset only when an analysis starts or restarts, never by a passing check)
 * and rolls back once the count reaches `analysis.threshold` (flagger.md §4
 * step 19, §12.3–12.4). The variant users ask for rolls back only after
 * `threshold` failed checks in a row: a passing check starts the count
 * again. (Argo Rollouts has the same request open for its analysis,
 * argoproj/argo-rollouts#4792, "ConsecutiveFailureLimit".)
 *
 * The judge reads what Flagger computed — the tick records and metric
 * checks of a run ({@link FlaggerRunRecord}) — and changes nothing: it says
 * when the variant would have rolled back, alongside what Flagger did.
 *
 * Which ticks are checks:
 * - a **failed check** is a tick of an analysis in which Flagger's
 *   `failedChecks` went up by one (a metric check failed or had no data, a
 *   rollout or pre-rollout webhook failed);
 * - a **passing check** is a tick of an analysis whose metric checks all
 *   passed (Flagger ran at least one, and `failedChecks` did not move);
 * - every other tick (waiting for readiness, a closed gate, promotion, …)
 *   neither fails nor resets the count, for Flagger and for the variant.
 *
 * Timing: Flagger checks the threshold at the start of a tick, so it rolls
 * back on the first check tick after the one that reached the threshold.
 * The variant keeps that timing. Since a run of consecutive failures never
 * exceeds the cumulative count, the variant rolls back only where Flagger
 * rolls back too, at the same tick; when Flagger rolls back and the variant
 * would not have, what the variant would have done next is not observed
 * (Flagger's rollback ended the analysis the judge reads).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { CanaryEvent, MetricCheck, Phase, TickRecord } from '../rollout/types';
import { clock } from '../util/time';

/** The parts of a run's Flagger record the judge reads (`CanaryRecord` and `RunResult` both have them). */
export interface FlaggerRunRecord {
  timeline: readonly TickRecord[];
  checks: readonly MetricCheck[];
  /** Flagger's events: name the failed check and the rollback's reason (optional). */
  events?: readonly CanaryEvent[];
}

/** One check of an analysis, as Flagger computed it. */
export interface CheckOutcome {
  /** Simulated seconds of the tick. */
  t: number;
  /** Which analysis of the run (0-based: a new revision or a restart begins the next). */
  analysis: number;
  result: 'failed' | 'passed';
  /** Flagger's cumulative `failedChecks` after the tick. */
  cumulative: number;
  /** What failed or passed, in Flagger's words where it gave some. */
  detail: string;
}

const ANALYSING: ReadonlySet<Phase> = new Set(['Progressing', 'WaitingPromotion']);

/** The checks of a run, tick by tick, from Flagger's records. */
export function checkOutcomes(record: FlaggerRunRecord): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  let prev: { phase: Phase; failedChecks: number } = { phase: 'Initialized', failedChecks: 0 };
  let analysis = -1;
  let ci = 0;
  const checks = record.checks;
  for (const r of record.timeline) {
    while (ci < checks.length && checks[ci].t < r.t) ci++;
    const at: MetricCheck[] = [];
    for (let k = ci; k < checks.length && checks[k].t === r.t; k++) at.push(checks[k]);
    const analysing = ANALYSING.has(prev.phase);
    // A new analysis: entering Progressing from outside one, or Flagger zeroing the count on a restart.
    if (ANALYSING.has(r.phase) && (!analysing || r.failedChecks < prev.failedChecks)) analysis++;
    if (analysing && ANALYSING.has(r.phase) && r.failedChecks >= prev.failedChecks) {
      if (r.failedChecks === prev.failedChecks + 1) {
        out.push({ t: r.t, analysis, result: 'failed', cumulative: r.failedChecks, detail: failureDetail(at, record.events, r.t) });
      } else if (r.failedChecks === prev.failedChecks && at.length > 0 && at.every((c) => c.ok)) {
        out.push({ t: r.t, analysis, result: 'passed', cumulative: r.failedChecks, detail: at.map((c) => `${c.metric} ${c.value}`).join(', ') });
      }
    }
    prev = r;
  }
  return out;
}

function failureDetail(at: readonly MetricCheck[], events: readonly CanaryEvent[] | undefined, t: number): string {
  const halt = events?.find((e) => e.t === t && e.message.startsWith('Halt '));
  if (halt) return halt.message;
  const c = at.find((x) => !x.ok);
  if (c) return c.error ? `${c.metric}: ${c.error}` : `${c.metric} ${c.value} outside [${c.min ?? '-∞'}, ${c.max ?? '∞'}]`;
  return 'a failed check (webhook or metric)';
}

/** How one analysis ended for Flagger. */
export interface FlaggerDecision {
  /** 'threshold': failed checks reached the threshold; 'other': a manual rollback hook, a readiness failure, a failed promotion. */
  rolledBack: 'threshold' | 'other' | null;
  /** Simulated second of the rollback (phase Failed), or of the promotion decision (Promoting / Succeeded); null: undecided. */
  t: number | null;
  promoted: boolean;
  /** Flagger's words. */
  reason: string;
  /** failedChecks when it decided (before a rollback zeroes it). */
  failedChecks: number;
}

/** One analysis judged both ways. */
export interface AnalysisJudgement {
  analysis: number;
  checks: Array<CheckOutcome & { streak: number }>;
  /** The longest run of consecutive failed checks. */
  longestStreak: number;
  flagger: FlaggerDecision;
  /** When the consecutive variant would have rolled back; null when it would not have (as far as observed). */
  variant: { t: number | null; reachedAt: number; streak: number } | null;
  /**
   * `both-rolled-back`: the failures were consecutive enough for the variant too; `flagger-only`: Flagger rolled
   * back on cumulative failures the variant forgives; `same-other-rollback`: Flagger rolled back for another reason,
   * which the variant keeps; `both-due`: both counts reached the threshold but the run ended before Flagger's next
   * check; `neither`: Flagger did not roll back (promoted or undecided), nor would the variant.
   */
  verdict: 'both-rolled-back' | 'flagger-only' | 'same-other-rollback' | 'both-due' | 'neither';
  explanation: string;
}

export interface ConsecutiveJudgement {
  threshold: number;
  analyses: AnalysisJudgement[];
  /** The first analysis where the two rules disagree, else the last analysis; null without any analysis. */
  headline: AnalysisJudgement | null;
  summary: string;
}

/**
 * Judges a run's analyses with the consecutive rule at `threshold` (Flagger's `analysis.threshold`: ≤ 0 counts as
 * 1, as Flagger reads it), next to Flagger's cumulative rule.
 */
export function judgeConsecutive(record: FlaggerRunRecord, threshold: number): ConsecutiveJudgement {
  const n = threshold > 0 ? Math.floor(threshold) : 1;
  const outcomes = checkOutcomes(record);
  const count = outcomes.reduce((m, o) => Math.max(m, o.analysis + 1), analysesIn(record.timeline));
  const analyses: AnalysisJudgement[] = [];
  for (let a = 0; a < count; a++) analyses.push(judgeAnalysis(record, outcomes.filter((o) => o.analysis === a), a, n));
  const headline = analyses.find((x) => x.verdict === 'flagger-only') ?? analyses.at(-1) ?? null;
  const summary = headline ? headline.explanation : 'no analysis ran: Flagger never started one, so neither rule had checks to count';
  return { threshold: n, analyses, headline, summary };
}

function analysesIn(timeline: readonly TickRecord[]): number {
  let prev: TickRecord | null = null;
  let n = 0;
  for (const r of timeline) {
    const wasAnalysing = prev !== null && ANALYSING.has(prev.phase);
    if (ANALYSING.has(r.phase) && (!wasAnalysing || r.failedChecks < (prev as TickRecord).failedChecks)) n++;
    prev = r;
  }
  return n;
}

/** The ticks of analysis `a`, the tick that ended it (left the analysing phases), or the tick a restart began the next. */
function analysisTicks(timeline: readonly TickRecord[], a: number): { ticks: TickRecord[]; end: TickRecord | null; restartedAt: number | null } {
  let prev: TickRecord | null = null;
  let idx = -1;
  const ticks: TickRecord[] = [];
  for (const r of timeline) {
    const wasAnalysing = prev !== null && ANALYSING.has(prev.phase);
    const starts = ANALYSING.has(r.phase) && (!wasAnalysing || r.failedChecks < (prev as TickRecord).failedChecks);
    if (starts) idx++;
    if (idx > a) return { ticks, end: null, restartedAt: wasAnalysing ? r.t : null };
    if (idx === a) {
      if (ANALYSING.has(r.phase)) ticks.push(r);
      else if (wasAnalysing) return { ticks, end: r, restartedAt: null };
    }
    prev = r;
  }
  return { ticks, end: null, restartedAt: null };
}

function judgeAnalysis(record: FlaggerRunRecord, outcomes: CheckOutcome[], a: number, threshold: number): AnalysisJudgement {
  const { ticks, end, restartedAt } = analysisTicks(record.timeline, a);
  let streak = 0;
  let longest = 0;
  let reached: { t: number; streak: number } | null = null;
  const checks = outcomes.map((o) => {
    streak = o.result === 'failed' ? streak + 1 : 0;
    longest = Math.max(longest, streak);
    if (reached === null && streak >= threshold) reached = { t: o.t, streak };
    return { ...o, streak };
  });
  const flagger: FlaggerDecision =
    restartedAt !== null
      ? { rolledBack: null, t: restartedAt, promoted: false, reason: 'a new revision restarted the analysis', failedChecks: ticks.at(-1)?.failedChecks ?? 0 }
      : flaggerDecision(record, ticks, end, threshold);
  const cumulativeReached = outcomes.find((o) => o.cumulative >= threshold) ?? null;
  const r = reached as { t: number; streak: number } | null;
  // The variant rolls back where Flagger's threshold check next runs: Flagger's own rollback tick, when it rolled back
  // on the threshold (the cumulative count is at least the streak, so it had reached the threshold too).
  const variant = r ? { t: flagger.rolledBack === 'threshold' && flagger.t !== null && flagger.t > r.t ? flagger.t : null, reachedAt: r.t, streak: r.streak } : null;
  let verdict: AnalysisJudgement['verdict'];
  let explanation: string;
  if (flagger.rolledBack === 'threshold') {
    if (variant) {
      verdict = 'both-rolled-back';
      explanation = `both roll back at ${clock(flagger.t as number)}: ${variant.streak} failed checks in a row by ${clock(variant.reachedAt)} reached the threshold of ${threshold}`;
    } else {
      verdict = 'flagger-only';
      const at = cumulativeReached ? ` (the cumulative count reached ${threshold} at ${clock(cumulativeReached.t)})` : '';
      explanation = `Flagger rolls back at ${clock(flagger.t as number)} after ${flagger.failedChecks} failed checks in all${at}; the consecutive rule would not have: the longest run of failed checks in a row was ${longest}, below ${threshold}, because passing checks came between them. What it would have done after ${clock(flagger.t as number)} is not observed: Flagger's rollback ended the analysis`;
    }
  } else if (flagger.rolledBack === 'other') {
    verdict = 'same-other-rollback';
    explanation = `Flagger rolls back at ${clock(flagger.t as number)} for a reason other than the threshold (${flagger.reason}); the consecutive rule changes only the threshold, so it rolls back there too`;
  } else if (r) {
    verdict = 'both-due';
    explanation = `${r.streak} failed checks in a row by ${clock(r.t)} reached the threshold of ${threshold}: both rules roll back at Flagger's next check, after the run ended`;
  } else if (cumulativeReached && flagger.t === null) {
    verdict = 'flagger-only';
    explanation = `Flagger's count reached the threshold of ${threshold} at ${clock(cumulativeReached.t)}: it rolls back at its next check, after the run ended; the consecutive rule would not (longest run of failed checks in a row: ${longest})`;
  } else {
    verdict = 'neither';
    const what = flagger.promoted ? `Flagger promotes at ${clock(flagger.t as number)}` : flagger.t !== null ? `the analysis ends at ${clock(flagger.t)} (${flagger.reason})` : `the analysis is still running when the run ends`;
    explanation = `${what} with ${flagger.failedChecks} failed check${flagger.failedChecks === 1 ? '' : 's'} in all, below the threshold of ${threshold}; the consecutive rule (longest run ${longest}) does not roll back either`;
  }
  return { analysis: a, checks, longestStreak: longest, flagger, variant, verdict, explanation };
}

function flaggerDecision(record: FlaggerRunRecord, ticks: readonly TickRecord[], end: TickRecord | null, threshold: number): FlaggerDecision {
  const last = ticks.at(-1);
  const failedChecks = last?.failedChecks ?? 0;
  const eventsAt = (t: number) => (record.events ?? []).filter((e) => e.t === t);
  const promoting = ticks.find((x) => x.phase === 'Promoting');
  if (end && end.phase === 'Failed') {
    const texts = eventsAt(end.t).map((e) => e.message);
    const rollingBack = texts.find((m) => /^(Rolling back|Promotion of|Canary failed!)/.test(m)) ?? texts.find((m) => m !== '') ?? 'Canary failed';
    // Without events, the threshold is the reason when the count had reached it (Flagger checks it first).
    const byThreshold = texts.length > 0 ? texts.some((m) => m.includes('failed checks threshold reached')) : failedChecks >= threshold;
    return { rolledBack: byThreshold ? 'threshold' : 'other', t: end.t, promoted: false, reason: rollingBack, failedChecks };
  }
  if (end && (end.phase === 'Promoting' || end.phase === 'Succeeded')) {
    return { rolledBack: null, t: end.t, promoted: true, reason: eventsAt(end.t).map((e) => e.message).find((m) => m.startsWith('Copying') || m.startsWith('Promotion')) ?? 'promoted', failedChecks };
  }
  if (promoting) return { rolledBack: null, t: promoting.t, promoted: true, reason: 'promoted', failedChecks };
  if (end) return { rolledBack: null, t: end.t, promoted: false, reason: `the analysis ended in ${end.phase}`, failedChecks };
  return { rolledBack: null, t: null, promoted: false, reason: 'still analysing when the run ended', failedChecks };
}
