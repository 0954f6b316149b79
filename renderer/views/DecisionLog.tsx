import { useApp } from '../app-context';
import { clock } from '../format';
import type { CanaryEvent } from '../../simulation/rollout/types';
import type { ShadowVerdict } from '../../simulation/run/shadow';
import { decisionEntries, SHADOW_JUDGE_TEXT, SHADOW_VERDICT_TEXT } from './decision-entries';

const NO_EVENTS: CanaryEvent[] = [];
const NO_SHADOW: ShadowVerdict[] = [];

/**
 * Flagger's events in order, each with its plain-language explanation; clicking one moves the run there. Shadow
 * judges' verdicts (spec.shadowJudges) come in at the moment each was reached, as distinct entries marked "shadow":
 * they judged the same run in dry run and did not act.
 */
export function DecisionLog() {
  const events = useApp((s) => s.snapshot?.result.events ?? NO_EVENTS);
  const shadow = useApp((s) => s.snapshot?.result.shadow ?? NO_SHADOW);
  const seek = useApp((s) => s.seek);
  const setCursor = useApp((s) => s.setCursor);
  const t = useApp((s) => s.snapshot?.t ?? 0);
  const entries = decisionEntries(events, shadow);
  const go = (at: number) => {
    setCursor(at);
    void seek(at);
  };
  return (
    <section className="panel decision-log" aria-label="decision log">
      <h2>Decisions</h2>
      {events.length === 0 ? <p className="muted">Flagger has not acted yet.</p> : null}
      <ol data-testid="decision-log">
        {entries.map((x) =>
          x.kind === 'flagger' ? (
            <li key={`e${x.index}`} className={`${x.event.type === 'Warning' ? 'warning' : ''} ${x.event.t === t ? 'current' : ''} decision-${x.event.explanation?.decision ?? 'info'}`}>
              <button className="event" data-testid="decision" onClick={() => go(x.event.t)}>
                <span className="t">{clock(x.event.t)}</span>
                <span className="message">{x.event.message}</span>
              </button>
              {x.event.explanation?.summary ? <p className="why">{x.event.explanation.summary}</p> : null}
            </li>
          ) : (
            <li key={`s${x.verdict.name}`} className={`shadow shadow-${x.verdict.verdict} ${x.t === t ? 'current' : ''}`} data-testid="shadow-verdict" data-judge={x.verdict.name} data-verdict={x.verdict.verdict}>
              <button className="event" onClick={() => go(x.t)} title="A shadow judge's verdict: it judged the same run in dry run and did not act on the rollout">
                <span className="t">{clock(x.t)}</span>
                <span className="message">
                  <span className="shadow-tag">shadow</span> {x.verdict.name} ({SHADOW_JUDGE_TEXT[x.verdict.judge]}): {SHADOW_VERDICT_TEXT[x.verdict.verdict]}
                </span>
              </button>
              <p className="why">{x.verdict.reason}</p>
            </li>
          ),
        )}
      </ol>
      {shadow.some((v) => v.at === null) ? (
        <p className="muted small shadow-pending" data-testid="shadow-pending">
          {shadow
            .filter((v) => v.at === null)
            .map((v) => `shadow ${v.name}: ${v.reason}`)
            .join(' · ')}
        </p>
      ) : null}
    </section>
  );
}
