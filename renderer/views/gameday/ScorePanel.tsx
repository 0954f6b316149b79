import { useContext, useState } from 'react';
import { StoreContext, useApp } from '../../app-context';
import { clock } from '../../format';
import type { ReportScore } from '../../../simulation/gameday/report';
import { buildExerciseRecord, exerciseJson, scenarioFiles } from './exercise';

const dur = (t: number | null) => (t === null ? '—' : clock(t));

/**
 * The exercise scored against ground truth (was the canary actually bad, and
 * from when): time to detect and to mitigate, blast radius, budget burned,
 * each gate decision judged, next to what Flagger alone would have done with
 * the same faults. Computed by the worker from the exercise so far, as the
 * evidence package computes it.
 */
export function ScorePanel() {
  const store = useContext(StoreContext);
  const host = useApp((s) => s.host);
  const file = useApp((s) => s.file);
  const [score, setScore] = useState<{ at: number; score: ReportScore } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    const state = store?.getState();
    if (!state?.snapshot || file === null) return;
    setBusy(true);
    setError(null);
    try {
      const files = await scenarioFiles(file, state.text, async (p) => (await host.readScenario(p)).text);
      const record = buildExerciseRecord({ file, files, snapshot: state.snapshot, plan: state.summary?.gameDay ?? null, remediation: '', exportedAt: null });
      const r = await host.session('evidence', { kind: 'score', record: JSON.parse(exerciseJson(record)) as Record<string, unknown> });
      if (r.kind !== 'score') throw new Error(r.kind === 'error' ? r.message : `unexpected reply ${r.kind}`);
      setScore({ at: record.duration, score: r.score });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const s = score?.score;
  return (
    <section className="panel gd-score" data-testid="score" aria-label="score">
      <h2>Score</h2>
      <button data-testid="score-run" disabled={busy || file === null} onClick={() => void run()}>
        {busy ? 'Scoring…' : score ? 'Score again' : 'Score the exercise so far'}
      </button>
      {error ? (
        <p className="bad small" role="alert">
          {error}
        </p>
      ) : null}
      {s && score ? (
        <>
          <p data-testid="score-truth">
            Up to {clock(score.at)}: the canary {s.bad ? <strong className="bad">was bad from {dur(s.badFrom)}</strong> : <strong className="ok">was healthy</strong>}.
          </p>
          <table className="gd-score-table">
            <thead>
              <tr>
                <th />
                <th>the team</th>
                <th>Flagger alone</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th>time to detect</th>
                <td data-testid="score-detect">{dur(s.timeToDetect)}</td>
                <td>{dur(s.automatic?.timeToDetect ?? null)}</td>
              </tr>
              <tr>
                <th>time to mitigate</th>
                <td data-testid="score-mitigate">{dur(s.timeToMitigate)}</td>
                <td>{dur(s.automatic?.timeToMitigate ?? null)}</td>
              </tr>
              <tr>
                <th>requests served by the bad canary</th>
                <td data-testid="score-blast">{Math.round(s.blastRadius)}</td>
                <td>{s.automatic ? Math.round(s.automatic.blastRadius) : '—'}</td>
              </tr>
              <tr>
                <th>error budget burned</th>
                <td>{(s.budgetBurned * 100).toFixed(3)}%</td>
                <td />
              </tr>
            </tbody>
          </table>
          {s.decisions.length > 0 ? (
            <ul className="gd-score-decisions">
              {s.decisions.map((d, i) => (
                <li key={i} className={d.correct ? 'ok' : 'bad'} data-testid="score-decision" data-correct={d.correct}>
                  {clock(d.t)} {d.by}: {d.decision} at {d.hook} — {d.correct ? 'correct' : 'incorrect'}: {d.why}
                </li>
              ))}
            </ul>
          ) : null}
          {(s.summary ?? []).map((line, i) => (
            <p key={i} className="muted small">
              {line}
            </p>
          ))}
        </>
      ) : null}
    </section>
  );
}
