/** Placeholder: replaced by the CompareView implementation. */
export function CompareView() {
  return <section className="panel" data-testid="CompareView">CompareView</section>;
}
