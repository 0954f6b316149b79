import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, ipcErrorMessage, MENU_CHANNEL } from './channels';
import type { HostApi, MenuAction } from './host-api';

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

const host: Omit<HostApi, 'kind'> = {
  library: () => invoke(CHANNELS.library, {}),
  readScenario: (file) => invoke(CHANNELS.readScenario, { file }),
  openDialog: () => invoke(CHANNELS.openDialog, {}),
  save: (file, text) => invoke(CHANNELS.save, { file, text }),
  saveAs: (text, suggested) => invoke(CHANNELS.saveAs, { text, suggested }),
  session: (session, command) => invoke(CHANNELS.session, { session, command }),
  cancel: (session) => invoke(CHANNELS.cancel, { session }),
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
