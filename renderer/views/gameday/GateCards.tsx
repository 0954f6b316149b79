import { useMemo, useState } from 'react';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import type { GameDayPlan } from '../../../simulation/gameday/record';
import type { CanaryEvent, TickRecord } from '../../../simulation/rollout/types';
import type { DecisionAction, GateDecision } from '../../../simulation/run/gates';
import type { RunSnapshot } from '../../../simulation/run/session';
import { gateSentence, gateState, hookKindOf } from './gates';
import { webhookTypes } from './scenario-text';

/**
 * The human gates: for each, whether Flagger is waiting there now, the
 * latest decision, and the decision buttons (approve, hold, roll back), each
 * needing who decides and a short justification. Below, the team's decisions
 * in order.
 */

const NO_GATES: RunSnapshot['humanGates'] = [];
const NO_EVENTS: CanaryEvent[] = [];
const NO_TIMELINE: TickRecord[] = [];
const NO_ACTIONS: RunSnapshot['actions'] = [];

const DECISIONS: ReadonlyArray<{ decision: GateDecision; label: string; testKey: string }> = [
  { decision: 'approve', label: 'Approve', testKey: 'approve' },
  { decision: 'hold', label: 'Hold', testKey: 'hold' },
  { decision: 'rollback', label: 'Roll back', testKey: 'rollback' },
];

export function decisionLabel(d: GateDecision): string {
  return d === 'rollback' ? 'roll back' : d;
}

export function GateCards({ plan }: { plan: GameDayPlan | null }) {
  const gates = useApp((s) => s.snapshot?.humanGates ?? NO_GATES);
  const events = useApp((s) => s.snapshot?.result.events ?? NO_EVENTS);
  const timeline = useApp((s) => s.snapshot?.result.timeline ?? NO_TIMELINE);
  const actions = useApp((s) => s.snapshot?.actions ?? NO_ACTIONS);
  const text = useApp((s) => s.text);
  const types = useMemo(() => webhookTypes(text), [text]);
  const phase = timeline.at(-1)?.phase ?? null;
  const decisions = actions.filter((a): a is DecisionAction => a.action === 'decide');
  return (
    <section className="panel gd-gates" aria-label="human gates">
      <h2>Human gates</h2>
      {gates.length === 0 ? (
        <p className="muted">This scenario binds no Canary webhook to the team (spec.webhooks[].human: true): Flagger decides alone.</p>
      ) : (
        <div className="gd-gate-row">
          {gates.map((g) => (
            <GateCard key={g.hook} hook={g.hook} latest={g.decision} state={gateState(g.hook, events, hookKindOf(types[g.hook]), phase)} plan={plan} />
          ))}
        </div>
      )}
      <h3 className="gd-sub">Team decisions</h3>
      {decisions.length === 0 ? (
        <p className="muted small">No decision yet.</p>
      ) : (
        <ol className="gd-decisions" data-testid="team-decisions">
          {decisions.map((d, i) => (
            <li key={i} className={`gd-decision-${d.decision}`} data-testid="team-decision">
              <span className="gd-t">{clock(d.t)}</span> <strong>{d.by}</strong>: {decisionLabel(d.decision)} at {d.hook} <span className="gd-why">— {d.justification}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function defaultDecider(plan: GameDayPlan | null): string {
  const p = plan?.participants ?? [];
  return (p.find((x) => x.role === 'incident-commander') ?? p.find((x) => x.role !== 'observer') ?? p[0])?.name ?? '';
}

function GateCard({ hook, latest, state, plan }: { hook: string; latest: DecisionAction | null; state: ReturnType<typeof gateState>; plan: GameDayPlan | null }) {
  const decide = useApp((s) => s.decide);
  const [by, setBy] = useState(() => defaultDecider(plan));
  const [why, setWhy] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const participants = plan?.participants ?? [];

  const submit = async (decision: GateDecision) => {
    if (by.trim() === '') {
      setError('Say who decides.');
      return;
    }
    if (why.trim() === '') {
      setError('A decision needs a justification: say in a few words why.');
      return;
    }
    setBusy(true);
    try {
      const refused = await decide(hook, decision, by, why);
      setError(refused);
      if (!refused) setWhy('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className={`gd-gate ${state.waiting ? 'waiting' : ''}`} data-testid={`gate-${hook}`} data-waiting={state.waiting ? 'true' : 'false'}>
      <header>
        <strong>{hook}</strong> {state.kind ? <span className="gd-tag">{state.kind}</span> : null}
        {state.waiting ? <span className="gd-waiting">waiting</span> : null}
      </header>
      <p className="gd-gate-status" data-testid={`gate-status-${hook}`}>
        {gateSentence(state, clock)}
      </p>
      <p className="gd-latest" data-testid={`gate-decision-${hook}`}>
        {latest ? (
          <>
            Latest: <strong className={`gd-d-${latest.decision}`}>{decisionLabel(latest.decision)}</strong> by {latest.by} at {clock(latest.t)} — {latest.justification}
          </>
        ) : (
          <span className="muted">No decision yet{state.kind !== 'rollback' ? ': Flagger is held here until someone approves' : ''}.</span>
        )}
      </p>
      <div className="gd-decide">
        <label>
          who
          {participants.length > 0 ? (
            <select data-testid={`by-${hook}`} value={by} onChange={(e) => setBy(e.target.value)}>
              {participants.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.role.replace('-', ' ')})
                </option>
              ))}
            </select>
          ) : (
            <input data-testid={`by-${hook}`} value={by} placeholder="name or role" onChange={(e) => setBy(e.target.value)} />
          )}
        </label>
        <label className="gd-why-field">
          why
          <input
            data-testid={`justification-${hook}`}
            value={why}
            maxLength={280}
            placeholder="a short justification (required)"
            onChange={(e) => {
              setWhy(e.target.value);
              if (error) setError(null);
            }}
          />
        </label>
      </div>
      {state.kind === 'rollback' ? <p className="muted small gd-hint">Only "roll back" acts here (on any gate, it makes this hook signal the rollback); approve and hold are recorded.</p> : null}
      <div className="gd-buttons">
        {DECISIONS.map((d) => (
          <button key={d.decision} className={`gd-btn-${d.decision}`} data-testid={`decide-${hook}-${d.testKey}`} disabled={busy} onClick={() => void submit(d.decision)}>
            {d.label}
          </button>
        ))}
      </div>
      {error ? (
        <p className="gd-note bad" role="alert" data-testid={`refusal-${hook}`}>
          {error}
        </p>
      ) : null}
    </article>
  );
}
