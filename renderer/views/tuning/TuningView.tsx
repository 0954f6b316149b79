import { useEffect, useRef, useState } from 'react';
import { formatDiagnostic } from '../../../simulation/scenario/diagnostics';
import { formatEta } from '../../../simulation/sweep/execute';
import { sweepInfo } from '../../../simulation/sweep/builder';
import { useApp } from '../../app-context';
import { ApplyPanel } from './ApplyPanel';
import { DrillDown } from './DrillDown';
import { PowerPanel } from './PowerPanel';
import { ResultsTable } from './ResultsTable';
import { Scatter } from './Scatter';
import { SweepBuilder } from './SweepBuilder';
import '../analysis/analysis.css';
import './tuning.css';
import { YamlFileInput } from '../YamlFileInput';
import { judgeIndex, judgeView } from './results';

/**
 * The tuning lab (docs/app.md, docs/tuning.md): choose a sweep (bundled, a
 * file, or built here for the open scenario), edit its YAML, run it on every
 * core with progress and an ETA (cancellable), then read the trade-off: the
 * scatter and frontier, the table, the recommendation with its reason; drill
 * into a configuration's situations and example runs, and apply it to the
 * Canary's YAML with a diff. With shadow judges in the scenario, a selector
 * shows a judge's measures on the same runs in the scatter and the table
 * instead of Flagger's. Below, the power panel: how far the Canary's
 * analysis (the scenario's, or the selected configuration's) can be trusted
 * at a traffic level.
 */
