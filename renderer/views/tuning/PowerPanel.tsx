import { Fragment, useId, useState } from 'react';
import type { SweepRequest } from '../../../electron/host-api';
import type { AnalyticPower, PlainMonteCarloResult, PlainPowerResult, PowerReport, SimulatedPower } from '../../../simulation/power/lab';
import { useApp } from '../../app-context';
import { PowerChart } from './PowerChart';
import { type MonteCarloProgress, usePower } from './power-client';
import {
  checkOrdinal,
  DEFAULT_SEEDS,
  decisionTime,
  defaultOf,
  FIELD_SPECS,
  fieldText,
  MAX_SEEDS,
  parseField,
  perSecond,
  POWER_FIELDS,
  powerCommand,
  type PowerField,
  probability,
  simulated,
  verdict,
} from './power';

/**
 * The tuning lab's power panel (docs/power.md, "In the tuning lab"): how far
 * the Canary's analysis can be trusted at a traffic level — for the sweep's
 * scenario Canary, or the configuration selected in the results (its knob
 * values applied), so a configuration's false aborts can be read step by
 * step. The analytic figures of the success-rate check (false aborts,
 * detection, time to the decision, per step), the least trustworthy rate,
 * the curve over rates, where the scenario departs from the model; and a
 * Monte Carlo of the whole analysis on the simulator beside them.
 */
