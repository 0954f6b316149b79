import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { EditorState, type Extension, StateEffect } from '@codemirror/state';
import { EditorView as CodeMirror } from '@codemirror/view';
import { setDiagnostics } from '@codemirror/lint';
import { StoreContext, useApp } from '../../app-context';
import type { Diagnostic } from '../../../electron/host-api';
import { dirname, resolveRelative } from '../../../simulation/util/path';
import { includeEntryOffset, isThisFile, offsetOf, orderDiagnostics, toEditorDiagnostics } from './diagnostics';
import { DiagnosticsList } from './DiagnosticsList';
import { type Knob, readKnobs, writeKnob } from '../../../simulation/scenario/canary-knobs';
import { KnobsPanel } from './KnobsPanel';
import { darkCompartment, darkFlag, editorExtensions, type EditorHooks } from './setup';
import { minimalChange } from './text-diff';
import './editor.css';

/**
 * The scenario editor: the YAML in CodeMirror (PromQL fields highlighted,
 * the last validation's problems inline and listed below), quick controls
 * for the rolled-out Canary's knobs, save and run. Typing reaches the store
 * (`setText`, which validates) 300 ms after the last keystroke; saving,
 * running and leaving the view send any pending text first.
 */

const DEBOUNCE_MS = 300;

/**
 * The editor's state while the view is not shown (the app unmounts views):
 * coming back to the same file and text restores it — undo history,
 * selection, folds and scroll position included.
 */
let parked: { file: string | null; state: EditorState; scroll: StateEffect<unknown> } | null = null;

function applyDiagnostics(view: CodeMirror, diagnostics: readonly Diagnostic[], file: string | null): void {
  const doc = view.state.doc;
  view.dispatch(setDiagnostics(view.state, toEditorDiagnostics(diagnostics, file, doc, diagnostics.some((d) => !isThisFile(d, file)) ? doc.toString() : undefined)));
}

