import type { CanaryEvent } from '../../simulation/rollout/types';
import type { ShadowVerdict } from '../../simulation/run/shadow';

/**
 * The decision log's entries: Flagger's events and, interleaved by time, the
 * shadow judges' verdicts that were reached (after Flagger's events of the
 * same instant, in the scenario's order of judges). Pure, for the tests.
 */

export type DecisionEntry = { kind: 'flagger'; t: number; index: number; event: CanaryEvent } | { kind: 'shadow'; t: number; verdict: ShadowVerdict };

export const SHADOW_JUDGE_TEXT: Record<ShadowVerdict['judge'], string> = { argo: 'Argo AnalysisRun', kayenta: 'Kayenta', consecutive: 'consecutive failed checks' };
export const SHADOW_VERDICT_TEXT: Record<ShadowVerdict['verdict'], string> = { promote: 'would promote', rollback: 'would roll back', inconclusive: 'inconclusive, would pause for a person', undecided: 'undecided' };

export function decisionEntries(events: readonly CanaryEvent[], shadow: readonly ShadowVerdict[]): DecisionEntry[] {
  const out: DecisionEntry[] = events.map((event, index) => ({ kind: 'flagger', t: event.t, index, event }));
  const reached = shadow.filter((v): v is ShadowVerdict & { at: number } => v.at !== null && v.verdict !== 'undecided');
  for (const verdict of reached) {
    // After every Flagger event at or before its time (a stable insertion keeps the judges' order).
    let i = out.length;
    while (i > 0 && out[i - 1].t > verdict.at) i--;
    out.splice(i, 0, { kind: 'shadow', t: verdict.at, verdict });
  }
  return out;
}