export function TuningView() {
  const tuning = useApp((s) => s.tuning);
  const host = useApp((s) => s.host);
  const file = useApp((s) => s.file);
  const dirty = useApp((s) => s.text !== s.savedText);
  const loadSweeps = useApp((s) => s.loadSweeps);
  const setSweep = useApp((s) => s.setSweep);
  const setSweepText = useApp((s) => s.setSweepText);
  const runSweep = useApp((s) => s.runSweep);
  const cancelSweep = useApp((s) => s.cancelSweep);
  const select = useApp((s) => s.selectConfiguration);
  const [panel, setPanel] = useState<'none' | 'yaml' | 'builder'>('none');
  const [judgeName, setJudge] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (tuning.sweeps === null) void loadSweeps();
  }, [tuning.sweeps, loadSweeps]);

  const { source, result, progress, running } = tuning;
  const info = source ? sweepInfo(tuning.text) : null;
  const edited = source !== null && tuning.text !== source.text;
  const selected = result?.configurations.find((c) => c.index === tuning.selected) ?? null;
  const recommended = result && result.recommendation.configuration !== null ? result.configurations[result.recommendation.configuration] : null;
  const openFile = async () => {
    if (host.kind === 'electron') {
      const f = await host.openSweepDialog();
      if (f) setSweep({ ...f, origin: 'file' });
    } else input.current?.click();
  };
  const pct = progress && progress.total > 0 ? progress.done / progress.total : 0;
  // Which judge the scatter and the table show: Flagger (null) or a shadow judge of this result.
  const judge = result ? judgeIndex(result, judgeName) : null;
  const shown = result ? judgeView(result, judge) : null;
  return (
    <section className="tuning" data-testid="tuning-view" aria-label="tuning lab">
      <div className="panel tuning-source">
        <label>
          Sweep{' '}
          <select
            data-testid="sweep-select"
            value={source?.file ?? ''}
            disabled={running}
            onChange={(e) => {
              const f = tuning.sweeps?.find((x) => x.file === e.target.value);
              if (f) setSweep({ ...f, origin: 'bundled' });
            }}
          >
            {source && source.origin !== 'bundled' ? <option value={source.file}>{source.file} ({source.origin === 'builder' ? 'built here' : 'file'})</option> : null}
            {(tuning.sweeps ?? []).map((f) => (
              <option key={f.file} value={f.file}>
                {f.file}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="sweep-open" disabled={running} onClick={() => void openFile()}>
          Open sweep…
        </button>
        <YamlFileInput inputRef={input} testId="sweep-file-input" onFile={(file, text) => setSweep({ file, text, origin: 'file' })} />
        <button type="button" data-testid="sweep-build" aria-pressed={panel === 'builder'} disabled={running} onClick={() => setPanel(panel === 'builder' ? 'none' : 'builder')}>
          Build a sweep…
        </button>
        <button type="button" data-testid="sweep-edit" aria-pressed={panel === 'yaml'} disabled={!source} onClick={() => setPanel(panel === 'yaml' ? 'none' : 'yaml')}>
          {panel === 'yaml' ? 'Hide YAML' : 'Edit YAML'}
        </button>
        <button type="button" data-testid="sweep-save" disabled={!source} onClick={() => source && void host.saveAs(tuning.text, source.file)} title="Save the sweep definition">
          Save sweep…
        </button>
        <span className="spacer" />
        {running ? (
          <button type="button" className="cancel" data-testid="sweep-cancel" onClick={() => void cancelSweep()}>
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" data-testid="sweep-run" disabled={!source} onClick={() => void runSweep()}>
            ▶ Run sweep
          </button>
        )}
      </div>
      {info ? (
        <p className="small muted sweep-info" data-testid="sweep-info">
          <strong>{info.name}</strong>
          {info.description ? ` — ${info.description}` : ''}
          {edited ? ' (edited)' : ''}
          {dirty && file !== null ? ` Runs on the editor's unsaved text of ${file} when the sweep reads it.` : ''}
        </p>
      ) : null}
      {panel === 'builder' ? (
        <div className="panel">
          <SweepBuilder onDone={() => setPanel('yaml')} />
        </div>
      ) : null}
      {panel === 'yaml' && source ? <textarea className="sweep-text" data-testid="sweep-text" spellCheck={false} value={tuning.text} disabled={running} onChange={(e) => setSweepText(e.target.value)} aria-label="the sweep's YAML" /> : null}
      {running ? (
        <div className="sweep-progress" data-testid="sweep-progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress?.total ?? 0} aria-valuenow={progress?.done ?? 0}>
          <div className="bar">
            <div className="fill" style={{ width: `${(pct * 100).toFixed(1)}%` }} />
          </div>
          <span data-testid="sweep-progress-text">
            {progress
              ? `${progress.done}/${progress.total} runs (${Math.floor(pct * 100)} %), ${progress.rate.toFixed(0)} runs/s, ${formatEta(progress.elapsedMs)} elapsed${progress.etaMs !== null && progress.done < progress.total ? `, about ${formatEta(progress.etaMs)} left` : ''}`
              : 'Loading the sweep in the workers…'}
          </span>
        </div>
      ) : null}
      {tuning.cancelled ? (
        <p className="muted" role="status" data-testid="sweep-cancelled">
          Cancelled after {tuning.cancelled.done} of {tuning.cancelled.total} runs.{result ? ' The result below is from the last complete run.' : ''}
        </p>
      ) : null}
      {tuning.error ? (
        <p className="bad" role="alert" data-testid="sweep-error">
          {tuning.error}
        </p>
      ) : null}
      {tuning.diagnostics.length > 0 ? (
        <section className="panel sweep-diagnostics" data-testid="sweep-diagnostics" aria-label="why the sweep does not load">
          <h2>The sweep does not load</h2>
          <ol>
            {tuning.diagnostics.map((d, i) => (
              <li key={i} className={d.severity === 'error' ? 'bad' : 'muted'} data-testid="sweep-diagnostic">
                {formatDiagnostic(d)}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
      {result ? (
        <div className="tuning-grid">
          <div className="tuning-main">
            <section className="panel recommendation" data-testid="recommendation">
              <h2>Recommendation</h2>
              <p className="muted small" data-testid="sweep-summary">{`${result.sweep.name} over ${result.sweep.canary}: ${result.runs} runs${tuning.wallMs !== null ? ` in ${(tuning.wallMs / 1000).toFixed(1)} s` : ''}${tuning.workers ? ` on ${tuning.workers} worker${tuning.workers === 1 ? '' : 's'}` : ''}`}</p>
              <p data-testid="recommendation-reason">
                {recommended ? (
                  <button type="button" className="link" onClick={() => select(recommended.index)} title="Select it">
                    ★ {result.recommendation.reason}
                  </button>
                ) : (
                  <span className="bad">No recommendation: {result.recommendation.reason}</span>
                )}
              </p>
            </section>
            {result.sweep.judges && result.sweep.judges.length > 0 ? (
              <section className="panel judge-select" aria-label="which judge">
                <label>
                  Judge{' '}
                  <select data-testid="judge-select" value={judge === null ? '' : result.sweep.judges[judge].name} onChange={(e) => setJudge(e.target.value === '' ? null : e.target.value)}>
                    <option value="">Flagger (acted on the rollouts)</option>
                    {result.sweep.judges.map((j) => (
                      <option key={j.name} value={j.name}>
                        shadow: {j.name} ({j.judge}, dry run)
                      </option>
                    ))}
                  </select>
                </label>
                <span className="muted small">
                  {judge === null ? ' Flagger decided every run; the shadow judges watched the same runs in dry run.' : ' What this judge would have done on the same runs, by the time Flagger\'s analysis ended: it did not act.'}
                </span>
              </section>
            ) : null}
            <section className="panel">
              <Scatter result={shown ?? result} selected={tuning.selected} onSelect={select} />
            </section>
          </div>
          <div className="tuning-side">
            {selected ? (
              <>
                <DrillDown result={result} configuration={selected} />
                <ApplyPanel result={result} configuration={selected} />
              </>
            ) : (
              <p className="muted">Select a configuration (a point or a row) to see its runs and apply it.</p>
            )}
          </div>
          <section className="panel table-wrap">
            <ResultsTable result={result} selected={tuning.selected} onSelect={select} judge={judge} />
          </section>
        </div>
      ) : !running && tuning.diagnostics.length === 0 ? (
        <p className="muted empty-hint">Run the sweep to see how each configuration trades false aborts against missed regressions.</p>
      ) : null}
      {source ? <PowerPanel /> : null}
    </section>
  );
}
