import { useContext, useMemo, useState } from 'react';
import { StoreContext, useApp } from '../../app-context';
import { clock } from '../../format';
import type { GameDayPlan } from '../../../simulation/gameday/record';
import { Outcome } from '../Outcome';
import { ExerciseTimeline } from './ExerciseTimeline';
import { FaultPalette } from './FaultPalette';
import { GateCards } from './GateCards';
import { ScorePanel } from './ScorePanel';
import { buildExerciseRecord, exerciseFileName, exerciseJson, scenarioFiles } from './exercise';
import { exerciseTimeline } from './timeline';
import { useGameDayUi } from './ui';
import './gameday.css';

/**
 * Game day (docs/gameday.md): a facilitated live exercise on the open
 * scenario. The plan (objective, roles, hypothesis, blast radius, abort
 * trigger, what to observe); the facilitator's fault palette; the human gates
 * the team answers; the exercise on one time axis; and the export of the
 * exercise record for `gameday report`. The run plays with the transport in
 * the top bar (real time for a live exercise, faster to rehearse).
 */

const ROLE_LABEL: Record<GameDayPlan['participants'][number]['role'], string> = {
  facilitator: 'facilitator',
  'incident-commander': 'incident commander',
  operator: 'operator',
  observer: 'observer',
};

export function GameDayView() {
  const snapshot = useApp((s) => s.snapshot);
  const summary = useApp((s) => s.summary);
  const hasErrors = useApp((s) => s.diagnostics.some((d) => d.severity === 'error'));
  const plan = summary?.gameDay ?? null;
  const choice = useGameDayUi((s) => s.facilitator);
  const setFacilitator = useGameDayUi((s) => s.setFacilitator);
  const facilitator = choice ?? !(plan?.hideFaults ?? false);
  const showFaults = facilitator || !(plan?.hideFaults ?? false);
  const items = useMemo(() => (snapshot ? exerciseTimeline(snapshot, summary, { faults: showFaults }) : []), [snapshot, summary, showFaults]);

  if (!snapshot) {
    return (
      <section className="empty" data-testid="gameday-view">
        {hasErrors ? 'The scenario has errors: see the editor.' : 'Open a scenario from the library: a game day runs on it.'}
      </section>
    );
  }
  return (
    <section className="gd-view" data-testid="gameday-view">
      <div className="gd-bar">
        <h1>Game day</h1>
        <span className="muted small">Play with the transport above: 1× for a live exercise, faster to rehearse. Now {clock(snapshot.t)}.</span>
        <label className="gd-toggle" title="The facilitator's view shows the planned faults and the fault palette">
          <input type="checkbox" data-testid="facilitator-toggle" checked={facilitator} onChange={(e) => setFacilitator(e.target.checked)} />
          Facilitator view
        </label>
      </div>
      <div className={`gd-grid ${facilitator ? 'with-palette' : ''}`}>
        <div className="gd-area-plan">
          <Plan plan={plan} showFaults={showFaults} />
        </div>
        <div className="gd-area-side">
          <Outcome />
          {facilitator ? <FaultPalette /> : null}
        </div>
        <div className="gd-area-gates">
          <GateCards plan={plan} />
        </div>
        <div className="gd-area-timeline">
          <ExerciseTimeline items={items} showFaults={showFaults} summary={summary} />
        </div>
        <div className="gd-area-export">
          <ScorePanel />
          <ExportExercise />
        </div>
      </div>
    </section>
  );
}

