import type { HostApi, LibraryEntry, OpenedFile, SessionCommand, SessionReply } from '../../electron/host-api';
import { messagePort, SweepJobs, type SweepWorkerHandle, type SweepWorkerReply } from '../../simulation/sweep/workers';

/**
 * The browser build's host: a web worker (renderer/worker.ts) runs the
 * sessions over the scenarios bundled into it; saving downloads the file.
 * Cancelling terminates the worker and starts another; each session's last
 * `open` and `start` are replayed on it before its next command (a run is a
 * pure function of its scenario and seed), as the desktop's worker pool does.
 * Sweeps run on dedicated web workers of their own (renderer/sweep-worker.ts),
 * one per core up to 8, terminated when the sweep ends or is cancelled.
 */

type Request = { op: 'library' } | { op: 'sweeps' } | { op: 'read'; file: string } | { op: 'session'; session: string; command: SessionCommand };

/** Sweep workers: one per core, at most 8 (a browser tab shares the machine), at least 1. */
export function sweepWorkerCount(cores: number | undefined): number {
  return Math.max(1, Math.min(8, Math.floor(cores ?? 1) || 1));
}

/** A sweep web worker as a sweep job holds it (terminate() is silent: `fail` settles what it had pending). */
function workerHandle(w: Worker): SweepWorkerHandle {
  const mp = messagePort((m) => w.postMessage(m));
  w.onmessage = (e: MessageEvent<SweepWorkerReply>) => mp.receive(e.data);
  w.onerror = (e) => mp.fail(new Error(`a sweep worker failed: ${e.message}`));
  return { port: mp.port, fail: mp.fail, terminate: () => w.terminate() };
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  session: string | null;
}

export function webHost(
  workerUrl = './worker.js',
  makeWorker: (url: string) => Worker = (url) => new Worker(url, { type: 'module' }),
  sweepWorkerUrl = './sweep-worker.js',
  cores: number | undefined = globalThis.navigator?.hardwareConcurrency,
): HostApi {
  let worker: Worker;
  let next = 1;
  const pending = new Map<number, Pending>();
  /** Per session: its last open and start, and whether the worker was replaced since. */
  const sessions = new Map<string, { open: SessionCommand | null; start: SessionCommand | null; stale: boolean }>();

  const settle = (why: string) => {
    for (const p of pending.values()) {
      if (p.session !== null) p.resolve({ kind: 'error', message: why } satisfies SessionReply);
      else p.reject(new Error(why));
    }
    pending.clear();
  };
  const spawn = () => {
    worker = makeWorker(workerUrl);
    worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.value);
      else p.reject(new Error(e.data.error ?? 'the worker failed'));
    };
    worker.onerror = (e) => {
      // A crashed worker is replaced; its sessions carry on from their scenario and seed.
      settle(`the simulation worker failed: ${e.message}`);
      restart();
    };
  };
  const restart = () => {
    worker.terminate();
    for (const s of sessions.values()) s.stale = true;
    spawn();
  };
  spawn();

  const call = <T>(req: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, session: req.op === 'session' ? req.session : null });
      worker.postMessage({ id, ...req });
    });

  const session = async (id: string, command: SessionCommand): Promise<SessionReply> => {
    let st = sessions.get(id);
    if (!st) sessions.set(id, (st = { open: null, start: null, stale: false }));
    const opens = command.kind === 'open' || command.kind === 'open-sweep-run';
    if (st.stale && !opens) {
      st.stale = false;
      if (st.open) await call<SessionReply>({ op: 'session', session: id, command: st.open });
      if (st.start && command.kind !== 'start') await call<SessionReply>({ op: 'session', session: id, command: st.start });
    }
    // A sweep's run opens and starts in one command: replaying it brings the run back.
    if (opens) Object.assign(st, { open: command, start: null, stale: false });
    if (command.kind === 'start') st.start = command;
    return call<SessionReply>({ op: 'session', session: id, command });
  };

  const download = (text: string, name: string): string => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name.split('/').pop() || 'scenario.gameday.yaml';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return a.download;
  };

  /** Sweeps: each on fresh workers, one per core up to 8; cancelling terminates them. */
  const sweeps = new SweepJobs(() => Array.from({ length: sweepWorkerCount(cores) }, () => workerHandle(makeWorker(sweepWorkerUrl))), () => performance.now());

  return {
    kind: 'web',
    library: () => call<LibraryEntry[]>({ op: 'library' }),
    readScenario: (file) => call<OpenedFile>({ op: 'read', file }),
    openDialog: async () => null,
    save: async (file, text) => download(text, file),
    saveAs: async (text, suggested) => download(text, suggested),
    session,
    async cancel(id) {
      const busy = [...pending.values()].some((p) => p.session === id);
      if (!busy) return false;
      settle('cancelled by the user');
      restart();
      return true;
    },
    sweeps: () => call<OpenedFile[]>({ op: 'sweeps' }),
    openSweepDialog: async () => null,
    runSweep: (request, onProgress) => sweeps.run(request, onProgress),
    cancelSweep: async () => sweeps.cancel(),
    onMenu: () => () => {},
  };
}
