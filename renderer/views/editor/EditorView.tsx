/** Placeholder: replaced by the EditorView implementation. */
export function EditorView() {
  return <section className="panel" data-testid="EditorView">EditorView</section>;
}
