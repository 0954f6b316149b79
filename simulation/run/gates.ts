import type { WebhookSpec } from '../rollout/types';

/**
 * Human gates (game-day mode): a Canary webhook bound to the participants
 * (`spec.webhooks[].human: true`) answers with the decision they took in the
 * app instead of a scripted answer. Decisions are actions of the run's action
 * log, so replaying scenario, seed and log reproduces the exercise.
 *
 * How a human-bound hook answers Flagger:
 * - a gate (`confirm-rollout`, `confirm-traffic-increase`,
 *   `confirm-promotion`) answers 200 while its latest decision is `approve`,
 *   else 403 with the decision and its justification (no decision yet:
 *   "waiting for a decision") — Flagger holds the canary there;
 * - a `rollback` hook answers 200 once any human gate's latest decision is
 *   `rollback` (the team pulled the plug), else 403;
 * - other types (pre-rollout, rollout, post-rollout) answer 200 unless a
 *   decision on them says `hold` or `rollback`.
 */

export type GateDecision = 'approve' | 'hold' | 'rollback';

/** One decision of the participants: an action of the run's log. */
export interface DecisionAction {
  t: number;
  action: 'decide';
  /** The webhook's name in the Canary's analysis. */
  hook: string;
  decision: GateDecision;
  /** Who decided (a participant or a role). */
  by: string;
  /** Why, in the decider's words (required). */
  justification: string;
}

export const GATE_DECISIONS: readonly GateDecision[] = ['approve', 'hold', 'rollback'];

export class HumanGates {
  private readonly latest = new Map<string, DecisionAction>();
  private rolledBack: DecisionAction | null = null;

  /** Records a decision (validated by the caller). */
  decide(d: DecisionAction): void {
    this.latest.set(d.hook, d);
    if (d.decision === 'rollback' && this.rolledBack === null) this.rolledBack = d;
  }

  /** The latest decision on a hook, if any. */
  decisionOn(hook: string): DecisionAction | null {
    return this.latest.get(hook) ?? null;
  }

  /** How the human-bound hook answers now. */
  answer(hook: Pick<WebhookSpec, 'name' | 'type'>): { status: number; body: string } {
    const d = this.latest.get(hook.name) ?? null;
    const why = (x: DecisionAction) => `${x.decision} by ${x.by}: ${x.justification}`;
    if (hook.type === 'rollback') {
      return this.rolledBack ? { status: 200, body: why(this.rolledBack) } : { status: 403, body: 'no rollback decided' };
    }
    if (hook.type === 'confirm-rollout' || hook.type === 'confirm-traffic-increase' || hook.type === 'confirm-promotion') {
      if (d?.decision === 'approve') return { status: 200, body: why(d) };
      return { status: 403, body: d ? why(d) : 'waiting for a decision' };
    }
    return d && d.decision !== 'approve' ? { status: 403, body: why(d) } : { status: 200, body: d ? why(d) : '' };
  }
}
