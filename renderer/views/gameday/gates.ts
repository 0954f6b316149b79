import type { CanaryEvent, Phase } from '../../../simulation/rollout/types';

/**
 * Where Flagger stands at a human gate, read from its events (as a person
 * reads `kubectl describe canary`): a gate hook (confirm-rollout,
 * confirm-traffic-increase, confirm-promotion) is waiting from Flagger's
 * "Halt … advancement waiting for … approval <hook>" until the analysis moves
 * on (the gate's check passed, the canary advanced, was promoted or rolled
 * back, or a new revision restarted it); a rollback hook is asked every
 * analysis and either signals the rollback or not.
 */

export type HookKind = 'confirm-rollout' | 'confirm-traffic-increase' | 'confirm-promotion' | 'rollback' | 'other';

export interface GateState {
  hook: string;
  /** The hook's type: declared in the Canary, else as Flagger's events show it; null while unknown. */
  kind: HookKind | null;
  /** Flagger is waiting at this gate now. */
  waiting: boolean;
  /** Since when (the start of the current wait); null when not waiting. */
  since: number | null;
  /** The last time the gate's check passed (or, for a rollback hook, signalled the rollback); null: never. */
  passedAt: number | null;
}

const WAIT = /^Halt \S+ advancement waiting for (promotion approval|traffic increase approval|approval) (\S+)$/;
const PASSED = /^(Confirm-rollout|Confirm-traffic-increase|Confirm-promotion|Rollback) check (\S+) passed$/;
const ROLLBACK_POLL = /^Rollback hook (\S+) not signaling a rollback$/;

const WAIT_KIND: Record<string, HookKind> = {
  'promotion approval': 'confirm-promotion',
  'traffic increase approval': 'confirm-traffic-increase',
  approval: 'confirm-rollout',
};
const PASS_KIND: Record<string, HookKind> = {
  'Confirm-rollout': 'confirm-rollout',
  'Confirm-traffic-increase': 'confirm-traffic-increase',
  'Confirm-promotion': 'confirm-promotion',
  Rollback: 'rollback',
};

/** Decisions of Flagger after which it no longer waits at a gate it was waiting at. */
const MOVES_ON = new Set(['detect', 'restart', 'start', 'advance', 'iterate', 'shift', 'promote', 'succeed', 'rollback', 'promotion-failed']);

/** What kind of decision an event is (the simulation's explanation; a few prefixes when it has none). */
export function eventKind(e: CanaryEvent): string {
  if (e.explanation) return e.explanation.decision;
  const m = e.message;
  if (WAIT.test(m)) return 'wait';
  if (m.startsWith('Rolling back') || m.startsWith('Canary failed!')) return 'rollback';
  if (m.startsWith('Promotion completed!')) return 'succeed';
  if (m.startsWith('Copying ')) return 'promote';
  if (m.startsWith('Advance ')) return 'advance';
  if (m.startsWith('Starting canary analysis')) return 'start';
  if (m.startsWith('New revision detected!')) return 'detect';
  if (m.startsWith('Halt ')) return 'halt';
  return 'info';
}

/** A Canary webhook type as a gate kind. */
export function hookKindOf(type: string | undefined): HookKind | null {
  if (type === undefined) return null;
  return type === 'confirm-rollout' || type === 'confirm-traffic-increase' || type === 'confirm-promotion' || type === 'rollback' ? type : 'other';
}

/** Phases in which the analysis is over: no gate is waiting then. */
const SETTLED: readonly Phase[] = ['Succeeded', 'Failed', 'Promoting', 'Finalising', 'Initialized'];

/**
 * The state of gate `hook` after `events` (Flagger's events so far, in order). `declared`: the hook's type as the
 * Canary declares it (when known); `phase`: the Canary's latest phase, a cross-check (a settled analysis waits
 * nowhere).
 */
export function gateState(hook: string, events: readonly CanaryEvent[], declared: HookKind | null = null, phase: Phase | null = null): GateState {
  let kind: HookKind | null = declared;
  let waiting = false;
  let since: number | null = null;
  let passedAt: number | null = null;
  for (const e of events) {
    const w = WAIT.exec(e.message);
    if (w) {
      if (w[2] === hook) {
        kind ??= WAIT_KIND[w[1]];
        if (!waiting) since = e.t;
        waiting = true;
      }
      continue;
    }
    const p = PASSED.exec(e.message);
    if (p) {
      if (p[2] === hook) {
        kind ??= PASS_KIND[p[1]];
        passedAt = e.t;
        waiting = false;
        since = null;
      }
      continue;
    }
    const r = ROLLBACK_POLL.exec(e.message);
    if (r) {
      if (r[1] === hook) kind ??= 'rollback';
      continue;
    }
    if (waiting && MOVES_ON.has(eventKind(e))) {
      waiting = false;
      since = null;
    }
  }
  if (waiting && phase !== null && SETTLED.includes(phase)) {
    waiting = false;
    since = null;
  }
  return { hook, kind, waiting, since, passedAt };
}

/** The gate's state in a sentence. */
export function gateSentence(g: GateState, clock: (t: number) => string): string {
  if (g.waiting) return `Flagger is waiting at this gate (since ${clock(g.since ?? 0)}): it goes on only when the team approves.`;
  if (g.kind === 'rollback') {
    return g.passedAt !== null
      ? `The rollback was signalled at ${clock(g.passedAt)}.`
      : 'Flagger asks this hook at every analysis: a "roll back" decision on any gate makes it signal the rollback.';
  }
  if (g.passedAt !== null) return `Not waiting: the gate passed at ${clock(g.passedAt)}.`;
  return 'Flagger is not waiting here now.';
}
