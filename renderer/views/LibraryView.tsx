import { useRef } from 'react';
import { useApp } from '../app-context';
import { clock, duration } from '../format';
import type { LibraryEntry } from '../../electron/host-api';
import { LessonPath } from './lesson/LessonPath';
import { YamlFileInput } from './YamlFileInput';

/** The lessons' path, bundled scenarios, recent files, open from disk; what each holds. */
export function LibraryView() {
  const library = useApp((s) => s.library);
  const open = useApp((s) => s.open);
  const host = useApp((s) => s.host);
  const input = useRef<HTMLInputElement>(null);
  const openFromDisk = async () => {
    if (host.kind === 'electron') {
      const f = await host.openDialog();
      if (f) await open(f.file, f.text);
    } else input.current?.click();
  };
  const groups: Array<[string, LibraryEntry[]]> = [
    // Every bundled scenario, lessons too: opened from here, a lesson's questions wait until "Take the lesson".
    ['Scenarios', (library ?? []).filter((e) => e.source === 'bundled')],
    ['Recent files', (library ?? []).filter((e) => e.source === 'recent')],
  ];
  return (
    <section className="library" data-testid="library">
      <div className="library-actions">
        <button data-testid="open-file" onClick={() => void openFromDisk()}>
          Open scenario…
        </button>
        <YamlFileInput inputRef={input} testId="file-input" onFile={open} />
      </div>
      {library === null ? <p className="muted">Loading the library…</p> : <LessonPath library={library} />}
      {groups.map(([title, entries]) =>
        entries.length === 0 ? null : (
          <div key={title}>
            <h2>{title}</h2>
            <div className="cards">
              {entries.map((e) => (
                <Card key={e.file} entry={e} onOpen={() => void open(e.file)} />
              ))}
            </div>
          </div>
        ),
      )}
    </section>
  );
}

function Card({ entry, onOpen }: { entry: LibraryEntry; onOpen: () => void }) {
  const s = entry.summary;
  if (!s) {
    return (
      <article className="card broken">
        <h3>{entry.file}</h3>
        <p className="error">{entry.diagnostics.find((d) => d.severity === 'error')?.message ?? 'does not load'}</p>
      </article>
    );
  }
  const c = s.canary;
  return (
    <article className="card" data-testid={`card-${s.name}`}>
      <h3>{s.lesson?.title ?? s.name}</h3>
      <p className="muted small">{entry.file}</p>
      {s.description ? <p>{s.description}</p> : null}
      <dl>
        <dt>services</dt>
        <dd>{s.services.join(', ')}</dd>
        {c ? (
          <>
            <dt>canary</dt>
            <dd>
              {c.name}: every {duration(c.interval)}, step {c.stepWeight}% to {c.maxWeight}%, threshold {c.threshold}; {c.metrics.map((m) => m.name).join(', ')}
            </dd>
          </>
        ) : null}
        {s.rolloutAt !== null ? (
          <>
            <dt>rollout</dt>
            <dd>at {clock(s.rolloutAt)}</dd>
          </>
        ) : null}
        {s.faults.length > 0 ? (
          <>
            <dt>faults</dt>
            <dd>{s.faults.map((f) => `${f.name} (${f.type}) at ${clock(f.at)}`).join('; ')}</dd>
          </>
        ) : null}
        {s.slos.length > 0 ? (
          <>
            <dt>SLOs</dt>
            <dd>{s.slos.map((x) => `${x.name} ${x.objective}%`).join(', ')}</dd>
          </>
        ) : null}
        {s.expect ? (
          <>
            <dt>expected</dt>
            <dd>{s.expect.outcome}</dd>
          </>
        ) : null}
      </dl>
      <button data-testid={`open-${s.name}`} onClick={onOpen}>
        Open
      </button>
    </article>
  );
}
