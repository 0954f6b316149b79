import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, ipcErrorMessage, MENU_CHANNEL, SWEEP_PROGRESS_CHANNEL } from './channels';
import type { HostApi, MenuAction, SweepProgress } from './host-api';

/**
 * The preload script (sandboxed, context-isolated): exposes the host API to
 * the page as `window.gamedayHost` and nothing else — no ipcRenderer, no
 * Electron or Node objects. Each method sends one payload object on its own
 * channel; the main process validates it.
 */

const invoke = async <T>(channel: string, payload: object): Promise<T> => {
  try {
    return (await ipcRenderer.invoke(channel, payload)) as T;
  } catch (e) {
    throw new Error(ipcErrorMessage(e), { cause: e });
  }
};

/** Tags each sweep this page starts, so its progress events reach the right listener. */
let sweepRuns = 0;

const host: Omit<HostApi, 'kind'> = {
  library: () => invoke(CHANNELS.library, {}),
  readScenario: (file) => invoke(CHANNELS.readScenario, { file }),
  openDialog: () => invoke(CHANNELS.openDialog, {}),
  save: (file, text) => invoke(CHANNELS.save, { file, text }),
  saveAs: (text, suggested) => invoke(CHANNELS.saveAs, { text, suggested }),
  session: (session, command) => invoke(CHANNELS.session, { session, command }),
  cancel: (session) => invoke(CHANNELS.cancel, { session }),
  sweeps: () => invoke(CHANNELS.sweeps, {}),
  openSweepDialog: () => invoke(CHANNELS.openSweepDialog, {}),
  async runSweep(request, onProgress) {
    if (typeof onProgress !== 'function') throw new TypeError('runSweep needs a progress function');
    const run = `sweep-${++sweepRuns}`;
    const handler = (_event: IpcRendererEvent, m: { run: string; progress: SweepProgress }) => {
      if (m?.run === run) onProgress(m.progress);
    };
    ipcRenderer.on(SWEEP_PROGRESS_CHANNEL, handler);
    try {
      return await invoke(CHANNELS.runSweep, { run, request });
    } finally {
      ipcRenderer.removeListener(SWEEP_PROGRESS_CHANNEL, handler);
    }
  },
  cancelSweep: () => invoke(CHANNELS.cancelSweep, {}),
  onMenu(listener) {
    if (typeof listener !== 'function') throw new TypeError('onMenu needs a function');
    // The page gets the action only, never the IPC event (it holds the sender).
    const handler = (_event: IpcRendererEvent, action: MenuAction) => listener(action);
    ipcRenderer.on(MENU_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(MENU_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('gamedayHost', host);