export function EditorView() {
  const store = useContext(StoreContext);
  if (!store) throw new Error('EditorView outside the StoreContext provider');
  const file = useApp((s) => s.file);
  const text = useApp((s) => s.text);
  const diagnostics = useApp((s) => s.diagnostics);
  const theme = useApp((s) => s.theme);
  const summary = useApp((s) => s.summary);
  const host = useApp((s) => s.host);
  const dirty = useApp((s) => s.text !== s.savedText);

  const parent = useRef<HTMLDivElement>(null);
  const viewRef = useRef<CodeMirror | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The text this editor last sent to the store (the store echoes it back while the editor may have moved on). */
  const sent = useRef<string | null>(null);
  const fileRef = useRef<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const cancel = () => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
  };

  /** Sends the editor's text to the store now (validation follows). */
  const flush = useCallback(async (): Promise<void> => {
    cancel();
    const view = viewRef.current;
    if (!view) return;
    const t = view.state.doc.toString();
    if (t === store.getState().text) return;
    sent.current = t;
    await store.getState().setText(t);
  }, [store]);

  const run = useCallback(async (): Promise<void> => {
    setBusy(true);
    setNotice(null);
    try {
      await flush();
      await store.getState().rerun();
    } finally {
      setBusy(false);
    }
    const s = store.getState();
    const errors = s.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > 0) setNotice(`Not run: the scenario has ${errors === 1 ? 'an error' : `${errors} errors`} (listed below).`);
    else if (s.error === null) s.setView('run');
  }, [flush, store]);

  const save = useCallback(
    async (as: boolean): Promise<void> => {
      await flush();
      if (as) await store.getState().saveAs();
      else await store.getState().save();
    },
    [flush, store],
  );

  // The CodeMirror hooks are fixed at creation: they call through this ref.
  const actions = useRef({ run, save });
  actions.current = { run, save };

  const configure = useCallback(
    (doc: string): Extension[] => {
      const hooks: EditorHooks = {
        onChange(t) {
          cancel();
          if (t === store.getState().text) return;
          timer.current = setTimeout(() => {
            timer.current = null;
            void flush();
          }, DEBOUNCE_MS);
        },
        save: () => void actions.current.save(false),
        run: () => void actions.current.run(),
      };
      const extensions = editorExtensions(store.getState().theme === 'dark', hooks);
      // Keep the file's own line breaks (CodeMirror would otherwise write \n).
      if (doc.includes('\r\n')) extensions.push(EditorState.lineSeparator.of('\r\n'));
      return extensions;
    },
    [flush, store],
  );
  const createState = useCallback((doc: string): EditorState => EditorState.create({ doc, extensions: configure(doc) }), [configure]);

  // Create the editor (or restore the parked one); leaving the view sends pending edits and parks it.
  useEffect(() => {
    const s = store.getState();
    const restore = parked !== null && parked.file === s.file && parked.state.doc.toString() === s.text ? parked : null;
    parked = null;
    const state = restore ? restore.state.update({ effects: StateEffect.reconfigure.of(configure(s.text)) }).state : createState(s.text);
    const view = new CodeMirror({ parent: parent.current as HTMLDivElement, state });
    if (restore) view.dispatch({ effects: restore.scroll });
    viewRef.current = view;
    fileRef.current = s.file;
    sent.current = s.text;
    applyDiagnostics(view, s.diagnostics, s.file);
    return () => {
      const pending = timer.current !== null;
      cancel();
      const t = view.state.doc.toString();
      if (pending && t !== store.getState().text) void store.getState().setText(t);
      parked = { file: store.getState().file, state: view.state, scroll: view.scrollSnapshot() };
      view.destroy();
      viewRef.current = null;
    };
  }, [configure, createState, store]);

  // The store's text changed from outside (another scenario opened, a reload): show it.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const fileChanged = file !== fileRef.current;
    fileRef.current = file;
    const doc = view.state.doc.toString();
    if (text === doc) {
      sent.current = text;
      return;
    }
    if (!fileChanged && text === sent.current) return; // our own text coming back; the editor has moved on
    cancel();
    sent.current = text;
    if (fileChanged) {
      view.setState(createState(text));
      applyDiagnostics(view, store.getState().diagnostics, file);
    } else {
      const change = minimalChange(doc, text);
      if (change) view.dispatch({ changes: change, userEvent: 'set.external' });
    }
  }, [file, text, createState, store]);

  useEffect(() => {
    const view = viewRef.current;
    if (view) applyDiagnostics(view, diagnostics, file);
  }, [diagnostics, file]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: darkCompartment.reconfigure(darkFlag(theme === 'dark')) });
  }, [theme]);

  useEffect(() => setNotice(null), [file]);
  // A "not run" notice goes once the errors are fixed.
  useEffect(() => {
    if (!diagnostics.some((d) => d.severity === 'error')) setNotice(null);
  }, [diagnostics]);

  // Quick controls: the Canary in this text, or the included file that holds it.
  const base = useMemo(() => readKnobs(text), [text]);
  const includeKey = base.kind === 'included' && file !== null ? `${file}\n${base.includes.join('\n')}` : '';
  const [included, setIncluded] = useState<{ key: string; texts: Record<string, string> }>({ key: '', texts: {} });
  useEffect(() => {
    if (includeKey === '') return;
    const [scenario, ...includes] = includeKey.split('\n');
    const dir = dirname(scenario);
    let live = true;
    void Promise.all(
      includes.map(async (inc): Promise<[string, string] | null> => {
        try {
          return [inc, (await host.readScenario(resolveRelative(dir, inc))).text];
        } catch {
          return null;
        }
      }),
    ).then((rows) => {
      if (live) setIncluded({ key: includeKey, texts: Object.fromEntries(rows.filter((r): r is [string, string] => r !== null)) });
    });
    return () => {
      live = false;
    };
  }, [includeKey, host]);
  const knobs = useMemo(
    () => (base.kind === 'included' && included.key === includeKey ? readKnobs(text, { includes: included.texts }) : base),
    [base, included, includeKey, text],
  );

  const write = useCallback(
    (knob: Knob, value: string): string | null => {
      const view = viewRef.current;
      if (!view) return 'the editor is not ready';
      const doc = view.state.doc.toString();
      const r = writeKnob(doc, knob, value);
      if (!r.ok) return r.message;
      const change = minimalChange(doc, r.text);
      if (change) {
        view.dispatch({ changes: change, userEvent: 'input.knob' });
        void flush();
      }
      return null;
    },
    [flush],
  );

  const ordered = useMemo(() => orderDiagnostics(diagnostics, file), [diagnostics, file]);

  const pick = useCallback(
    (d: Diagnostic) => {
      const view = viewRef.current;
      if (!view) return;
      const pos = isThisFile(d, file) ? (d.line > 0 ? offsetOf(view.state.doc, d.line, d.column) : 0) : includeEntryOffset(view.state.doc.toString(), file, d.file);
      if (pos === null) {
        setNotice(`${d.file} is not included by this file directly.`);
        return;
      }
      view.dispatch({ selection: { anchor: pos }, effects: CodeMirror.scrollIntoView(pos, { y: 'center' }) });
      view.focus();
    },
    [file],
  );

  return (
    <section className="editor-view" data-testid="editor">
      <div className="editor-toolbar">
        <span className="editor-file" title={file ?? ''}>
          {file ?? 'no scenario open'}
        </span>
        <span className={dirty ? 'editor-state dirty' : 'editor-state muted'} data-testid="editor-dirty" data-dirty={dirty}>
          {dirty ? '● unsaved changes' : 'saved'}
        </span>
        <span className="editor-spacer" />
        {notice ? (
          <span className="editor-notice" role="status" data-testid="editor-notice">
            {notice}
          </span>
        ) : null}
        <button data-testid="editor-save" disabled={file === null} onClick={() => void save(false)} title={host.kind === 'web' ? 'Save (downloads the file) — Ctrl+S' : 'Save — Ctrl+S'}>
          Save
        </button>
        <button data-testid="editor-save-as" disabled={file === null} onClick={() => void save(true)} title="Save as a new file">
          Save as…
        </button>
        <button className="editor-run" data-testid="editor-run" disabled={file === null || busy} onClick={() => void run()} title="Validate and run from the start — Ctrl+Enter">
          ▶ Run
        </button>
      </div>
      <div className="editor-main">
        <div className="editor-cm" ref={parent} />
        <DiagnosticsList diagnostics={ordered} file={file} onPick={pick} />
      </div>
      <KnobsPanel state={knobs} summary={summary} write={write} />
    </section>
  );
}