export function PowerPanel() {
  const host = useApp((s) => s.host);
  const tuning = useApp((s) => s.tuning);
  const file = useApp((s) => s.file);
  const text = useApp((s) => s.text);
  const [texts, setTexts] = useState<Partial<Record<PowerField, string>>>({});
  const [seedsText, setSeedsText] = useState(String(DEFAULT_SEEDS));
  const [asWritten, setAsWritten] = useState(false);
  const id = useId();

  // A configuration selected in the results is one of the sweep those results came from (its request), else the
  // sweep as chosen now: both read the editor's buffer for the scenario, as the sweep runs do.
  const selected = tuning.result && tuning.selected !== null ? (tuning.result.configurations.find((c) => c.index === tuning.selected) ?? null) : null;
  const configuration = selected !== null && !asWritten ? selected.index : null;
  const request: SweepRequest | null =
    configuration !== null && tuning.request ? tuning.request : tuning.source ? { file: tuning.source.file, text: tuning.text, ...(file !== null ? { scenario: { file, text } } : {}) } : null;
  const values: Partial<Record<PowerField, number>> = {};
  const problems: string[] = [];
  for (const f of POWER_FIELDS) {
    const t = texts[f];
    if (t === undefined) continue;
    const v = parseField(f, t);
    if ('error' in v) problems.push(v.error);
    else values[f] = v.value;
  }
  const command = request && problems.length === 0 ? powerCommand(request, configuration, values) : null;
  const power = usePower(host, command);
  const { report, monteCarlo: progress } = power;
  const seeds = Number(seedsText);
  const seedsOk = Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS;
  const shownText = (f: PowerField) => {
    const typed = texts[f];
    if (typed !== undefined) return typed;
    const v = defaultOf(f, report);
    return v === null ? '' : fieldText(f, v);
  };
  const analytic = report && !('error' in report.analytic) ? report.analytic : null;
  const mc = report?.monteCarlo && !('error' in report.monteCarlo) ? report.monteCarlo : null;
  const v = report ? verdict(report) : null;
  return (
    <section className="panel power" data-testid="power-panel" aria-label="low-traffic power" aria-busy={power.computing}>
      <h2>Power: can this analysis be trusted at this traffic?</h2>
      {selected ? (
        <label className="power-which">
          Canary{' '}
          <select data-testid="power-which" value={asWritten ? 'written' : 'selected'} onChange={(e) => setAsWritten(e.target.value === 'written')}>
            <option value="selected">the selected configuration: {selected.label}</option>
            <option value="written">as the scenario writes it</option>
          </select>
        </label>
      ) : null}
      <p className="muted small" data-testid="power-canary">
        {report
          ? report.configuration
            ? `${report.canary} with configuration ${report.configuration.label} (its knob values applied), from the sweep ${report.sweep}.`
            : `${report.canary} as the scenario writes it (the sweep ${report.sweep}'s scenario).${selected ? '' : ' Run the sweep and select a configuration in the results to see its figures.'}`
          : power.error
            ? ''
            : 'Computing…'}
      </p>
      <form className="power-inputs" onSubmit={(e) => e.preventDefault()} aria-label="power inputs">
        {POWER_FIELDS.map((f) => {
          const spec = FIELD_SPECS[f];
          return (
            <label key={f} htmlFor={`${id}-${f}`}>
              <span className="field-label">
                {spec.label} <span className="muted">({spec.unit})</span>
              </span>
              <input
                id={`${id}-${f}`}
                data-testid={`power-${f}`}
                type="text"
                inputMode="decimal"
                className={texts[f] !== undefined && 'error' in parseField(f, texts[f] ?? '') ? 'invalid' : ''}
                aria-invalid={texts[f] !== undefined && 'error' in parseField(f, texts[f] ?? '')}
                value={shownText(f)}
                onChange={(e) => setTexts({ ...texts, [f]: e.target.value })}
              />
              <span className="muted small field-note">{fieldNote(f, report)}</span>
            </label>
          );
        })}
        <button type="button" data-testid="power-reset" disabled={Object.keys(texts).length === 0} onClick={() => setTexts({})} title="The scenario's rate and error rate, the default regression and targets">
          Reset to the scenario's
        </button>
      </form>
      {problems.length > 0 ? (
        <p className="bad" role="alert" data-testid="power-input-error">
          {problems.join('; ')}
        </p>
      ) : null}
      {power.error ? (
        <p className="bad" role="alert" data-testid="power-error">
          {power.error}
        </p>
      ) : null}
      {report ? (
        <>
          <Scope report={report} />
          {analytic ? (
            <>
              <p className={v?.ok ? 'ok' : 'bad'} data-testid="power-verdict">
                At {perSecond(report.inputs.rate)}: {v?.text}.
              </p>
              <Minimum report={report} analytic={analytic} />
            </>
          ) : null}
          <Figures report={report} analytic={analytic} mc={mc} />
          <MonteCarloControls
            report={report}
            progress={progress}
            seedsText={seedsText}
            seedsOk={seedsOk}
            disabled={command === null || power.computing}
            onSeeds={setSeedsText}
            onRun={() => power.simulate(seeds)}
            onCancel={power.cancel}
          />
          {analytic ? (
            <PowerChart
              curve={analytic.curve}
              scenarioRate={report.defaults.rate}
              rate={report.inputs.rate}
              minimum={analytic.minimum.rate}
              maxFalseAbort={report.inputs.maxFalseAbort}
              minDetection={report.inputs.minDetection}
              simulated={mc ? { falseAbort: mc.healthy.rollback, detection: mc.regressed.rollback } : null}
              onPick={(rate) => setTexts({ ...texts, rate: String(rate) })}
            />
          ) : null}
          <details className="power-steps" open>
            <summary>Per step</summary>
            <div className="power-step-tables">
              {analytic || mc ? <StepTable title={`Healthy canary (${probability(report.inputs.healthy)} errors)`} testId="power-steps-healthy" model={analytic?.healthy ?? null} sim={mc?.healthy ?? null} /> : null}
              {analytic || mc ? <StepTable title={`Regressed canary (${probability(report.inputs.regression)} errors)`} testId="power-steps-regressed" model={analytic?.regressed ?? null} sim={mc?.regressed ?? null} /> : null}
            </div>
          </details>
          <Notes report={report} analytic={analytic} />
        </>
      ) : null}
      {power.computing ? (
        <p className="muted small" role="status" data-testid="power-computing">
          Computing the figures…
        </p>
      ) : null}
    </section>
  );
}

