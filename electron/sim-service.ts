import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { fsHost } from '../cli/host';
import { RunSession, type SessionCommand, type SessionReply } from '../simulation/run/session';
import type { ScenarioHost } from '../simulation/scenario/loader';
import type { LibraryEntry } from './host-api';

/**
 * What a simulation worker thread does (sim-worker.ts runs it; tests call it
 * in-process): run sessions by id over the file system, and the library.
 * The desktop twin of the browser's renderer/worker.ts.
 */

/** Main → worker. */
export type WorkerRequest =
  | { id: number; op: 'session'; session: string; command: SessionCommand }
  | { id: number; op: 'library'; recent: string[] };

/** Worker → main. */
export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** What the worker thread is started with (worker_threads workerData). */
export interface WorkerInit {
  /** The app's directory: bundled scenarios are `scenarios/…` under it. */
  appDir: string;
}

/** The largest file a scenario (or an include) may be. */
export const MAX_READ_BYTES = 8 * 1024 * 1024;

/** What the desktop's workers read besides YAML: the recordings and events a sweep's replayed situation names (docs/tuning.md). */
export const SWEEP_FILES = /\.(ya?ml|om|prom|txt|json|jsonl|log)$/i;

/**
 * The loader's view of the disk: `scenarios/…` resolves under the app
 * directory, absolute paths are files on disk; only YAML files are read
 * by default (the simulation and sweep workers pass SWEEP_FILES, for the
 * recordings a sweep replays), and nothing larger than MAX_READ_BYTES.
 */
export function desktopScenarioHost(appDir: string, read: ScenarioHost = fsHost, files: RegExp = /\.ya?ml$/i): ScenarioHost {
  return {
    readFile(path: string): string | null {
      if (path.includes('\0') || !files.test(path)) return null;
      let real: string;
      if (isAbsolute(path)) real = path;
      else {
        const n = posix.normalize(path);
        if (!n.startsWith('scenarios/') || n.split('/').includes('..')) return null;
        real = join(appDir, ...n.split('/'));
      }
      try {
        const st = statSync(real);
        if (!st.isFile() || st.size > MAX_READ_BYTES) return null;
      } catch {
        return null;
      }
      return read.readFile(real);
    },
  };
}

/** The library's bundled scenarios: the top-level scenarios and the examples (as the web build lists them). */
export function bundledScenarioFiles(appDir: string): string[] {
  const out: string[] = [];
  const list = (dir: string): string[] => {
    try {
      return readdirSync(join(appDir, ...dir.split('/'))).sort();
    } catch {
      return [];
    }
  };
  for (const name of list('scenarios')) if (/\.ya?ml$/.test(name)) out.push(`scenarios/${name}`);
  for (const name of list('scenarios/examples')) if (/\.ya?ml$/.test(name)) out.push(`scenarios/examples/${name}`);
  return out.filter((f) => /^scenarios\/([^/]+|examples\/[^/]+)\.ya?ml$/.test(f));
}

export class SimService {
  private readonly sessions = new Map<string, RunSession>();
  private readonly host: ScenarioHost;
  private bundled: string[] | null = null;

  constructor(private readonly init: WorkerInit) {
    // Sessions load sweeps too (the tuning lab's drill-down and power panel), and with them their recordings.
    this.host = desktopScenarioHost(init.appDir, fsHost, SWEEP_FILES);
  }

  handle(req: WorkerRequest): WorkerResponse {
    try {
      switch (req.op) {
        case 'session':
          return { id: req.id, ok: true, value: this.session(req.session, req.command) };
        case 'library':
          return { id: req.id, ok: true, value: this.library(req.recent) };
        default:
          return { id: (req as { id: number }).id, ok: false, error: `unknown worker request ${JSON.stringify((req as { op?: unknown }).op)}` };
      }
    } catch (e) {
      return { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  session(id: string, command: SessionCommand): SessionReply {
    let s = this.sessions.get(id);
    if (!s) this.sessions.set(id, (s = new RunSession(this.host)));
    const reply = s.handle(command);
    if (command.kind === 'close') this.sessions.delete(id);
    return reply;
  }

  library(recent: string[]): LibraryEntry[] {
    this.bundled ??= bundledScenarioFiles(this.init.appDir);
    const summaries = (files: string[]) => {
      const r = new RunSession(this.host).handle({ kind: 'summaries', files });
      return r.kind === 'summaries' ? r.entries : [];
    };
    return [
      ...summaries(this.bundled).map((e) => ({ ...e, source: 'bundled' as const })),
      ...summaries(recent.filter((f) => !f.startsWith('scenarios/'))).map((e) => ({ ...e, source: 'recent' as const })),
    ];
  }
}
