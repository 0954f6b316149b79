import { useApp } from '../app-context';
import { clock } from '../format';
import type { CanaryEvent } from '../../simulation/rollout/types';

const NO_EVENTS: CanaryEvent[] = [];

/** Flagger's events in order, each with its plain-language explanation; clicking one moves the run there. */
export function DecisionLog() {
  const events = useApp((s) => s.snapshot?.result.events ?? NO_EVENTS);
  const seek = useApp((s) => s.seek);
  const setCursor = useApp((s) => s.setCursor);
  const t = useApp((s) => s.snapshot?.t ?? 0);
  return (
    <section className="panel decision-log" aria-label="decision log">
      <h2>Decisions</h2>
      {events.length === 0 ? <p className="muted">Flagger has not acted yet.</p> : null}
      <ol data-testid="decision-log">
        {events.map((e, i) => (
          <li key={i} className={`${e.type === 'Warning' ? 'warning' : ''} ${e.t === t ? 'current' : ''} decision-${e.explanation?.decision ?? 'info'}`}>
            <button
              className="event"
              data-testid="decision"
              onClick={() => {
                setCursor(e.t);
                void seek(e.t);
              }}
            >
              <span className="t">{clock(e.t)}</span>
              <span className="message">{e.message}</span>
            </button>
            {e.explanation?.summary ? <p className="why">{e.explanation.summary}</p> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
