import { memo, useEffect, useRef, useState } from 'react';
import type { ScenarioSummary } from '../../../electron/host-api';
import type { AnalysisField, CanaryKnobs, Knob, KnobsState } from '../../../simulation/scenario/canary-knobs';

/**
 * Quick controls for the rolled-out Canary's common knobs. Each input writes
 * its value into the YAML as soon as it is valid (through the editor, so undo
 * covers it); an invalid value is not written and its message shows under it.
 */

const ANALYSIS: ReadonlyArray<{ field: AnalysisField; label: string; unit: string; hint: string }> = [
  { field: 'interval', label: 'interval', unit: '', hint: 'how often Flagger runs the analysis (Go duration, e.g. 1m)' },
  { field: 'threshold', label: 'threshold', unit: 'checks', hint: 'failed checks before the rollback' },
  { field: 'stepWeight', label: 'stepWeight', unit: '%', hint: 'canary weight added per successful interval' },
  { field: 'maxWeight', label: 'maxWeight', unit: '%', hint: 'canary weight at which Flagger promotes' },
];

export interface KnobsPanelProps {
  state: KnobsState;
  /** The last loaded summary: the values shown when the Canary's file could not be read. */
  summary: ScenarioSummary | null;
  /** Writes a knob; returns why it was refused, or null. */
  write(knob: Knob, value: string): string | null;
}

function fromSummary(summary: ScenarioSummary | null): CanaryKnobs | null {
  const c = summary?.canary;
  if (!c) return null;
  const interval = c.interval % 60 === 0 ? `${c.interval / 60}m` : `${c.interval}s`;
  return {
    canary: c.name,
    analysisKey: 'analysis',
    interval,
    threshold: c.threshold,
    stepWeight: c.stepWeight,
    maxWeight: c.maxWeight,
    stepWeights: null,
    iterations: null,
    stepWeightPromotion: null,
    metrics: c.metrics.map((m) => ({ name: m.name, min: m.min, max: m.max })),
  };
}

const show = (v: number | string | null | undefined): string => (v === null || v === undefined ? '' : String(v));

export const KnobsPanel = memo(function KnobsPanel({ state, summary, write }: KnobsPanelProps) {
  const editable = state.kind === 'inline';
  const knobs = state.kind === 'inline' ? state.knobs : state.kind === 'included' ? (state.knobs ?? fromSummary(summary)) : null;
  return (
    <aside className="panel knobs" data-testid="knobs" aria-label="quick controls">
      <h2>Quick controls</h2>
      {knobs ? (
        <p className="knobs-canary">
          Canary <strong>{knobs.canary}</strong>
          {knobs.analysisKey === 'canaryAnalysis' ? <span className="muted small"> (canaryAnalysis)</span> : null}
        </p>
      ) : null}
      {state.kind === 'included' ? (
        <p className="knobs-note" data-testid="knobs-note" role="note">
          {state.file ? (
            <>
              The Canary is in <code>{state.file}</code>: edit it there.
            </>
          ) : (
            state.message.charAt(0).toUpperCase() + state.message.slice(1) + '.'
          )}{' '}
          <span className="muted">This scenario includes it, so its knobs cannot be written into this file; the values below are read-only.</span>
        </p>
      ) : state.kind !== 'inline' ? (
        <p className="knobs-note" data-testid="knobs-note" role="note">
          {state.message.charAt(0).toUpperCase() + state.message.slice(1)}.
        </p>
      ) : null}
      {knobs ? (
        <>
          <fieldset className="knob-group" disabled={!editable}>
            <legend>analysis</legend>
            {ANALYSIS.map((a) => {
              const locked =
                a.field === 'stepWeight' && knobs.stepWeight === null && (knobs.stepWeights !== null || knobs.iterations !== null)
                  ? knobs.stepWeights !== null
                    ? `uses stepWeights [${knobs.stepWeights.join(', ')}]`
                    : `uses iterations (${knobs.iterations}): no weights`
                  : a.field === 'maxWeight' && knobs.maxWeight === null && knobs.iterations !== null
                    ? `uses iterations (${knobs.iterations}): no weights`
                    : null;
              return (
                <KnobInput
                  key={a.field}
                  id={`knob-${a.field}`}
                  label={a.label}
                  unit={a.unit}
                  hint={locked ?? a.hint}
                  numeric={a.field !== 'interval'}
                  integer
                  value={show(knobs[a.field])}
                  placeholder={knobs[a.field] === null ? 'not set' : ''}
                  disabled={!editable || locked !== null}
                  commit={(v) => write({ kind: 'analysis', field: a.field }, v)}
                />
              );
            })}
          </fieldset>
          <fieldset className="knob-group" disabled={!editable}>
            <legend>metrics: thresholdRange</legend>
            {knobs.metrics.length === 0 ? <p className="muted small">no metrics</p> : null}
            {knobs.metrics.map((m) => (
              <div className="knob-metric" key={m.name} data-testid={`knobs-metric-${m.name}`}>
                <div className="knob-metric-name" title={m.name}>
                  {m.name}
                </div>
                <div className="knob-pair">
                  <KnobInput
                    id={`knob-metric-${m.name}-min`}
                    label="min"
                    numeric
                    value={show(m.min)}
                    placeholder="none"
                    disabled={!editable}
                    commit={(v) => write({ kind: 'metric', metric: m.name, bound: 'min' }, v)}
                  />
                  <KnobInput
                    id={`knob-metric-${m.name}-max`}
                    label="max"
                    numeric
                    value={show(m.max)}
                    placeholder="none"
                    disabled={!editable}
                    commit={(v) => write({ kind: 'metric', metric: m.name, bound: 'max' }, v)}
                  />
                </div>
              </div>
            ))}
            {editable && knobs.metrics.length > 0 ? <p className="muted small">An empty bound removes it.</p> : null}
          </fieldset>
        </>
      ) : null}
    </aside>
  );
});

