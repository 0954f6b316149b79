import { useEffect, useState } from 'react';
import type { ConfigurationResult, SweepResult } from '../../../simulation/sweep/aggregate';
import type { CanaryPatch } from '../../../simulation/sweep/apply';
import { useApp } from '../../app-context';
import { diffLines } from './results';

/**
 * "Apply": the configuration's values written into the Canary's own file,
 * shown as a unified diff to review, then saved (atomically on the desktop;
 * the browser downloads the file). When the editor holds that file the
 * patch applies to its text, and saving (or "apply in the editor") updates
 * the editor too.
 */
export function ApplyPanel({ result, configuration }: { result: SweepResult; configuration: ConfigurationResult }) {
  const previewApply = useApp((s) => s.previewApply);
  const saveApply = useApp((s) => s.saveApply);
  const setText = useApp((s) => s.setText);
  const editorFile = useApp((s) => s.file);
  const hostKind = useApp((s) => s.host.kind);
  const [patch, setPatch] = useState<CanaryPatch | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A preview is of one configuration of one result.
  useEffect(() => {
    setPatch(null);
    setError(null);
    setNotice(null);
  }, [result, configuration]);
  const preview = async () => {
    setNotice(null);
    const r = await previewApply(configuration.index);
    if (r.ok) {
      setPatch(r.patch);
      setError(null);
    } else {
      setPatch(null);
      setError(r.error);
    }
  };
  const inEditor = patch !== null && patch.file === editorFile;
  return (
    <section className="panel apply" data-testid="apply" aria-label="apply the configuration">
      <h2>Apply</h2>
      <p className="small">
        Writes <strong>{configuration.label}</strong> into the Canary <code>{result.sweep.canary}</code> in <code>{result.sweep.canaryFile}</code>
        {result.sweep.canaryFile === editorFile ? ' (the scenario open in the editor: its current text)' : ''}.
      </p>
      <button type="button" data-testid="apply-preview" onClick={() => void preview()}>
        Show the change
      </button>
      {error ? (
        <p className="bad" role="alert" data-testid="apply-error">
          {error}
        </p>
      ) : null}
      {patch ? (
        patch.diff === '' ? (
          <p className="muted" data-testid="apply-same">
            The Canary already has these values: nothing to change.
          </p>
        ) : (
          <>
            <pre className="diff" data-testid="apply-diff" aria-label={`changes to ${patch.file}`}>
              {diffLines(patch.diff).map((l, i) => (
                <span key={i} className={`diff-${l.kind}`}>
                  {l.text}
                  {'\n'}
                </span>
              ))}
            </pre>
            <div className="apply-actions">
              <button
                type="button"
                data-testid="apply-save"
                onClick={async () => {
                  try {
                    const where = await saveApply(patch);
                    setNotice(where === null ? 'Not saved.' : hostKind === 'web' ? `Downloaded ${where}: replace ${patch.file} with it and commit.` : `Saved ${where}: ready to commit.`);
                  } catch (e) {
                    setError(e instanceof Error ? e.message : String(e));
                  }
                }}
              >
                {hostKind === 'web' ? 'Download the file' : 'Save the file'}
              </button>
              {inEditor ? (
                <button
                  type="button"
                  data-testid="apply-editor"
                  onClick={() => {
                    void setText(patch.after);
                    setNotice('Applied in the editor (not saved): run it, or save it from the editor.');
                  }}
                >
                  Apply in the editor
                </button>
              ) : null}
            </div>
          </>
        )
      ) : null}
      {notice ? (
        <p className="muted small" role="status" data-testid="apply-notice">
          {notice}
        </p>
      ) : null}
    </section>
  );
}
