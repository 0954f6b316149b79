import { useEffect, useState } from 'react';
import { useApp } from '../app-context';
import { clock } from '../format';
import { lessonWaiting, SPEEDS } from '../store';
import { Icon } from './icons';

/** Play, pause, step one analysis interval, to the end, restart; speed, seed, mode; the time slider seeks. */
/** Shows the cancel button once a request has been running this long (ms): short ones never flash it. */
const CANCEL_AFTER = 400;

export function Transport() {
  const snapshot = useApp((s) => s.snapshot);
  const playing = useApp((s) => s.playing);
  const speed = useApp((s) => s.speed);
  const seed = useApp((s) => s.seed);
  const mode = useApp((s) => s.mode);
  const a = useApp((s) => s);
  const busy = useApp((s) => s.busy);
  /** A lesson's question waits for its answer: nothing moves the run forward until then. */
  const waiting = useApp(lessonWaiting);
  const held = waiting ? ' — answer the checkpoint question first' : '';
  const [longBusy, setLongBusy] = useState(false);
  useEffect(() => {
    if (!busy) {
      setLongBusy(false);
      return;
    }
    const timer = setTimeout(() => setLongBusy(true), CANCEL_AFTER);
    return () => clearTimeout(timer);
  }, [busy]);
  const t = snapshot?.t ?? 0;
  const end = snapshot?.endTime ?? 0;
  return (
    <div className="transport" role="toolbar" aria-label="run controls">
      <button data-testid="restart" aria-label="restart" title="Run again from the start (Home)" onClick={() => void a.rerun()}>
        <Icon name="restart" />
      </button>
      {playing ? (
        <button data-testid="pause" aria-label="pause" title="Pause (space)" onClick={() => a.pause()}>
          <Icon name="pause" />
        </button>
      ) : (
        <button data-testid="play" aria-label="play" title={`Play (space)${held}`} disabled={!snapshot || snapshot.done || waiting} onClick={() => a.play()}>
          <Icon name="play" />
        </button>
      )}
      <button data-testid="step" aria-label="step one analysis interval" title={`Step one analysis interval (→)${held}`} disabled={!snapshot || snapshot.done || waiting} onClick={() => void a.step()}>
        <Icon name="step" />
      </button>
      {longBusy ? (
        <button data-testid="cancel" className="cancel" title="Stop the simulation in progress (Esc)" onClick={() => void a.cancel()}>
          Cancel
        </button>
      ) : null}
      <button data-testid="to-end" aria-label="run to the end" title={`Run to the end (End)${held}`} disabled={!snapshot || snapshot.done || waiting} onClick={() => void a.toEnd()}>
        <Icon name="end" />
      </button>
      <input
        className="scrubber"
        data-testid="scrubber"
        type="range"
        min={0}
        max={end}
        step={1}
        value={t}
        aria-label="simulated time"
        disabled={!snapshot}
        onChange={(e) => void a.seek(Number(e.target.value))}
      />
      <span className="time" data-testid="time">
        {clock(t)} / {clock(end)}
      </span>
      <label title="Simulated seconds per real second">
        <select data-testid="speed" value={speed} onChange={(e) => a.setSpeed(Number(e.target.value))} aria-label="speed">
          {SPEEDS.map((x) => (
            <option key={x} value={x}>
              {x}×
            </option>
          ))}
        </select>
      </label>
      <label className="seed">
        seed{' '}
        <input data-testid="seed" type="number" min={0} value={seed} onChange={(e) => a.setSeed(Number(e.target.value))} aria-label="seed" />
      </label>
      <select data-testid="mode" value={mode} onChange={(e) => a.setMode(e.target.value as 'exact' | 'fast')} aria-label="mode" title="exact: every request; fast: traffic drawn in aggregate">
        <option value="exact">exact</option>
        <option value="fast">fast</option>
      </select>
      <button data-testid="rerun" title="Apply seed and mode: run again" onClick={() => void a.rerun()}>
        Run
      </button>
    </div>
  );
}
