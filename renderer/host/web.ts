import type { HostApi, LibraryEntry, OpenedFile, SessionCommand, SessionReply } from '../../electron/host-api';

/**
 * The browser build's host: a web worker (renderer/worker.ts) runs the
 * sessions over the scenarios bundled into it; saving downloads the file.
 */

type Request = { op: 'library' } | { op: 'read'; file: string } | { op: 'session'; session: string; command: SessionCommand };

export function webHost(workerUrl = './worker.js'): HostApi {
  const worker = new Worker(workerUrl, { type: 'module' });
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.onmessage = (e: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    pending.delete(e.data.id);
    if (e.data.ok) p.resolve(e.data.value);
    else p.reject(new Error(e.data.error ?? 'the worker failed'));
  };
  worker.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`the simulation worker failed: ${e.message}`));
    pending.clear();
  };
  const call = <T>(req: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...req });
    });
  const download = (text: string, name: string): string => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name.split('/').pop() || 'scenario.gameday.yaml';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return a.download;
  };
  return {
    kind: 'web',
    library: () => call<LibraryEntry[]>({ op: 'library' }),
    readScenario: (file) => call<OpenedFile>({ op: 'read', file }),
    openDialog: async () => null,
    save: async (file, text) => download(text, file),
    saveAs: async (text, suggested) => download(text, suggested),
    session: (session, command) => call<SessionReply>({ op: 'session', session, command }),
    onMenu: () => () => {},
  };
}
