/**
 * IPC channel names shared by the preload script and the main process. This
 * module imports nothing: the sandboxed preload bundles it as is.
 */

/** Renderer → main requests (ipcRenderer.invoke / ipcMain.handle), one payload object each. */
export const CHANNELS = {
  library: 'gameday:library',
  readScenario: 'gameday:read-scenario',
  openDialog: 'gameday:open-dialog',
  save: 'gameday:save',
  saveAs: 'gameday:save-as',
  session: 'gameday:session',
  cancel: 'gameday:cancel',
  sweeps: 'gameday:sweeps',
  openSweepDialog: 'gameday:open-sweep-dialog',
  runSweep: 'gameday:run-sweep',
  cancelSweep: 'gameday:cancel-sweep',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** Main → renderer: a MenuAction (webContents.send). */
export const MENU_CHANNEL = 'gameday:menu';

/** Main → renderer: a running sweep's progress, `{ run, progress }` (the run id the renderer's runSweep request named). */
export const SWEEP_PROGRESS_CHANNEL = 'gameday:sweep-progress';

/**
 * The message of an error that crossed ipcRenderer.invoke, without Electron's
 * "Error invoking remote method 'gameday:save': Error: " prefix.
 */
export function ipcErrorMessage(e: unknown): string {
  // Not `instanceof Error`: an error may come from another realm (the isolated world, a vm context).
  const message = e !== null && typeof e === 'object' ? (e as { message?: unknown }).message : undefined;
  const raw = typeof message === 'string' ? message : String(e);
  return raw.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, '');
}
