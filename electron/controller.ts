import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { SessionCommand, SessionReply } from '../simulation/run/session';
import type { SweepOutcome, SweepRequest } from '../simulation/sweep/workers';
import type { SweepProgress } from '../simulation/sweep/execute';
import { absoluteFilePath, bundledScenarioPath, MAX_SCENARIO_BYTES, readTextFile, saveAtomic, toPortablePath } from './files';
import type { LibraryEntry, MenuAction, OpenedFile } from './host-api';
import type { IpcHandlers } from './ipc';
import type { RecentFiles } from './recent';
import { bundledSweepFiles } from './sweep-service';

/**
 * The desktop app's behaviour behind the IPC handlers and the menus: which
 * files the renderer may read and write, the open and save dialogs, recent
 * files, and the sessions (handed to the worker pool). Electron reaches it
 * only through the ShellUi interface, so tests drive it with fakes.
 *
 * File access: the renderer reads bundled scenarios (`scenarios/…`) and
 * files the user chose — in a dialog, from Open Recent, or by opening a
 * file with the app. Saving writes only such files; saving anything else
 * (a bundled scenario, a path the user never chose) asks where, with the
 * save dialog.
 */

/** The parts of Electron the controller uses (dialogs, the window, the menu). */
export interface ShellUi {
  /** The open dialog; the chosen file or null. */
  showOpenDialog(options: { title: string; defaultPath?: string }): Promise<string | null>;
  /** The save dialog; the chosen file or null. */
  showSaveDialog(options: { title: string; defaultPath: string }): Promise<string | null>;
  /** Sends a menu action to the renderer. */
  send(action: MenuAction): void;
  /** The recent list changed (rebuild the menu, tell the OS). */
  recentChanged(files: string[]): void;
  /** Shows an error to the user. */
  showError(title: string, message: string): void;
  /** Sends a running sweep's progress to the renderer (tagged with the renderer's run id). */
  sweepProgress(run: string, progress: SweepProgress): void;
}

/** The part of the SweepService the controller uses. */
export interface SweepRunner {
  run(request: SweepRequest, onProgress: (p: SweepProgress) => void): Promise<SweepOutcome>;
  cancel(): boolean;
}

/** The part of the worker pool the controller uses. */
export interface SimulationPool {
  library(recent: string[]): Promise<LibraryEntry[]>;
  session(id: string, command: SessionCommand): Promise<SessionReply>;
  cancel(id: string, reason?: string): boolean;
}

export interface ControllerOptions {
  /** The app directory (bundled scenarios are `scenarios/…` under it). */
  appDir: string;
  /** Where save dialogs start for a file that has no directory yet (the documents folder). */
  documentsDir: string;
  pool: SimulationPool;
  sweeps: SweepRunner;
  recent: RecentFiles;
  ui: ShellUi;
  platform?: NodeJS.Platform;
}

export class DesktopController implements IpcHandlers {
  /** Files the user chose (by key): the renderer may read and save these. */
  private readonly granted = new Set<string>();
  private readonly platform: NodeJS.Platform;
  private theme: 'light' | 'dark' = 'light';

  constructor(private readonly o: ControllerOptions) {
    this.platform = o.platform ?? process.platform;
    for (const f of o.recent.list()) this.grant(f);
  }

  // ---- IPC handlers -------------------------------------------------------

  library(): Promise<LibraryEntry[]> {
    return this.o.pool.library(this.o.recent.list().map((f) => this.portable(f)));
  }

  async readScenario(file: string): Promise<OpenedFile> {
    const bundled = bundledScenarioPath(file);
    if (bundled) return { file: bundled, text: await readTextFile(join(this.o.appDir, ...bundled.split('/')), MAX_SCENARIO_BYTES) };
    const abs = absoluteFilePath(file);
    if (!abs) throw new Error(`${file} is neither a bundled scenario (scenarios/…) nor an absolute path`);
    if (!this.isGranted(abs)) throw new Error(`${file} was not opened in this app: open it with File ▸ Open Scenario…`);
    return this.openChosen(abs);
  }

  async openDialog(): Promise<OpenedFile | null> {
    const chosen = await this.o.ui.showOpenDialog({ title: 'Open Scenario', defaultPath: this.lastDirectory() });
    if (chosen === null) return null;
    return this.openChosen(chosen);
  }

  async save(file: string, text: string): Promise<string | null> {
    const abs = bundledScenarioPath(file) ? null : absoluteFilePath(file);
    if (abs === null || !this.isGranted(abs)) return this.saveAs(text, file);
    await saveAtomic(abs, text);
    this.remember(abs);
    return this.portable(abs);
  }

  async saveAs(text: string, suggested: string): Promise<string | null> {
    const abs = bundledScenarioPath(suggested) ? null : absoluteFilePath(suggested);
    const name = basename(suggested.replace(/\\/g, '/')) || 'scenario.gameday.yaml';
    const defaultPath = abs ? abs : join(this.lastDirectory() ?? this.o.documentsDir, name);
    const chosen = await this.o.ui.showSaveDialog({ title: 'Save Scenario As', defaultPath });
    if (chosen === null) return null;
    const target = absoluteFilePath(chosen);
    if (!target) throw new Error(`the save dialog returned a relative path: ${chosen}`);
    await saveAtomic(target, text);
    this.remember(target);
    return this.portable(target);
  }

