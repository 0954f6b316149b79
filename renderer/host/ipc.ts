import type { HostApi } from '../../electron/host-api';

/**
 * The desktop host: the preload script exposes `window.gamedayHost`
 * (contextBridge), whose methods send validated IPC messages to the main
 * process. The renderer sees nothing else of Electron.
 */
export function ipcHost(): HostApi | null {
  const exposed = (window as unknown as { gamedayHost?: Omit<HostApi, 'kind'> }).gamedayHost;
  if (!exposed) return null;
  return { kind: 'electron', ...exposed };
}
