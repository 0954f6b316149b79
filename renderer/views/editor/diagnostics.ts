import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { Diagnostic } from '../../../simulation/scenario/diagnostics';
import { dirname, normalize, resolveRelative } from '../../../simulation/util/path';

/**
 * The store's diagnostics (file, 1-based line and column) as editor ranges,
 * and the helpers the diagnostics list needs. Pure: the document is anything
 * with CodeMirror's `Text` shape, so tests run without a DOM.
 */

/** The part of CodeMirror's `Text` used here. */
export interface DocLike {
  readonly length: number;
  readonly lines: number;
  line(n: number): { from: number; to: number; text: string };
}

export interface EditorDiagnostic {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
  /** The field path, shown as the diagnostic's source. */
  source?: string;
}

/** The offset of 1-based `line` and `column`, clamped to the document (line 0: its start). */
export function offsetOf(doc: DocLike, line: number, column: number): number {
  if (doc.lines === 0 || !(line >= 1)) return 0;
  const l = doc.line(Math.min(Math.floor(line), doc.lines));
  const col = Number.isFinite(column) ? Math.max(1, Math.floor(column)) : 1;
  return Math.min(l.to, l.from + col - 1);
}

/**
 * The range to underline for a problem at `line`:`column`: the token that
 * starts there (a quoted scalar whole, else up to whitespace, a flow
 * delimiter or a `: `), or an empty range at the clamped position.
 */
export function rangeAt(doc: DocLike, line: number, column: number): { from: number; to: number } {
  const from = offsetOf(doc, line, column);
  if (doc.lines === 0 || !(line >= 1)) return { from, to: from };
  const l = doc.line(Math.min(Math.floor(line), doc.lines));
  const rest = l.text.slice(from - l.from);
  return { from, to: from + tokenLength(rest) };
}

function tokenLength(s: string): number {
  const q = s[0];
  if (q === '"' || q === "'") {
    for (let i = 1; i < s.length; i++) {
      if (q === '"' && s[i] === '\\') i++;
      else if (s[i] === q) {
        if (q === "'" && s[i + 1] === "'") i++;
        else return i + 1;
      }
    }
    return s.length;
  }
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === ',' || c === ']' || c === '}' || c === '[' || c === '{') break;
    if (c === ':' && (i + 1 === s.length || s[i + 1] === ' ' || s[i + 1] === '\t')) break;
    i++;
  }
  return i;
}

/** Whether a diagnostic's file is the open scenario file (paths compared normalised). */
export function isThisFile(d: Diagnostic, file: string | null): boolean {
  return file !== null && samePath(d.file, file);
}

function samePath(a: string, b: string): boolean {
  const n = (p: string) => normalize(p.replace(/\\/g, '/'));
  return n(a) === n(b);
}

/**
 * The open file's diagnostics as editor ranges (problems without a position
 * sit at the start). With the text, problems of included files are shown at
 * the spec.include entry that brings the file in, their location prefixed.
 */
export function toEditorDiagnostics(diagnostics: readonly Diagnostic[], file: string | null, doc: DocLike, text?: string): EditorDiagnostic[] {
  const entries = new Map<string, number | null>();
  const entry = (f: string): number | null => {
    if (!entries.has(f)) entries.set(f, text === undefined ? null : includeEntryOffset(text, file, f));
    return entries.get(f) ?? null;
  };
  const out: EditorDiagnostic[] = [];
  for (const d of diagnostics) {
    const source = d.path ? { source: d.path } : {};
    if (isThisFile(d, file)) {
      const r = d.line > 0 ? rangeAt(doc, d.line, d.column) : { from: 0, to: 0 };
      out.push({ ...r, severity: d.severity, message: d.message, ...source });
      continue;
    }
    const at = entry(d.file);
    if (at === null || at > doc.length) continue;
    const line = lineOf(doc, at);
    const r = rangeAt(doc, line.number, at - line.from + 1);
    const where = `${displayFile(d.file, file)}${d.line > 0 ? `:${d.line}:${d.column}` : ''}`;
    out.push({ ...r, severity: d.severity, message: `${where}: ${d.message}`, ...source });
  }
  return out;
}

function lineOf(doc: DocLike, pos: number): { number: number; from: number } {
  let lo = 1;
  let hi = doc.lines;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.line(mid).from <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { number: lo, from: doc.line(lo).from };
}

/** This file's diagnostics first (by position), then the included files' (by file, position); errors before warnings at a tie. */
export function orderDiagnostics(diagnostics: readonly Diagnostic[], file: string | null): Diagnostic[] {
  const rank = (d: Diagnostic) => (isThisFile(d, file) ? 0 : 1);
  return [...diagnostics].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

/** A diagnostic's file as the list shows it: relative to the scenario's folder when inside it. */
export function displayFile(diagFile: string, scenarioFile: string | null): string {
  const f = diagFile.replace(/\\/g, '/');
  if (scenarioFile === null) return f;
  const dir = dirname(scenarioFile.replace(/\\/g, '/'));
  return dir !== '.' && f.startsWith(`${dir}/`) ? f.slice(dir.length + 1) : f;
}

/**
 * Where this scenario includes `diagFile` (the offset of its spec.include
 * entry), so a problem in an included file can take the cursor to the line
 * that brings it in; null when no entry resolves to it.
 */
export function includeEntryOffset(text: string, scenarioFile: string | null, diagFile: string): number | null {
  if (scenarioFile === null) return null;
  const dir = dirname(scenarioFile.replace(/\\/g, '/'));
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    return null;
  }
  if (!Array.isArray(docs)) return null;
  for (const d of docs) {
    if (!isMap(d.contents) || (d.contents.get('kind') as unknown) !== 'Scenario') continue;
    const spec = d.contents.get('spec', true);
    const inc = isMap(spec) ? spec.get('include', true) : undefined;
    if (!isSeq(inc)) return null;
    for (const item of inc.items) {
      const v = (item as { value?: unknown; range?: [number, number, number] }).value;
      const r = (item as { range?: [number, number, number] }).range;
      if (typeof v === 'string' && r && samePath(resolveRelative(dir, v), diagFile)) return r[0];
    }
  }
  return null;
}

/** "2 errors, 1 warning"; "no problems". */
export function countLabel(diagnostics: readonly Diagnostic[]): string {
  const e = diagnostics.filter((d) => d.severity === 'error').length;
  const w = diagnostics.length - e;
  if (e === 0 && w === 0) return 'no problems';
  const part = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [e ? part(e, 'error') : '', w ? part(w, 'warning') : ''].filter(Boolean).join(', ');
}