/** What a field's default is, under its input. */
function fieldNote(f: PowerField, report: PowerReport | null): string {
  if (report === null) return '';
  const d = report.defaults;
  switch (f) {
    case 'rate':
      return `scenario: ${perSecond(d.rate)}`;
    case 'healthy':
      return `scenario: ${probability(d.healthy)}`;
    case 'regression':
      return `default ${probability(d.regression)}: ${d.regressionRule}`;
    case 'maxFalseAbort':
      return 'healthy canaries rolled back';
    case 'minDetection':
      return 'regressions rolled back';
  }
}

/** Which checks the figures cover. */
function Scope({ report }: { report: PowerReport }) {
  const others = report.metrics.filter((m) => m !== 'request-success-rate');
  if (!report.successRate) {
    return (
      <p className="power-scope" data-testid="power-scope">
        This Canary has no request-success-rate check, so there are no analytic figures{others.length > 0 ? ` (its checks: ${others.join(', ')})` : ''}. The Monte Carlo below runs its whole analysis on the simulator.
      </p>
    );
  }
  if (others.length === 0) {
    return (
      <p className="power-scope muted small" data-testid="power-scope">
        The analytic figures are the request-success-rate check's, the Canary's only check; the Monte Carlo measures the same on the simulator.
      </p>
    );
  }
  return (
    <p className="power-scope" data-testid="power-scope">
      The analytic figures cover only the request-success-rate check ({others.join(', ')} {others.length === 1 ? 'is' : 'are'} left out); the Monte Carlo runs the whole analysis, every check included.
    </p>
  );
}

function Minimum({ report, analytic }: { report: PowerReport; analytic: AnalyticPower }) {
  const m = analytic.minimum;
  const targets = `≤ ${probability(report.inputs.maxFalseAbort)} false aborts and ≥ ${probability(report.inputs.minDetection)} detection of a ${probability(report.inputs.regression)} regression`;
  if (m.rate === null) {
    return (
      <p className="power-minimum bad" data-testid="power-minimum" data-rate="">
        No request rate makes these thresholds trustworthy ({targets}): {m.reason}.
      </p>
    );
  }
  const below = report.inputs.rate < m.rate;
  return (
    <p className="power-minimum" data-testid="power-minimum" data-rate={String(m.rate)}>
      Trustworthy from <strong data-testid="power-minimum-rate">{perSecond(m.rate)}</strong> ({targets}); {perSecond(report.inputs.rate)} is {below ? <span className="bad">below it</span> : <span className="ok">at or above it</span>}.
    </p>
  );
}

