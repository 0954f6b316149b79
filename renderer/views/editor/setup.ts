import { basicSetup } from 'codemirror';
import { Compartment, EditorState, type Extension, Prec, RangeSetBuilder } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, MatchDecorator, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import { indentUnit, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { lintGutter } from '@codemirror/lint';
import { highlightStyle, scenarioYaml } from './language';

/**
 * The editor's CodeMirror configuration: basicSetup (line numbers, undo
 * history, search, folding, bracket matching), YAML with nested PromQL,
 * the lint gutter for the store's diagnostics, and a theme made of the
 * app's CSS variables (the dark flag lives in a compartment).
 */

export interface EditorHooks {
  /** The document changed (typing, undo, a knob written through the editor). */
  onChange(text: string): void;
  save(): void;
  run(): void;
}

/** `{{ … }}` Go-template actions (MetricTemplate queries, webhook commands) stand out. */
const templateMarks = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    private readonly matcher = new MatchDecorator({ regexp: /\{\{.*?\}\}/g, decoration: Decoration.mark({ class: 'cm-gotemplate' }) });
    constructor(view: EditorView) {
      this.decorations = this.matcher.createDeco(view);
    }
    update(u: ViewUpdate) {
      this.decorations = this.matcher.updateDeco(u, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);

/**
 * Whole-line `#` comments, styled from the text as well as from the tree:
 * @lezer/yaml 1.0.4 loses the comments before the first document's content
 * when it reparses incrementally (any edit, or a file longer than the first
 * parse's 3000 characters), which left those lines unhighlighted. Lines
 * inside block or quoted scalars are not comments and stay as they are.
 */
const commentLine = Decoration.mark({ class: 'cm-comment-line' });
const SCALARS = new Set(['BlockLiteralContent', 'BlockLiteral', 'QuotedLiteral', 'Literal']);

function commentLines(view: EditorView): DecorationSet {
  const b = new RangeSetBuilder<Decoration>();
  const tree = syntaxTree(view.state);
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to; ) {
      const line = view.state.doc.lineAt(pos);
      const hash = line.text.search(/\S/);
      if (hash >= 0 && line.text[hash] === '#') {
        const at = line.from + hash;
        let inScalar = false;
        for (let n: ReturnType<typeof tree.resolveInner> | null = tree.resolveInner(at, 1); n; n = n.parent) {
          if (n.name === 'Comment') break;
          if (SCALARS.has(n.name)) {
            inScalar = true;
            break;
          }
        }
        if (!inScalar) b.add(at, line.to, commentLine);
      }
      pos = line.to + 1;
    }
  }
  return b.finish();
}

const commentMarks = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = commentLines(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || syntaxTree(u.state) !== syntaxTree(u.startState)) this.decorations = commentLines(u.view);
    }
  },
  { decorations: (v) => v.decorations },
);

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--panel)', color: 'var(--fg)', fontSize: '12.5px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cm-active-line)', color: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'var(--cm-selection)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-selectionMatch': { backgroundColor: 'var(--cm-match)' },
  '.cm-searchMatch': { backgroundColor: 'var(--cm-match)', outline: '1px solid var(--warn)' },
  '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: 'var(--cm-selection)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--cm-match)', outline: '1px solid var(--accent)' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--hover)', border: '1px solid var(--border)', color: 'var(--muted)' },
  '.cm-panels': { backgroundColor: 'var(--bg)', color: 'var(--fg)' },
  '.cm-panels.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-panels.cm-panels-bottom': { borderTop: '1px solid var(--border)' },
  '.cm-panel input, .cm-panel button': { fontSize: '12px' },
  '.cm-textfield': { backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-button': { backgroundImage: 'none', backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel)', color: 'var(--fg)', border: '1px solid var(--border)', borderRadius: '4px' },
  '.cm-tooltip-lint': { maxWidth: '560px' },
  '.cm-diagnostic': { fontFamily: 'var(--font)', whiteSpace: 'pre-wrap' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--bad)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warn)' },
  '.cm-diagnosticSource': { color: 'var(--muted)', fontFamily: 'var(--mono)', opacity: '1' },
  '.cm-comment-line': { color: 'var(--cm-comment)', fontStyle: 'italic' },
  '.cm-gotemplate': { color: 'var(--cm-template)', backgroundColor: 'var(--cm-template-bg)', borderRadius: '2px' },
});

/** The dark flag CodeMirror's base theme reads (tooltips, panels): swapped when the app's theme changes. */
export const darkCompartment = new Compartment();
export const darkFlag = (dark: boolean): Extension => EditorView.darkTheme.of(dark);

export function editorExtensions(dark: boolean, hooks: EditorHooks): Extension[] {
  return [
    basicSetup,
    EditorState.tabSize.of(2),
    indentUnit.of('  '),
    scenarioYaml(),
    syntaxHighlighting(highlightStyle),
    templateMarks,
    commentMarks,
    lintGutter({ hoverTime: 150 }),
    theme,
    darkCompartment.of(darkFlag(dark)),
    EditorView.contentAttributes.of({ 'aria-label': 'scenario YAML', spellcheck: 'false' }),
    Prec.high(
      keymap.of([
        { key: 'Mod-s', preventDefault: true, run: () => (hooks.save(), true) },
        { key: 'Mod-Enter', preventDefault: true, run: () => (hooks.run(), true) },
      ]),
    ),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) hooks.onChange(u.state.doc.toString());
    }),
  ];
}