function Plan({ plan, showFaults }: { plan: GameDayPlan | null; showFaults: boolean }) {
  if (!plan) {
    return (
      <section className="panel gd-plan" data-testid="plan">
        <h2>Plan</h2>
        <p className="muted">This scenario has no game-day plan (spec.gameDay: objective, participants, hypothesis, faults, blast radius, abort trigger, what to observe; see docs/gameday.md). Its human gates and the fault palette still work.</p>
      </section>
    );
  }
  return (
    <section className="panel gd-plan" data-testid="plan">
      <h2>Plan</h2>
      <p className="gd-objective" data-testid="plan-objective">
        {plan.objective}
      </p>
      <dl>
        <dt>Hypothesis</dt>
        <dd data-testid="plan-hypothesis">{plan.hypothesis || <span className="muted">none stated</span>}</dd>
        <dt>Roles</dt>
        <dd data-testid="plan-roles">
          {plan.participants.length === 0 ? (
            <span className="muted">no participants listed</span>
          ) : (
            <ul className="gd-roles">
              {plan.participants.map((p) => (
                <li key={p.name}>
                  <strong>{p.name}</strong> <span className="muted">{ROLE_LABEL[p.role]}</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Blast radius</dt>
        <dd data-testid="plan-blast-radius">{plan.blastRadius || <span className="muted">not stated</span>}</dd>
        <dt>Abort trigger</dt>
        <dd data-testid="plan-abort-trigger">{plan.abortTrigger || <span className="muted">not stated</span>}</dd>
        <dt>Observe</dt>
        <dd data-testid="plan-observe">
          {plan.observe.length === 0 ? (
            <span className="muted">nothing listed</span>
          ) : (
            <ul className="gd-chips">
              {plan.observe.map((o) => (
                <li key={o}>{o}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Faults</dt>
        <dd data-testid="plan-faults">
          {plan.faults.length === 0 ? (
            <span className="muted">none planned</span>
          ) : showFaults ? (
            <ul className="gd-chips faults">
              {plan.faults.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : (
            <span className="muted" data-testid="faults-hidden">
              {plan.faults.length} planned, hidden from the participants
            </span>
          )}
        </dd>
      </dl>
    </section>
  );
}

function ExportExercise() {
  const store = useContext(StoreContext);
  const host = useApp((s) => s.host);
  const file = useApp((s) => s.file);
  const snapshotT = useApp((s) => s.snapshot?.t ?? 0);
  const notes = useGameDayUi((s) => (file !== null ? (s.notes[file] ?? '') : ''));
  const setNotes = useGameDayUi((s) => s.setNotes);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  /** Exports the exercise record, or (with a format) its evidence package, rendered by the worker as `gameday report` does. */
  const exportNow = async (format: 'md' | 'html' | 'json' | null = null) => {
    // Read at the moment of export: the run keeps moving while the user types.
    const state = store?.getState();
    if (!state?.snapshot || file === null) return;
    const { snapshot, summary, text } = state;
    setBusy(true);
    try {
      const files = await scenarioFiles(file, text, async (p) => (await host.readScenario(p)).text);
      const record = buildExerciseRecord({ file, files, snapshot, plan: summary?.gameDay ?? null, remediation: notes, exportedAt: new Date().toISOString() });
      const what = `the exercise up to ${clock(record.duration)} (${record.actions.length} action${record.actions.length === 1 ? '' : 's'})`;
      if (format === null) {
        const where = await host.saveAs(exerciseJson(record), exerciseFileName(file, summary?.name ?? null));
        setStatus(where === null ? null : { ok: true, text: `Exported ${what} to ${where}.` });
        return;
      }
      const r = await host.session('evidence', { kind: 'evidence', record: JSON.parse(exerciseJson(record)) as Record<string, unknown>, format });
      if (r.kind !== 'evidence') throw new Error(r.kind === 'error' ? r.message : `unexpected reply ${r.kind}`);
      const name = exerciseFileName(file, summary?.name ?? null).replace(/\.exercise\.json$/, `.evidence.${format}`);
      const where = await host.saveAs(r.text, name);
      setStatus(where === null ? null : { ok: true, text: `Wrote the evidence package of ${what} to ${where}.` });
    } catch (e) {
      setStatus({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel gd-export" aria-label="export the exercise">
      <h2>Remediation and export</h2>
      <label className="gd-notes">
        <span className="muted small">Remediation notes and follow-ups (go out with the exported exercise)</span>
        <textarea data-testid="remediation" rows={3} value={notes} disabled={file === null} placeholder="What do we change? e.g. lower the success-rate floor's window to 30s; page on p99 at the promotion gate" onChange={(e) => file !== null && setNotes(file, e.target.value)} />
      </label>
      <div className="gd-export-row">
        <button data-testid="export-exercise" disabled={busy || file === null} onClick={() => void exportNow()}>
          Export exercise
        </button>
        <span className="gd-evidence" role="group" aria-label="evidence package">
          Evidence package:
          {(['html', 'md', 'json'] as const).map((f) => (
            <button key={f} data-testid={`export-evidence-${f}`} disabled={busy || file === null} onClick={() => void exportNow(f)} title={`The go/no-go evidence package as ${f === 'md' ? 'Markdown' : f.toUpperCase()}: decisions with their evidence, rollback conditions, SLO impact, the score, the action log`}>
              {f === 'md' ? 'Markdown' : f.toUpperCase()}
            </button>
          ))}
        </span>
        <span className="muted small">The run up to {clock(snapshotT)}: scenario files, seed, mode, every fault and decision, the plan and these notes; `gameday report` replays it.</span>
      </div>
      {status ? (
        <p className={`gd-note ${status.ok ? 'ok' : 'bad'}`} role={status.ok ? 'status' : 'alert'} data-testid="export-status">
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
