import { basename } from 'node:path';
import type { MenuAction, ViewName } from './host-api';

/**
 * The application menu as a template (Menu.buildFromTemplate takes it as
 * is). Items that belong to the renderer send it a MenuAction; the rest call
 * the handlers. Built by a plain function so tests check labels and
 * shortcuts without Electron.
 */

/** The subset of Electron's MenuItemConstructorOptions used here. */
export interface MenuItemTemplate {
  label?: string;
  accelerator?: string;
  role?:
    | 'about'
    | 'services'
    | 'hide'
    | 'hideOthers'
    | 'unhide'
    | 'quit'
    | 'undo'
    | 'redo'
    | 'cut'
    | 'copy'
    | 'paste'
    | 'pasteAndMatchStyle'
    | 'delete'
    | 'selectAll'
    | 'reload'
    | 'forceReload'
    | 'toggleDevTools'
    | 'resetZoom'
    | 'zoomIn'
    | 'zoomOut'
    | 'togglefullscreen'
    | 'minimize'
    | 'zoom'
    | 'front'
    | 'close'
    | 'window'
    | 'help';
  type?: 'normal' | 'separator' | 'submenu';
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItemTemplate[];
}

export interface MenuHandlers {
  /** Sends an action to the renderer. */
  send(action: MenuAction): void;
  openScenario(): void;
  openRecent(file: string): void;
  clearRecent(): void;
  toggleTheme(): void;
  setTheme(theme: 'light' | 'dark' | 'system'): void;
  about(): void;
  /** Opens one of the app's documentation files (by name, e.g. `scenario-format.md`). */
  documentation(file: string): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Development build: the reload and developer-tools items. */
  development: boolean;
  appName: string;
  /** Most recent first. */
  recent: string[];
}

/** The documentation Help ▸ Documentation lists (files in docs/). */
export const DOCUMENTATION: ReadonlyArray<{ label: string; file: string }> = [
  { label: 'Scenario Format', file: 'scenario-format.md' },
  { label: 'Faults', file: 'faults.md' },
  { label: 'SLOs and Error Budgets', file: 'slo.md' },
  { label: 'Examples', file: 'examples.md' },
  { label: 'Command Line', file: 'cli.md' },
  { label: 'The Desktop App', file: 'desktop.md' },
  { label: 'Game Days', file: 'gameday.md' },
];

const VIEWS: ReadonlyArray<{ view: ViewName; label: string }> = [
  { view: 'library', label: 'Library' },
  { view: 'run', label: 'Run' },
  { view: 'editor', label: 'Editor' },
  { view: 'compare', label: 'Compare' },
  { view: 'gameday', label: 'Game Day' },
  { view: 'tuning', label: 'Tuning Lab' },
];

/** A recent file's menu label: its name, and its folder to tell same-named files apart. */
export function recentLabel(file: string): string {
  const portable = file.replace(/\\/g, '/');
  const dir = portable.slice(0, portable.lastIndexOf('/')) || '/';
  // `&` marks a mnemonic on Windows and Linux: double it to show it as is.
  return `${basename(portable)} — ${dir}`.replace(/&/g, '&&');
}

export function buildMenuTemplate(o: MenuOptions, h: MenuHandlers): MenuItemTemplate[] {
  const mac = o.platform === 'darwin';
  const sep: MenuItemTemplate = { type: 'separator' };

  const recentItems: MenuItemTemplate[] =
    o.recent.length === 0
      ? [{ label: 'No Recent Files', enabled: false }]
      : [...o.recent.slice(0, 10).map((f) => ({ label: recentLabel(f), click: () => h.openRecent(f) })), sep, { label: 'Clear Recently Opened', click: () => h.clearRecent() }];

  const file: MenuItemTemplate = {
    label: '&File',
    submenu: [
      { label: 'Open Scenario…', accelerator: 'CmdOrCtrl+O', click: () => h.openScenario() },
      { label: 'Open Recent', submenu: recentItems },
      sep,
      { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => h.send({ kind: 'save' }) },
      { label: 'Save As…', accelerator: 'Shift+CmdOrCtrl+S', click: () => h.send({ kind: 'save-as' }) },
      sep,
      { label: 'Export Run…', accelerator: 'CmdOrCtrl+E', click: () => h.send({ kind: 'export-run' }) },
      ...(mac ? [sep, { role: 'close' as const }] : [sep, { role: 'quit' as const, label: 'Quit', accelerator: 'CmdOrCtrl+Q' }]),
    ],
  };

  const edit: MenuItemTemplate = {
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, sep, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, ...(mac ? [{ role: 'pasteAndMatchStyle' as const }] : []), { role: 'delete' }, sep, { role: 'selectAll' }],
  };

  const view: MenuItemTemplate = {
    label: '&View',
    submenu: [
      ...VIEWS.map((v, i) => ({ label: v.label, accelerator: `CmdOrCtrl+${i + 1}`, click: () => h.send({ kind: 'view', view: v.view }) })),
      sep,
      { label: 'Toggle Theme', accelerator: 'CmdOrCtrl+Shift+T', click: () => h.toggleTheme() },
      {
        label: 'Theme',
        submenu: [
          { label: 'Light', click: () => h.setTheme('light') },
          { label: 'Dark', click: () => h.setTheme('dark') },
          { label: 'Match System', click: () => h.setTheme('system') },
        ],
      },
      sep,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' },
      ...(o.development ? [sep, { role: 'reload' as const }, { role: 'forceReload' as const }, { role: 'toggleDevTools' as const }] : []),
    ],
  };

  const run: MenuItemTemplate = {
    label: '&Run',
    submenu: [
      { label: 'Play / Pause', accelerator: 'F5', click: () => h.send({ kind: 'run', action: 'play-pause' }) },
      { label: 'Step', accelerator: 'F10', click: () => h.send({ kind: 'run', action: 'step' }) },
      { label: 'Restart', accelerator: 'CmdOrCtrl+Shift+F5', click: () => h.send({ kind: 'run', action: 'restart' }) },
      { label: 'Run to End', accelerator: 'CmdOrCtrl+F5', click: () => h.send({ kind: 'run', action: 'to-end' }) },
    ],
  };

  const help: MenuItemTemplate = {
    label: '&Help',
    role: 'help',
    submenu: [{ label: 'Documentation', submenu: DOCUMENTATION.map((d) => ({ label: d.label, click: () => h.documentation(d.file) })) }, ...(mac ? [] : [sep, { label: `About ${o.appName}`, click: () => h.about() }])],
  };

  const appMenu: MenuItemTemplate = {
    label: o.appName,
    submenu: [{ label: `About ${o.appName}`, click: () => h.about() }, sep, { role: 'services' }, sep, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, sep, { role: 'quit' }],
  };

  const windowMenu: MenuItemTemplate = { label: 'Window', role: 'window', submenu: [{ role: 'minimize' }, { role: 'zoom' }, sep, { role: 'front' }] };

  return mac ? [appMenu, file, edit, view, run, windowMenu, help] : [file, edit, view, run, help];
}

/** Every accelerator in a template (tests check there are no duplicates). */
export function accelerators(items: MenuItemTemplate[]): string[] {
  return items.flatMap((i) => [...(i.accelerator ? [i.accelerator] : []), ...accelerators(i.submenu ?? [])]);
}
