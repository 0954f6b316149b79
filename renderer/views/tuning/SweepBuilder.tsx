import { useMemo, useState } from 'react';
import { readKnobs } from '../../../simulation/scenario/canary-knobs';
import { BUILDER_FAULT_PARAMETERS, BUILDER_FAULTS, type BuilderFault, builtSweepFile, sweepYaml } from '../../../simulation/sweep/builder';
import { MEASURES, type Measure } from '../../../simulation/sweep/spec';
import { useApp } from '../../app-context';
import { type BuilderForm, draftOf, initialForm, knobChoices, regressionRow } from './builder-form';
import { MEASURE_LABELS } from './results';

/**
 * A sweep made in a form for the open scenario: knobs of its Canary and
 * their values (a list, or from/to/step), the healthy canary's weight,
 * regressions (a fault fast mode runs, its severities as lists, onsets,
 * weight), seeds and the objective. "Use this sweep" writes the Sweep YAML
 * (sweepYaml) into the tuning lab, ready to run, edit or save.
 */
export function SweepBuilder({ onDone }: { onDone: () => void }) {
  const file = useApp((s) => s.file);
  const text = useApp((s) => s.text);
  const summary = useApp((s) => s.summary);
  const setSweep = useApp((s) => s.setSweep);
  const knobs = useMemo(() => {
    const k = readKnobs(text);
    return k.kind === 'inline' ? k.knobs : k.kind === 'included' ? k.knobs : null;
  }, [text]);
  const choices = useMemo(() => knobChoices(knobs, summary), [knobs, summary]);
  const [form, setForm] = useState<BuilderForm>(() => initialForm(summary?.name ?? 'scenario', choices));
  const [error, setError] = useState<string | null>(null);
  if (file === null || !summary?.canary) return <p className="muted">Open a scenario that rolls out a Canary to build a sweep of it.</p>;
  const patch = (p: Partial<BuilderForm>) => setForm({ ...form, ...p });
  const use = () => {
    try {
      const draft = draftOf(form, file);
      setSweep({ file: builtSweepFile(file, draft.name), text: sweepYaml(draft), origin: 'builder' });
      setError(null);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form
      className="builder"
      data-testid="sweep-builder"
      onSubmit={(e) => {
        e.preventDefault();
        use();
      }}
    >
      <p className="small muted">
        A sweep of <strong>{summary.name}</strong>'s Canary {summary.canary.name} ({file}).
      </p>
      <div className="row">
        <label>
          name <input data-testid="builder-name" value={form.name} onChange={(e) => patch({ name: e.target.value })} />
        </label>
        <label>
          seeds <input data-testid="builder-seeds" type="number" min={1} value={form.seeds} onChange={(e) => patch({ seeds: e.target.value })} className="short" />
        </label>
      </div>
      <fieldset>
        <legend>Knobs</legend>
        {form.parameters.map((p, i) => {
          const set = (q: Partial<typeof p>) => patch({ parameters: form.parameters.map((x, j) => (j === i ? { ...x, ...q } : x)) });
          const current = choices.find((c) => c.field === p.field)?.current;
          return (
            <div className="row" key={i} data-testid="builder-parameter">
              <select aria-label="knob" value={p.field} onChange={(e) => set({ field: e.target.value })}>
                {choices.map((c) => (
                  <option key={c.field} value={c.field}>
                    {c.field}
                  </option>
                ))}
              </select>
              <select aria-label="values or range" value={p.kind} onChange={(e) => set({ kind: e.target.value as 'values' | 'range' })}>
                <option value="values">values</option>
                <option value="range">from/to/step</option>
              </select>
              {p.kind === 'values' ? (
                <input aria-label={`${p.field} values`} data-testid="builder-values" value={p.values} placeholder="1, 2, 3" onChange={(e) => set({ values: e.target.value })} />
              ) : (
                <>
                  <input aria-label="from" className="short" value={p.from} onChange={(e) => set({ from: e.target.value })} placeholder="from" />
                  <input aria-label="to" className="short" value={p.to} onChange={(e) => set({ to: e.target.value })} placeholder="to" />
                  <input aria-label="step" className="short" value={p.step} onChange={(e) => set({ step: e.target.value })} placeholder="step" />
                </>
              )}
              <span className="muted small">{current ? `now ${current}` : ''}</span>
              <button type="button" aria-label="remove this knob" onClick={() => patch({ parameters: form.parameters.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          );
        })}
        <button type="button" onClick={() => patch({ parameters: [...form.parameters, { field: choices.find((c) => !form.parameters.some((p) => p.field === c.field))?.field ?? choices[0].field, kind: 'values', values: '', from: '', to: '', step: '' }] })}>
          + knob
        </button>
      </fieldset>
      <fieldset>
        <legend>Situations</legend>
        <div className="row">
          <label>
            healthy canary, weight <input className="short" aria-label="healthy weight" value={form.healthyWeight} onChange={(e) => patch({ healthyWeight: e.target.value })} />
          </label>
          <span className="muted small">(empty: no healthy situation)</span>
        </div>
        {form.regressions.map((r, i) => {
          const set = (q: Partial<typeof r>) => patch({ regressions: form.regressions.map((x, j) => (j === i ? { ...x, ...q } : x)) });
          return (
            <div className="row" key={i} data-testid="builder-regression">
              <input aria-label="regression name" className="mid" value={r.name} onChange={(e) => set({ name: e.target.value })} />
              <select aria-label="fault type" value={r.type} onChange={(e) => set({ ...regressionRow(r.name, e.target.value as BuilderFault), weight: r.weight, onset: r.onset })}>
                {BUILDER_FAULTS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
              {BUILDER_FAULT_PARAMETERS[r.type].map((p) => (
                <label key={p.name} title={p.hint}>
                  {p.name} <input className="mid" aria-label={`${r.name} ${p.name}`} value={r.params[p.name] ?? ''} onChange={(e) => set({ params: { ...r.params, [p.name]: e.target.value } })} />
                </label>
              ))}
              <label title="after the deploy (a list: one situation per onset)">
                onset <input className="short" aria-label={`${r.name} onset`} value={r.onset} onChange={(e) => set({ onset: e.target.value })} />
              </label>
              <label>
                weight <input className="short" aria-label={`${r.name} weight`} value={r.weight} onChange={(e) => set({ weight: e.target.value })} />
              </label>
              <button type="button" aria-label="remove this regression" onClick={() => patch({ regressions: form.regressions.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          );
        })}
        <button type="button" onClick={() => patch({ regressions: [...form.regressions, regressionRow(`regression-${form.regressions.length + 1}`, 'http-delay')] })}>
          + regression
        </button>
      </fieldset>
      <fieldset>
        <legend>Objective</legend>
        <div className="row">
          <label>
            minimise{' '}
            <select value={form.minimise} aria-label="measure to minimise" onChange={(e) => patch({ minimise: e.target.value as Measure })}>
              {MEASURES.map((m) => (
                <option key={m} value={m}>
                  {MEASURE_LABELS[m]}
                </option>
              ))}
            </select>
          </label>
          <span className="muted small">subject to (rates as fractions: 0.01 = 1 %; times in seconds)</span>
        </div>
        <div className="bounds">
          {MEASURES.map((m) => {
            const b = form.bounds[m];
            const set = (q: Partial<typeof b>) => patch({ bounds: { ...form.bounds, [m]: { ...b, ...q } } });
            return (
              <span key={m} className="bound">
                <label>
                  <input type="checkbox" checked={b.on} onChange={(e) => set({ on: e.target.checked })} /> {MEASURE_LABELS[m]} ≤
                </label>{' '}
                <input className="short" aria-label={`${m} at most`} value={b.max} disabled={!b.on} onChange={(e) => set({ max: e.target.value })} />
                <label title="bound the interval's upper end instead of the estimate">
                  <input type="checkbox" checked={b.upper} disabled={!b.on} onChange={(e) => set({ upper: e.target.checked })} /> upper
                </label>
              </span>
            );
          })}
        </div>
      </fieldset>
      {error ? (
        <p className="bad" role="alert" data-testid="builder-error">
          {error}
        </p>
      ) : null}
      <button type="submit" data-testid="builder-use">
        Use this sweep
      </button>
    </form>
  );
}
