/** Placeholder: replaced by the TrafficView implementation. */
export function TrafficView() {
  return <section className="panel" data-testid="TrafficView">TrafficView</section>;
}
