import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, screen, session, shell } from 'electron';
import { createAppHandler } from './app-protocol';
import { availableParallelism } from 'node:os';
import { MENU_CHANNEL, SWEEP_PROGRESS_CHANNEL } from './channels';
import { DesktopController, type ShellUi } from './controller';
import { scenarioFilters } from './files';
import type { MenuAction } from './host-api';
import { registerIpc } from './ipc';
import { argvSkip, OpenQueue, scenarioFromArgv } from './launch';
import { buildMenuTemplate } from './menu';
import { RecentFiles } from './recent';
import { APP_SCHEME, appPageUrl, navigationAllowed, permissionGranted, PRIVILEGED_SCHEMES, secureWebPreferences, windowOpenDecision, withSecurityHeaders } from './security';
import { clampToDisplays, loadWindowState, MIN_SIZE, saveWindowState, trackWindowState } from './window-state';
import { WorkerPool } from './worker-pool';
import { SweepService } from './sweep-service';
import { tuneGcForShortRuns } from '../cli/gc';

/**
 * The Electron main process. It only wires the modules beside it (see
 * docs/desktop.md): security settings, the app:// protocol, IPC, menus,
 * dialogs, the window and the simulation worker pool.
 */

declare const __GAMEDAY_VERSION__: string;
// The simulation and sweep workers are threads of this process: the GC setting of `gameday sweep` (cli/gc.ts).
tuneGcForShortRuns();
const VERSION = typeof __GAMEDAY_VERSION__ === 'string' ? __GAMEDAY_VERSION__ : app.getVersion();
const APP_NAME = 'GameDay Simulator';

/** A path inside app.asar as unpacked beside it (electron-builder's asarUnpack), when it is. */
const unpacked = (p: string): string => {
  const candidate = p.replace(/app\.asar(?=$|[\\/])/, 'app.asar.unpacked');
  return candidate !== p && existsSync(candidate) ? candidate : p;
};

// Before `ready`: the sandbox for every renderer, the app:// scheme, the name (the user-data folder).
app.enableSandbox();
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
app.setName(APP_NAME);

const development = !app.isPackaged;
const opens = new OpenQueue();
// macOS: files opened with the app (Finder, `open -a`), possibly before `ready`.
app.on('open-file', (event, path) => {
  event.preventDefault();
  opens.push(path);
  // The app runs without a window (macOS keeps it after the last one closes): open one for the file.
  if (app.isReady() && !mainWindow) openWindow();
});

// Every web contents: no navigation away from the app, no new windows, no <webview>.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => {
    if (!navigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!navigationAllowed(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const d = windowOpenDecision(url);
    if (d.openExternally) void shell.openExternal(d.openExternally);
    return { action: 'deny' };
  });
});

