/** Placeholder: replaced by the ErrorBudget implementation. */
export function ErrorBudget() {
  return <section className="panel" data-testid="ErrorBudget">ErrorBudget</section>;
}
