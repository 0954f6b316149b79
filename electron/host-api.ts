import type { Diagnostic } from '../simulation/scenario/diagnostics';
import type { ScenarioSummary, SessionCommand, SessionReply } from '../simulation/run/session';
import type { SweepOutcome, SweepRequest } from '../simulation/sweep/workers';
import type { SweepProgress } from '../simulation/sweep/execute';

/**
 * The one API the renderer talks to its host through. Two adapters
 * implement it: Electron IPC (renderer/host/ipc.ts over the preload's
 * `window.gamedayHost`) and a web worker for the browser build
 * (renderer/host/web.ts). The renderer imports this file as types only.
 */

export type { Diagnostic, ScenarioSummary, SessionCommand, SessionReply, SweepOutcome, SweepProgress, SweepRequest };

/** A scenario the library lists: bundled (scenarios/), or a recent file (desktop). */
export interface LibraryEntry {
  /** Path the host reads it by: `scenarios/…` for bundled ones, an absolute path for files on disk. */
  file: string;
  source: 'bundled' | 'recent';
  summary: ScenarioSummary | null;
  /** Why it does not load (null summary). */
  diagnostics: Diagnostic[];
}

/** A scenario file as opened: where it is and its text. */
export interface OpenedFile {
  file: string;
  text: string;
}

/** Menu commands the desktop shell sends to the renderer. */
export type MenuAction =
  | { kind: 'open'; file: OpenedFile }
  | { kind: 'save' }
  | { kind: 'save-as' }
  | { kind: 'export-run' }
  | { kind: 'view'; view: ViewName }
  | { kind: 'run'; action: 'play-pause' | 'step' | 'restart' | 'to-end' }
  | { kind: 'theme'; theme: 'light' | 'dark' | 'system' | 'toggle' };

export type ViewName = 'library' | 'run' | 'editor' | 'compare' | 'gameday' | 'tuning';

export interface HostApi {
  /** 'electron' in the desktop app, 'web' in a browser. */
  readonly kind: 'electron' | 'web';
  /** Bundled scenarios (and, on the desktop, recent files), with summaries. */
  library(): Promise<LibraryEntry[]>;
  /** Reads a scenario: a bundled path or a file on disk. */
  readScenario(file: string): Promise<OpenedFile>;
  /** Desktop: the open dialog (null when cancelled). Web: null (the renderer uses a file input). */
  openDialog(): Promise<OpenedFile | null>;
  /** Saves atomically to `file` (desktop); the web build downloads it. Returns where it went, or null when cancelled. */
  save(file: string, text: string): Promise<string | null>;
  /** Asks where to save (desktop dialog; web: a download named after `suggested`). */
  saveAs(text: string, suggested: string): Promise<string | null>;
  /** Sends a command to run session `session` (each id is its own worker-side session). */
  session(session: string, command: SessionCommand): Promise<SessionReply>;
  /**
   * Stops what session `session` is computing (its request in flight answers `{ kind: 'error' }`); the session
   * stays usable (its next command re-runs it from its scenario and seed). False when it was idle.
   */
  cancel(session: string): Promise<boolean>;
  /** The bundled sweep definitions (scenarios/sweeps/*.yaml), with their text. */
  sweeps(): Promise<OpenedFile[]>;
  /** Desktop: the open dialog for a sweep file (null when cancelled). Web: null (the renderer uses a file input). */
  openSweepDialog(): Promise<OpenedFile | null>;
  /**
   * Runs a sweep on every core (web workers, worker threads), reporting progress as it goes; one sweep at a time
   * (starting one cancels the one running). Loading errors come back as `invalid` with their diagnostics.
   */
  runSweep(request: SweepRequest, onProgress: (p: SweepProgress) => void): Promise<SweepOutcome>;
  /** Stops the running sweep (its workers are terminated; it answers `cancelled`). False when none runs. */
  cancelSweep(): Promise<boolean>;
  /** Menu commands from the shell (the web build has none); returns an unsubscribe function. */
  onMenu(listener: (action: MenuAction) => void): () => void;
}
