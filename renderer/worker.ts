import files from 'virtual:scenarios';
import { RunSession } from '../simulation/run/session';
import type { ScenarioHost } from '../simulation/scenario/loader';
import type { LibraryEntry } from '../electron/host-api';

/**
 * The browser build's simulation worker: the scenarios bundled at build
 * time, a run session per id, requests answered in order. Files the user
 * opens from disk arrive as the `text` of an open command.
 */

const bundled = files as Record<string, string>;
const host: ScenarioHost = { readFile: (p) => bundled[p] ?? null };
const sessions = new Map<string, RunSession>();

/** Scenario files of the library: top-level scenarios and the examples (manifests and templates are included by them). */
const scenarioFiles = Object.keys(bundled).filter((f) => /^scenarios\/([^/]+|examples\/[^/]+)\.ya?ml$/.test(f));

interface Message {
  id: number;
  op: 'library' | 'read' | 'session' | 'sweeps';
  file?: string;
  session?: string;
  command?: Parameters<RunSession['handle']>[0];
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<Message>) => void) | null; postMessage(m: unknown): void };

scope.onmessage = (e) => {
  const m = e.data;
  try {
    if (m.op === 'library') {
      const r = new RunSession(host).handle({ kind: 'summaries', files: scenarioFiles });
      const entries: LibraryEntry[] = r.kind === 'summaries' ? r.entries.map((x) => ({ ...x, source: 'bundled' as const })) : [];
      scope.postMessage({ id: m.id, ok: true, value: entries });
    } else if (m.op === 'sweeps') {
      const sweeps = Object.keys(bundled).filter((f) => /^scenarios\/sweeps\/[^/]+\.ya?ml$/.test(f)).sort();
      scope.postMessage({ id: m.id, ok: true, value: sweeps.map((file) => ({ file, text: bundled[file] })) });
    } else if (m.op === 'read') {
      const text = host.readFile(m.file ?? '');
      if (text === null) scope.postMessage({ id: m.id, ok: false, error: `no bundled scenario ${m.file}` });
      else scope.postMessage({ id: m.id, ok: true, value: { file: m.file, text } });
    } else {
      const id = m.session ?? 'main';
      let s = sessions.get(id);
      if (!s) sessions.set(id, (s = new RunSession(host)));
      scope.postMessage({ id: m.id, ok: true, value: s.handle(m.command as Parameters<RunSession['handle']>[0]) });
    }
  } catch (err) {
    scope.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
