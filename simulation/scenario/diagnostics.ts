/** A problem found in a scenario or manifest, located in its source file. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based; 0 when the problem has no position (e.g. an unreadable file). */
  line: number;
  column: number;
  /** Field path such as spec.traffic[0].rate.mean; empty for whole-document problems. */
  path: string;
  message: string;
}

/** file:line:column: path: message (warnings are prefixed "warning:"). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const sev = d.severity === 'warning' ? 'warning: ' : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}: ${sev}${path}${d.message}`;
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** Formats a field path from its segments: a.b[2].c */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
