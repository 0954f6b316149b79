import { useMemo, useState } from 'react';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import type { RunSnapshot, ScenarioSummary } from '../../../simulation/run/session';
import {
  copyDocument,
  defaultForm,
  type FaultForm,
  faultTemplate,
  FORM_FIELDS,
  FORM_TYPES,
  type FormType,
  formDocument,
  freshName,
  isFormType,
  type PaletteEntry,
  paletteEntries,
  parseFaultText,
  takenNames,
  versionsOf,
} from './palette';
import { scenarioFaultDocs } from './scenario-text';

/**
 * The facilitator's palette: the plan's faults (a copy of a scheduled one, or
 * a planned type with a small form), any common fault, a fault written as a
 * document, and the faults active now with a cancel button each. What the
 * run session refuses is shown where it was asked, in its words.
 */

type Note = { key: string; text: string; ok: boolean } | null;

const NO_ACTIVE: RunSnapshot['activeFaults'] = [];

export function FaultPalette() {
  const summary = useApp((s) => s.summary);
  const text = useApp((s) => s.text);
  const snapshot = useApp((s) => s.snapshot);
  const active = useApp((s) => s.snapshot?.activeFaults ?? NO_ACTIVE);
  const inject = useApp((s) => s.inject);
  const cancelFault = useApp((s) => s.cancelFault);
  const docs = useMemo(() => scenarioFaultDocs(text), [text]);
  const entries = useMemo(() => paletteEntries(summary, docs), [summary, docs]);
  const [note, setNote] = useState<Note>(null);
  const [pending, setPending] = useState<string | null>(null);

  const run = async (key: string, doc: Record<string, unknown>) => {
    setPending(key);
    try {
      const refused = await inject(doc);
      const name = typeof doc.name === 'string' ? doc.name : 'the fault';
      setNote(refused ? { key, text: refused, ok: false } : { key, text: `Injected ${name} at ${clock(snapshot?.t ?? 0)}.`, ok: true });
    } finally {
      setPending(null);
    }
  };
  const fresh = (base: string) => freshName(base, takenNames(summary, snapshot));
  const noteFor = (key: string) =>
    note?.key === key ? (
      <p className={note.ok ? 'gd-note ok' : 'gd-note bad'} role={note.ok ? 'status' : 'alert'} data-testid={note.ok ? `injected-${key}` : `refusal-${key}`}>
        {note.text}
      </p>
    ) : null;

  return (
    <section className="panel gd-palette" data-testid="fault-palette" aria-label="fault palette">
      <h2>Fault palette</h2>
      {summary?.gameDay?.hideFaults ? <p className="muted small">The plan hides its faults from the participants: keep this view to the facilitator.</p> : null}
      {entries.length > 0 ? (
        <ul className="gd-entries">
          {entries.map((e) => (
            <li key={e.key} className="gd-entry" data-testid={`palette-${e.key}`}>
              <PlannedEntry entry={e} summary={summary} snapshot={snapshot} busy={pending === e.key} fresh={fresh} onInject={(doc) => void run(e.key, doc)} />
              {noteFor(e.key)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">The plan lists no faults; inject any below.</p>
      )}
      <details className="gd-more">
        <summary>Another fault</summary>
        <AnyFault summary={summary} busy={pending === 'fault'} fresh={fresh} onInject={(doc) => void run('fault', doc)} />
        {noteFor('fault')}
        <DocumentFault summary={summary} busy={pending === 'doc'} fresh={fresh} onInject={(doc) => void run('doc', doc)} />
        {noteFor('doc')}
      </details>
      <h3 className="gd-sub">Active now</h3>
      {active.length === 0 ? (
        <p className="muted small" data-testid="no-active-faults">
          No fault is active.
        </p>
      ) : (
        <ul className="gd-active" data-testid="active-faults">
          {active.map((f) => (
            <li key={f.name}>
              <span className="gd-fault-name">{f.name}</span> <span className="muted">{f.type}</span>
              {f.intensity < 1 ? <span className="muted"> · {Math.round(f.intensity * 100)}%</span> : null}
              <button
                className="gd-cancel"
                data-testid={`cancel-fault-${f.name}`}
                onClick={() => {
                  void cancelFault(f.name).then((refused) => setNote(refused ? { key: `cancel-${f.name}`, text: refused, ok: false } : { key: 'cancel', text: `Cancelled ${f.name}.`, ok: true }));
                }}
              >
                Cancel
              </button>
              {noteFor(`cancel-${f.name}`)}
            </li>
          ))}
        </ul>
      )}
      {noteFor('cancel')}
    </section>
  );
}

function PlannedEntry({
  entry,
  summary,
  snapshot,
  busy,
  fresh,
  onInject,
}: {
  entry: PaletteEntry;
  summary: ScenarioSummary | null;
  snapshot: RunSnapshot | null;
  busy: boolean;
  fresh: (base: string) => string;
  onInject: (doc: Record<string, unknown>) => void;
}) {
  if (entry.kind === 'scheduled') {
    const now = snapshot?.t ?? 0;
    const isActive = snapshot?.activeFaults.some((f) => f.name === entry.name) ?? false;
    const fault = entry.fault;
    return (
      <>
        <div className="gd-entry-head">
          <strong>{entry.name}</strong> <span className="muted">{entry.type}</span>
          <span className="gd-tag">{isActive ? 'active now' : entry.at > now ? `scheduled at ${clock(entry.at)}` : `scheduled from ${clock(entry.at)}`}</span>
        </div>
        <p className="muted small">Scheduled by the scenario: it cannot be injected again under its own name; inject a copy that starts now.</p>
        <button className="gd-inject" data-testid={`inject-${entry.key}`} disabled={busy || !fault} title={fault ? undefined : 'its document is not in the scenario text'} onClick={() => fault && onInject(copyDocument(fault, fresh(`${entry.name}-copy`)))}>
          Inject a copy now
        </button>
      </>
    );
  }
  if (entry.form && isFormType(entry.type)) {
    return <TypeForm type={entry.type} testKey={entry.key} summary={summary} busy={busy} fresh={fresh} onInject={onInject} />;
  }
  return <DocumentFault summary={summary} busy={busy} fresh={fresh} onInject={onInject} type={entry.type} testKey={entry.key} />;
}

/** The form of one fault type, with its inject button `inject-<testKey>`. */
function TypeForm({ type, testKey, summary, busy, fresh, onInject }: { type: FormType; testKey: string; summary: ScenarioSummary | null; busy: boolean; fresh: (base: string) => string; onInject: (doc: Record<string, unknown>) => void }) {
  const [form, setForm] = useState<FaultForm>(() => defaultForm(type, summary));
  return (
    <>
      <div className="gd-entry-head">
        <strong>{type}</strong> <span className="muted">{FORM_FIELDS[type].blurb}</span>
      </div>
      <FormFields form={form} testKey={testKey} summary={summary} onChange={setForm} />
      <button className="gd-inject" data-testid={`inject-${testKey}`} disabled={busy} onClick={() => onInject(formDocument(form, fresh(`${type}-live`)))}>
        Inject now
      </button>
    </>
  );
}

function FormFields({ form, testKey, summary, onChange }: { form: FaultForm; testKey: string; summary: ScenarioSummary | null; onChange: (f: FaultForm) => void }) {
  const spec = FORM_FIELDS[form.type];
  const versions = summary ? versionsOf(summary, form.service) : ['primary', 'canary'];
  const id = (k: string) => `fault-${testKey}-${k}`;
  return (
    <div className="gd-form">
      {spec.revision ? (
        <>
          <label>
            service
            <select data-testid={id('service')} value={form.service} onChange={(e) => onChange({ ...form, service: e.target.value })}>
              {(summary?.services ?? []).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            version
            <select data-testid={id('version')} value={form.version} onChange={(e) => onChange({ ...form, version: e.target.value as FaultForm['version'] })}>
              {[...versions, 'all'].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        </>
      ) : (
        <span className="muted small gd-target">target: the metrics provider</span>
      )}
      {spec.params.map((p) => (
        <label key={p.key} title={p.hint}>
          {p.label}
          {p.kind === 'choice' ? (
            <select data-testid={id(p.key)} value={form.params[p.key] ?? p.initial} onChange={(e) => onChange({ ...form, params: { ...form.params, [p.key]: e.target.value } })}>
              {(p.options ?? []).map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input data-testid={id(p.key)} className={p.kind === 'number' ? 'gd-num' : 'gd-dur'} value={form.params[p.key] ?? ''} onChange={(e) => onChange({ ...form, params: { ...form.params, [p.key]: e.target.value } })} />
          )}
        </label>
      ))}
      <label title="how long it lasts (Go duration, e.g. 5m); empty: until cancelled">
        for
        <input data-testid={id('for')} className="gd-dur" value={form.duration} placeholder="until cancelled" onChange={(e) => onChange({ ...form, duration: e.target.value })} />
      </label>
    </div>
  );
}

/** Any of the form's types. */
function AnyFault({ summary, busy, fresh, onInject }: { summary: ScenarioSummary | null; busy: boolean; fresh: (base: string) => string; onInject: (doc: Record<string, unknown>) => void }) {
  const [form, setForm] = useState<FaultForm>(() => defaultForm('http-abort', summary));
  return (
    <div className="gd-any">
      <label>
        type
        <select data-testid="fault-type" value={form.type} onChange={(e) => setForm(defaultForm(e.target.value as FormType, summary))}>
          {FORM_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <FormFields form={form} testKey="fault" summary={summary} onChange={setForm} />
      <button className="gd-inject" data-testid="inject-fault" disabled={busy} onClick={() => onInject(formDocument(form, fresh(`${form.type}-live`)))}>
        Inject now
      </button>
    </div>
  );
}

/** A fault written as a `spec.faults[]` document (any type and target, docs/faults.md). */
function DocumentFault({ summary, busy, fresh, onInject, type, testKey = 'doc' }: { summary: ScenarioSummary | null; busy: boolean; fresh: (base: string) => string; onInject: (doc: Record<string, unknown>) => void; type?: string; testKey?: string }) {
  const [text, setText] = useState(() => (type ? faultTemplate(type, fresh(`${type}-live`), summary) : ''));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="gd-docfault">
      {type ? (
        <div className="gd-entry-head">
          <strong>{type}</strong> <span className="muted">written as a fault document</span>
        </div>
      ) : (
        <p className="muted small">Or write the fault as a spec.faults entry (YAML; see docs/faults.md):</p>
      )}
      <textarea data-testid={`fault-doc-${testKey}`} rows={4} spellCheck={false} value={text} placeholder={'name: slow-checkout\ntype: http-delay\ntarget: { service: checkout, version: canary }\ndelay: 300ms\nfor: 5m'} onChange={(e) => setText(e.target.value)} />
      <button
        className="gd-inject"
        data-testid={`inject-${testKey}`}
        disabled={busy || text.trim() === ''}
        onClick={() => {
          const p = parseFaultText(text);
          if (!p.ok) {
            setError(p.error);
            return;
          }
          setError(null);
          onInject(p.doc);
        }}
      >
        Inject now
      </button>
      {error ? (
        <p className="gd-note bad" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
