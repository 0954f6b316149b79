/** Placeholder: replaced by the AnalysisTimeline implementation. */
export function AnalysisTimeline() {
  return <section className="panel" data-testid="AnalysisTimeline">AnalysisTimeline</section>;
}
