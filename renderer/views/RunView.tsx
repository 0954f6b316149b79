import { useApp } from '../app-context';
import { TrafficView } from './traffic/TrafficView';
import { AnalysisTimeline } from './analysis/AnalysisTimeline';
import { ErrorBudget } from './budget/ErrorBudget';
import { DecisionLog } from './DecisionLog';
import { Outcome } from './Outcome';

/** The run: traffic, the analysis over time, the decisions with their reasons, the error budgets. */
export function RunView() {
  const snapshot = useApp((s) => s.snapshot);
  const hasErrors = useApp((s) => s.diagnostics.some((d) => d.severity === 'error'));
  if (!snapshot) {
    return <section className="empty">{hasErrors ? 'The scenario has errors: see the editor.' : 'Open a scenario from the library.'}</section>;
  }
  return (
    <section className="run-grid" data-testid="run-view">
      <div className="area-traffic">
        <TrafficView />
      </div>
      <div className="area-side">
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
  );
}