  session(id: string, command: SessionCommand): Promise<SessionReply> {
    return this.o.pool.session(id, command);
  }

  /** The user stopped a long computation: the session's worker is replaced. */
  async cancel(id: string): Promise<boolean> {
    return this.o.pool.cancel(id, 'cancelled by the user');
  }

  async sweeps(): Promise<OpenedFile[]> {
    return Promise.all(bundledSweepFiles(this.o.appDir).map(async (file) => ({ file, text: await readTextFile(join(this.o.appDir, ...file.split('/')), MAX_SCENARIO_BYTES) })));
  }

  /** A sweep file the user chooses: granted (so its Canary's file can be read and saved), not added to the recent scenarios. */
  async openSweepDialog(): Promise<OpenedFile | null> {
    const chosen = await this.o.ui.showOpenDialog({ title: 'Open Sweep', defaultPath: this.lastDirectory() });
    const abs = chosen === null ? null : absoluteFilePath(chosen);
    if (abs === null) return null;
    this.grant(abs);
    return this.readFile(abs);
  }

  /**
   * Runs a sweep on the threads, its progress sent back tagged with `run`. The Canary's file of a sweep the
   * user ran is granted: "apply" reads it and saves the chosen values into it.
   */
  async runSweep(run: string, request: SweepRequest): Promise<SweepOutcome> {
    const outcome = await this.o.sweeps.run(request, (p) => this.o.ui.sweepProgress(run, p));
    if (outcome.kind === 'result') {
      const canaryFile = absoluteFilePath(outcome.result.sweep.canaryFile);
      if (canaryFile) this.grant(canaryFile);
    }
    return outcome;
  }

  async cancelSweep(): Promise<boolean> {
    return this.o.sweeps.cancel();
  }

  // ---- Menu and OS actions ------------------------------------------------

  /** File ▸ Open Scenario…: the dialog, then the renderer opens the file. */
  async menuOpen(): Promise<void> {
    try {
      const opened = await this.openDialog();
      if (opened) this.o.ui.send({ kind: 'open', file: opened });
    } catch (e) {
      this.o.ui.showError('Could not open the scenario', e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Opens a file the user chose outside a dialog (Open Recent, a file opened
   * with the app, a second launch): grants it and sends it to the renderer.
   * A file that cannot be read leaves the recent list.
   */
  async openPath(file: string): Promise<boolean> {
    try {
      const opened = await this.openChosen(file);
      this.o.ui.send({ kind: 'open', file: opened });
      return true;
    } catch (e) {
      const abs = absoluteFilePath(file);
      if (abs) this.o.ui.recentChanged(this.o.recent.remove(abs));
      this.o.ui.showError('Could not open the scenario', e instanceof Error ? e.message : String(e));
      return false;
    }
  }

  /**
   * A file the app was launched with, before the window asks for it: the
   * path the renderer should open (a bundled scenario stays `scenarios/…`,
   * read-only), granted; null (and an error shown) when it does not exist.
   */
  launchFile(file: string): string | null {
    const abs = absoluteFilePath(file);
    if (!abs) return null;
    const rel = relative(join(this.o.appDir, 'scenarios'), abs);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) {
      const bundled = bundledScenarioPath(`scenarios/${rel.split(sep).join('/')}`);
      if (bundled) return bundled;
    }
    if (!existsSync(abs)) {
      this.o.ui.showError('Could not open the scenario', `${abs} does not exist`);
      return null;
    }
    this.remember(abs);
    return this.portable(abs);
  }

  clearRecent(): void {
    this.o.ui.recentChanged(this.o.recent.clear());
  }

  /** The system's preference, the theme the shell assumes until the renderer is told otherwise. */
  setInitialTheme(dark: boolean): void {
    this.theme = dark ? 'dark' : 'light';
  }

  /** View ▸ Toggle Theme: the renderer flips the theme it shows (it remembers the user's choice, the shell does not). */
  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    this.o.ui.send({ kind: 'theme', theme: 'toggle' });
  }

  setTheme(theme: 'light' | 'dark' | 'system', systemDark: boolean): void {
    this.theme = theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
    this.o.ui.send({ kind: 'theme', theme });
  }

  isGranted(file: string): boolean {
    const abs = absoluteFilePath(file);
    return abs !== null && this.granted.has(this.key(abs));
  }

  // ---- internals ----------------------------------------------------------

  private async openChosen(file: string): Promise<OpenedFile> {
    const abs = absoluteFilePath(file);
    if (!abs) throw new Error(`not an absolute path: ${file}`);
    const opened = await this.readFile(abs);
    this.remember(abs);
    return opened;
  }

  private async readFile(abs: string): Promise<OpenedFile> {
    return { file: this.portable(abs), text: await readTextFile(abs, MAX_SCENARIO_BYTES) };
  }

  private remember(abs: string): void {
    this.grant(abs);
    this.o.ui.recentChanged(this.o.recent.add(abs));
  }

  private grant(file: string): void {
    const abs = absoluteFilePath(file);
    if (abs) this.granted.add(this.key(abs));
  }

  private key(abs: string): string {
    return this.platform === 'win32' || this.platform === 'darwin' ? abs.toLowerCase() : abs;
  }

  private portable(abs: string): string {
    return toPortablePath(abs, this.platform);
  }

  private lastDirectory(): string | undefined {
    const last = this.o.recent.list()[0];
    return last && isAbsolute(last) ? dirname(last) : undefined;
  }
}