interface KnobInputProps {
  id: string;
  label: string;
  unit?: string;
  hint?: string;
  numeric: boolean;
  integer?: boolean;
  value: string;
  placeholder?: string;
  disabled: boolean;
  commit(value: string): string | null;
}

const same = (a: string, b: string, numeric: boolean): boolean => (numeric && a.trim() !== '' && b.trim() !== '' ? Number(a) === Number(b) : a.trim() === b.trim());

/** One knob: its draft follows the text unless the user is typing a value the text does not hold yet. */
function KnobInput({ id, label, unit, hint, numeric, integer, value, placeholder, disabled, commit }: KnobInputProps) {
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // The text changed: follow it, except in the input being typed in (its draft is the newer value).
    if (input.current === null || document.activeElement !== input.current) {
      setDraft(value);
      setError(null);
    }
  }, [value]);
  const change = (v: string) => {
    setDraft(v);
    if (same(v, value, numeric) && v.trim() !== '') {
      setError(null);
      return;
    }
    setError(commit(v));
  };
  const step = (dir: 1 | -1) => {
    const n = Number(draft);
    if (!numeric || draft.trim() === '' || !Number.isFinite(n)) return;
    const delta = integer ? 1 : Math.abs(n) >= 10 ? 1 : 0.1;
    change(String(Math.round((n + dir * delta) * 1000) / 1000));
  };
  return (
    <label className={`knob${error ? ' invalid' : ''}`} title={hint}>
      <span className="knob-label">{label}</span>
      <span className="knob-field">
        <input
          ref={input}
          type="text"
          inputMode={numeric ? (integer ? 'numeric' : 'decimal') : 'text'}
          spellCheck={false}
          autoComplete="off"
          data-testid={id}
          value={draft}
          placeholder={placeholder}
          disabled={disabled}
          aria-invalid={error !== null}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => change(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowUp') {
              e.preventDefault();
              step(1);
            } else if (e.key === 'ArrowDown') {
              e.preventDefault();
              step(-1);
            } else if (e.key === 'Escape') {
              setDraft(value);
              setError(null);
            }
          }}
          onBlur={() => {
            if (error === null) setDraft(value);
          }}
        />
        {unit ? <span className="knob-unit muted">{unit}</span> : null}
      </span>
      {error ? (
        <span className="knob-error" id={`${id}-error`} role="alert" data-testid={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </label>
  );
}
