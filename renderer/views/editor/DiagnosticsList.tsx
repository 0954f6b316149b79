import { memo } from 'react';
import type { Diagnostic } from '../../../electron/host-api';
import { countLabel, displayFile, isThisFile } from './diagnostics';

/** The last validation's problems: this file's first, then the included files' with their names; a click goes to one. */
export const DiagnosticsList = memo(function DiagnosticsList({ diagnostics, file, onPick }: { diagnostics: readonly Diagnostic[]; file: string | null; onPick(d: Diagnostic): void }) {
  const errors = diagnostics.some((d) => d.severity === 'error');
  return (
    <section className="panel diagnostics" aria-label="problems" data-testid="diagnostics">
      <h2>
        Problems <span className={`diag-count ${errors ? 'bad' : diagnostics.length ? 'warn' : 'ok'}`}>{countLabel(diagnostics)}</span>
      </h2>
      {diagnostics.length === 0 ? null : (
        <ol>
          {diagnostics.map((d, i) => {
            const here = isThisFile(d, file);
            const where = d.line > 0 ? `${d.line}:${d.column}` : '';
            return (
              <li key={`${d.file}:${d.line}:${d.column}:${i}`} className={`diag diag-${d.severity}`} data-testid="diagnostic" data-severity={d.severity} data-file={d.file} data-line={d.line}>
                <button
                  onClick={() => onPick(d)}
                  title={here ? 'go to the problem' : `in ${d.file}: go to the line that includes it`}
                >
                  <span className="diag-sev" aria-label={d.severity}>
                    {d.severity === 'error' ? '✖' : '▲'}
                  </span>
                  <span className="diag-text">
                    <span className="diag-where">
                      {here ? null : <span className="diag-file">{displayFile(d.file, file)}</span>}
                      {here ? where : where ? `:${where}` : ''}
                    </span>{' '}
                    {d.path ? <code className="diag-path">{d.path}</code> : null} <span className="diag-msg">{d.message}</span>
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
});