/** The overall figures: the model's and, after a Monte Carlo, the simulator's beside them. */
function Figures({ report, analytic, mc }: { report: PowerReport; analytic: AnalyticPower | null; mc: SimulatedPower | null }) {
  const cols: Array<{ key: string; head: string; model: PlainPowerResult | null; sim: PlainMonteCarloResult | null; rollback: string }> = [
    { key: 'healthy', head: `healthy canary (${probability(report.inputs.healthy)} errors)`, model: analytic?.healthy ?? null, sim: mc?.healthy ?? null, rollback: 'false-abort' },
    { key: 'regressed', head: `regression (${probability(report.inputs.regression)} errors)`, model: analytic?.regressed ?? null, sim: mc?.regressed ?? null, rollback: 'detection' },
  ];
  const sub = (analytic ? ['model'] : []).concat(mc ? [`simulated, ${mc.done} seeds`] : []);
  if (sub.length === 0) return null;
  const cell = (key: string, a: string | null, s: string | null) => (
    <Fragment key={key}>
      {analytic ? <td data-testid={a === null ? undefined : `power-${key}`}>{a ?? '—'}</td> : null}
      {mc ? <td data-testid={s === null ? undefined : `power-mc-${key}`}>{s ?? '—'}</td> : null}
    </Fragment>
  );
  return (
    <table className="power-figures tuning-table" data-testid="power-figures">
      <caption className="small muted">Times count from the tick that detects the new revision to the promotion or the rollback.</caption>
      <thead>
        <tr>
          <th scope="col" rowSpan={2} />
          {cols.map((c) => (
            <th key={c.key} scope="colgroup" colSpan={sub.length}>
              {c.head}
            </th>
          ))}
        </tr>
        <tr>
          {cols.map((c) =>
            sub.map((s) => (
              <th key={`${c.key}-${s}`} scope="col" className="muted">
                {s}
              </th>
            )),
          )}
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">rolled back (false abort · detection)</th>
          {cols.map((c) => cell(c.rollback, c.model ? probability(c.model.rollback) : null, c.sim ? simulated(c.sim.rollback) : null))}
        </tr>
        <tr>
          <th scope="row">promoted</th>
          {cols.map((c) => cell(`${c.key}-promotion`, c.model ? probability(c.model.promotion) : null, c.sim ? simulated(c.sim.promotion) : null))}
        </tr>
        <tr>
          <th scope="row">time to the decision</th>
          {cols.map((c) => cell(`${c.key}-seconds`, c.model ? decisionTime(c.model.expectedSeconds) : null, c.sim ? decisionTime(c.sim.meanSeconds) : null))}
        </tr>
        <tr>
          <th scope="row">… if rolled back</th>
          {cols.map((c) => cell(`${c.key}-seconds-rollback`, c.model ? decisionTime(c.model.expectedSecondsIfRolledBack) : null, c.sim ? decisionTime(c.sim.meanSecondsIfRolledBack) : null))}
        </tr>
        <tr>
          <th scope="row">… if promoted</th>
          {cols.map((c) => cell(`${c.key}-seconds-promotion`, c.model ? decisionTime(c.model.expectedSecondsIfPromoted) : null, c.sim ? decisionTime(c.sim.meanSecondsIfPromoted) : null))}
        </tr>
        {mc ? (
          <tr>
            <th scope="row">undecided</th>
            {cols.map((c) => cell(`${c.key}-undecided`, null, c.sim ? String(c.sim.undecided) : null))}
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

function MonteCarloControls(props: {
  report: PowerReport;
  progress: MonteCarloProgress | null;
  seedsText: string;
  seedsOk: boolean;
  disabled: boolean;
  onSeeds: (t: string) => void;
  onRun: () => void;
  onCancel: () => void;
}) {
  const { report, progress, seedsText, seedsOk, disabled } = props;
  const id = useId();
  const running = progress?.running ?? false;
  const pct = progress && progress.seeds > 0 ? progress.done / progress.seeds : 0;
  return (
    <div className="power-mc" data-testid="power-mc">
      <label htmlFor={id}>Monte Carlo seeds</label>
      <input id={id} data-testid="power-mc-seeds" type="number" min={1} max={MAX_SEEDS} step={1} className={seedsOk ? 'short' : 'short invalid'} aria-invalid={!seedsOk} value={seedsText} disabled={running} onChange={(e) => props.onSeeds(e.target.value)} />
      {running ? (
        <button type="button" className="cancel" data-testid="power-mc-cancel" onClick={props.onCancel}>
          Cancel
        </button>
      ) : (
        <button type="button" data-testid="power-mc-run" disabled={disabled || !seedsOk} onClick={props.onRun} title="Run the rollout on the simulator over seeds, healthy and regressed, at this rate">
          Simulate {seedsOk ? Number(seedsText) : ''} seeds
        </button>
      )}
      {running && progress ? (
        <span className="sweep-progress" role="progressbar" aria-label="Monte Carlo progress" aria-valuemin={0} aria-valuemax={progress.seeds} aria-valuenow={progress.done} data-testid="power-mc-progress">
          <span className="bar">
            <span className="fill" style={{ width: `${(pct * 100).toFixed(1)}%` }} />
          </span>
          <span>
            {progress.done}/{progress.seeds} seeds
          </span>
        </span>
      ) : null}
      <span className="muted small" data-testid="power-mc-status" role="status">
        {progress?.error
          ? ''
          : progress?.cancelled
            ? `Cancelled after ${progress.done} of ${progress.seeds} seeds${progress.done > 0 ? ': the figures are over those' : ''}.`
            : progress && !running
              ? `Simulated ${progress.done} seeds at ${perSecond(report.inputs.rate)} (fast mode), each for the healthy and the regressed canary: the whole analysis on the simulator's Traefik, Prometheus and Flagger${report.monteCarlo && !('error' in report.monteCarlo) ? `, with ${Math.round(report.monteCarlo.confidence * 100)} % Wilson intervals` : ''}.`
              : running
                ? ''
                : 'Simulate the rollout over seeds to check the model, latency and every other check included.'}
      </span>
      {progress?.error ? (
        <p className="bad" role="alert" data-testid="power-mc-error">
          The Monte Carlo failed: {progress.error}
        </p>
      ) : null}
    </div>
  );
}

/** One canary's steps: the model's figures and the simulator's beside them. */
function StepTable({ title, testId, model, sim }: { title: string; testId: string; model: PlainPowerResult | null; sim: PlainMonteCarloResult | null }) {
  const weights = model ? model.stages.map((s) => s.weight) : (sim?.stages.map((s) => s.weight) ?? []);
  if (weights.length === 0) {
    return (
      <section className="power-step-table" data-testid={testId}>
        <h3>{title}</h3>
        <p className="muted small">No step figures: the Canary has no success-rate check to follow step by step. The overall figures above are the simulator's.</p>
      </section>
    );
  }
  return (
    <section className="power-step-table" data-testid={testId}>
      <h3>{title}</h3>
      <table className="tuning-table">
        <thead>
          <tr>
            <th scope="col">weight</th>
            <th scope="col">P(reached)</th>
            <th scope="col">expected checks</th>
            <th scope="col">P(rolled back here)</th>
            <th scope="col">each check fails</th>
            <th scope="col">requests per check</th>
          </tr>
        </thead>
        <tbody>
          {weights.map((w, i) => {
            const m = model?.stages[i];
            const s = sim?.stages[i];
            return (
              <tr key={i} data-testid="power-step">
                <th scope="row">{w} %</th>
                <td>
                  {m ? probability(m.reached) : null}
                  {s ? <span className="sim">{simulated(s.reached)}</span> : null}
                </td>
                <td>{m ? m.expectedChecks.toFixed(2) : '—'}</td>
                <td>
                  {m ? probability(m.rollback) : null}
                  {s ? <span className="sim">{simulated(s.rollback)}</span> : null}
                </td>
                <td className="checks">
                  {(m?.checkFailure ?? s?.checkFailure ?? []).map((_, j, all) => (
                    <span key={j} className="check" data-no-values={m?.noValues[j] ? 'true' : undefined}>
                      {checkOrdinal(j, j === all.length - 1 && all.length > 1)}: {m ? probability(m.checkFailure[j]) : ''}
                      {m?.noValues[j] ? <span className="tag nodata" title="Too few scrapes of the canary's new series in the window: the check finds no values and fails, whatever the traffic"> no values</span> : null}
                      {s?.checkFailure[j] ? <span className="sim">{simulated(s.checkFailure[j])}</span> : null}
                    </span>
                  ))}
                </td>
                <td className="checks">
                  {m
                    ? m.requestsPerCheck.map((n, j) => (
                        <span key={j} className="check">
                          {n.toFixed(n < 10 ? 1 : 0)}
                        </span>
                      ))
                    : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">
        {model ? 'Each check: its probability of failing (the last stands for every later check at the step); requests per check: the canary requests its window counts on average.' : ''}
        {sim ? ' Under each model figure, the simulator’s with its interval.' : ''}
      </p>
    </section>
  );
}

/** Where the scenario and the simulator depart from the model. */
function Notes({ report, analytic }: { report: PowerReport; analytic: AnalyticPower | null }) {
  const notes = [...report.notes, ...(analytic?.notes ?? [])];
  return (
    <section className="power-notes" data-testid="power-notes" aria-label="where the scenario departs from the model">
      <h3>Where this scenario departs from the model</h3>
      {notes.length === 0 ? (
        <p className="muted small">Nowhere the model knows of: its assumptions hold here (docs/power.md, "Assumptions").</p>
      ) : (
        <ul>
          {notes.map((n, i) => (
            <li key={i} data-testid="power-note">
              {n}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
