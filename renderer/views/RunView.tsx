import { useApp } from '../app-context';
import { TrafficView } from './traffic/TrafficView';
import { AnalysisTimeline } from './analysis/AnalysisTimeline';
import { ErrorBudget } from './budget/ErrorBudget';
import { DecisionLog } from './DecisionLog';
import { Outcome } from './Outcome';
import { LessonPanel } from './lesson/LessonPanel';
import { CheckpointCard } from './lesson/CheckpointCard';

/**
 * The run: traffic, the analysis over time, the decisions with their reasons, the error budgets (and which sweep run
 * it is, for a drill-down). A lesson's run has its panel on top and its checkpoint questions next to the decisions.
 */
export function RunView() {
  const snapshot = useApp((s) => s.snapshot);
  const hasErrors = useApp((s) => s.diagnostics.some((d) => d.severity === 'error'));
  const sweepRun = useApp((s) => s.sweepRun);
  const setView = useApp((s) => s.setView);
  if (!snapshot) {
    return <section className="empty">{hasErrors ? 'The scenario has errors: see the editor.' : 'Open a scenario from the library.'}</section>;
  }
  return (
    <>
      {sweepRun ? (
        <div className="panel run-sweep-banner" data-testid="sweep-run-banner" role="note">
          <span>
            A sweep's run: <strong>{sweepRun.configuration}</strong> · {sweepRun.situation} · seed {sweepRun.seed}
          </span>
          <button type="button" data-testid="back-to-tuning" onClick={() => setView('tuning')}>
            Back to the tuning lab
          </button>
        </div>
      ) : (
        <LessonPanel />
      )}
      <section className="run-grid" data-testid="run-view">
        <div className="area-traffic">
          <TrafficView />
        </div>
        <div className="area-side">
          {sweepRun ? null : <CheckpointCard />}
          <Outcome />
          <DecisionLog />
        </div>
        <div className="area-analysis">
          <AnalysisTimeline />
        </div>
        <div className="area-budget">
          <ErrorBudget />
        </div>
      </section>
    </>
  );
}
