import { useApp } from '../app-context';
import { clock } from '../format';

/** How the rollout ended (or stands), and whether that is what the scenario expects. */
export function Outcome() {
  const snapshot = useApp((s) => s.snapshot);
  if (!snapshot) return null;
  const o = snapshot.result.outcome;
  const x = snapshot.expectation;
  const cls = !o ? '' : o.promoted ? 'ok' : o.phase === 'Failed' ? 'bad' : 'pending';
  return (
    <section className={`panel outcome ${cls}`} data-testid="outcome" aria-live="polite">
      <h2>Outcome</h2>
      {o ? (
        <>
          <p className="phase" data-testid="outcome-phase">
            {snapshot.result.canary}: <strong>{o.phase}</strong>
            {o.promoted ? ', promoted' : ''}
            {o.decidedAt !== null ? ` at ${clock(o.decidedAt)}` : ''}
          </p>
          <p className="reason" data-testid="outcome-reason">
            {o.reason}
          </p>
        </>
      ) : (
        <p className="muted">This scenario rolls nothing out.</p>
      )}
      {x ? (
        <p className={x.met ? 'ok' : 'bad'} data-testid="expectation">
          Expected {x.expected.outcome}: {x.met ? 'met' : `not met — ${x.mismatches.join('; ')}`}
        </p>
      ) : null}
    </section>
  );
}