if (!app.requestSingleInstanceLock()) {
  // Another instance runs: it receives this command line ('second-instance') and opens the file.
  app.quit();
} else {
  const first = scenarioFromArgv(process.argv, process.cwd(), argvSkip(process.defaultApp === true));
  if (first) opens.push(first);
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const file = scenarioFromArgv(argv, workingDirectory, argvSkip(process.defaultApp === true));
    if (file) opens.push(file);
    focusWindow();
  });
  app.whenReady().then(start, (e) => {
    dialog.showErrorBox(APP_NAME, `The app could not start: ${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
  });
}

let mainWindow: BrowserWindow | null = null;
let rendererReady = false;
const waiting: MenuAction[] = [];
/** Opens the main window on `initial`, or (when undefined) on the first file waiting to be opened. */
let openWindow: (initial?: string | null) => void = () => undefined;

function focusWindow(): void {
  if (!mainWindow) {
    if (app.isReady()) openWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function start(): void {
  const here = __dirname; // dist/electron
  const appDir = app.getAppPath();
  const userData = app.getPath('userData');
  const stateFile = join(userData, 'window-state.json');
  const docsDir = app.isPackaged ? join(process.resourcesPath, 'docs') : join(appDir, 'docs');

  // The default session: headers, permissions, the app:// protocol.
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionGranted(permission)));
  ses.setPermissionCheckHandler((_contents, permission) => permissionGranted(permission));
  ses.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) }));
  protocol.handle(APP_SCHEME, createAppHandler(join(here, '..', 'renderer')));

  const workerScript = unpacked(join(here, 'sim-worker.cjs'));
  const workerAppDir = unpacked(appDir);
  const pool = new WorkerPool({ create: () => new Worker(workerScript, { workerData: { appDir: workerAppDir }, name: 'gameday-simulation' }) });
  // Sweeps take every core, in threads of their own (the run sessions' pool stays free for the run view).
  const sweepScript = unpacked(join(here, 'sweep-worker.cjs'));
  const sweeps = new SweepService({ size: availableParallelism(), create: () => new Worker(sweepScript, { workerData: { appDir: workerAppDir }, name: 'gameday-sweep' }) });
  app.on('before-quit', () => {
    sweeps.cancel();
    void pool.close();
  });

  const recent = new RecentFiles(join(userData, 'recent.json'));
  recent.load();

  const ui: ShellUi = {
    async showOpenDialog(o) {
      const options = { title: o.title, defaultPath: o.defaultPath, filters: scenarioFilters(process.platform), properties: ['openFile' as const] };
      const r = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
    },
    async showSaveDialog(o) {
      const options = { title: o.title, defaultPath: o.defaultPath, filters: scenarioFilters(process.platform), properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const] };
      const r = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    send(action) {
      if (!mainWindow) {
        if (action.kind === 'open') openWindow(action.file.file);
        return;
      }
      if (rendererReady) mainWindow.webContents.send(MENU_CHANNEL, action);
      else waiting.push(action);
    },
    recentChanged(files) {
      buildMenu(files);
      // The OS's recent documents (the Dock menu, the taskbar jump list); Linux has none.
      if (process.platform === 'darwin' || process.platform === 'win32') {
        if (files.length === 0) app.clearRecentDocuments();
        else app.addRecentDocument(files[0]);
      }
    },
    sweepProgress(run, progress) {
      if (mainWindow && rendererReady) mainWindow.webContents.send(SWEEP_PROGRESS_CHANNEL, { run, progress });
    },
    showError(title, message) {
      const options = { type: 'error' as const, title, message: title, detail: message };
      void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
    },
  };

  const controller = new DesktopController({ appDir, documentsDir: app.getPath('documents'), pool, sweeps, recent, ui });
  controller.setInitialTheme(nativeTheme.shouldUseDarkColors);
  registerIpc(ipcMain, controller);

  app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: VERSION, version: `Electron ${process.versions.electron ?? ''}`, copyright: 'Apache License 2.0' });

  function buildMenu(files: string[]): void {
    const template = buildMenuTemplate(
      { platform: process.platform, development, appName: APP_NAME, recent: files },
      {
        send: (action) => ui.send(action),
        openScenario: () => void controller.menuOpen(),
        openRecent: (file) => void controller.openPath(file),
        clearRecent: () => controller.clearRecent(),
        toggleTheme: () => controller.toggleTheme(),
        setTheme: (theme) => controller.setTheme(theme, nativeTheme.shouldUseDarkColors),
        about: () => app.showAboutPanel(),
        documentation: (file) => {
          void shell.openPath(join(docsDir, file)).then((err) => {
            if (err) ui.showError('Could not open the documentation', err);
          });
        },
      },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  }

  openWindow = (requested) => {
    let initial = requested ?? null;
    if (requested === undefined) {
      const waitingFile = opens.takeFirst();
      initial = waitingFile ? controller.launchFile(waitingFile) : null;
    }
    const state = clampToDisplays(
      loadWindowState(stateFile),
      screen.getAllDisplays().map((d) => d.workArea),
      screen.getPrimaryDisplay().workArea,
    );
    const win = new BrowserWindow({
      ...state.bounds,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: APP_NAME,
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#14171c' : '#ffffff',
      webPreferences: secureWebPreferences(join(here, 'preload.cjs'), development),
    });
    mainWindow = win;
    rendererReady = false;
    trackWindowState(win, (s) => saveWindowState(stateFile, s));
    win.once('ready-to-show', () => {
      if (state.maximized) win.maximize();
      win.show();
    });
    win.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument && rendererReady) {
        // A reload: the page's runs are gone, so stop computing them.
        rendererReady = false;
        pool.cancelAll('the page reloaded');
        sweeps.cancel();
      }
    });
    win.webContents.on('did-finish-load', () => {
      rendererReady = true;
      for (const a of waiting.splice(0)) win.webContents.send(MENU_CHANNEL, a);
      opens.attach((file) => void controller.openPath(file));
    });
    win.webContents.on('render-process-gone', () => {
      rendererReady = false;
      pool.cancelAll('the window stopped');
      sweeps.cancel();
    });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
      rendererReady = false;
      waiting.length = 0;
      opens.detach();
      pool.cancelAll('the window closed');
      sweeps.cancel();
    });
    void win.loadURL(appPageUrl(initial));
  };

  buildMenu(recent.list());
  openWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
