import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Diagnostic, HostApi, LibraryEntry, OpenedFile, ScenarioSummary, SweepProgress, SweepRequest, ViewName } from '../electron/host-api';
import type { RunSnapshot, SessionCommand, SessionReply, SweepRunLabel } from '../simulation/run/session';
import type { RunMode } from '../simulation/run/simulation';
import type { SweepResult } from '../simulation/sweep/aggregate';
import { applyConfiguration, applyTargetOf, type CanaryPatch } from '../simulation/sweep/apply';

/**
 * The UI's single source of state (zustand). Views subscribe to slices with
 * `useApp(selector)`; every change goes through the actions here, which talk
 * to the host. Playing is a loop of `advance` requests, one in flight at a
 * time, each `speed` × the real time since the last one further on.
 */

export type Theme = 'light' | 'dark';

export interface AppState {
  host: HostApi;
  theme: Theme;
  view: ViewName;
  library: LibraryEntry[] | null;

  /** The open scenario: where it came from, the editor's text, the text last saved or opened. */
  file: string | null;
  text: string;
  savedText: string;
  /** Problems of `text` (the last validation), at their lines. */
  diagnostics: Diagnostic[];
  summary: ScenarioSummary | null;

  seed: number;
  mode: RunMode;
  /** Simulated seconds per real second. */
  speed: number;
  playing: boolean;
  snapshot: RunSnapshot | null;
  /** A time the user points at (hover, a clicked event); null: the run's own time. */
  cursor: number | null;
  error: string | null;
  /** A request to the run's worker is in flight (the transport offers to cancel a long one). */
  busy: boolean;

  /** Compare: a second run of the same scenario (another seed or the edited text). */
  compare: { seed: number; snapshot: RunSnapshot | null; error: string | null };

  /** The tuning lab: the sweep being edited and run, its progress and its result. */
  tuning: TuningState;
  /** The run view shows this run of a sweep (the drill-down), not a run of the open scenario; null otherwise. */
  sweepRun: (SweepRunLabel & { request: SweepRequest }) | null;

  loadLibrary(): Promise<void>;
  /** Opens a scenario (bundled path or file on disk) and starts a run of it. */
  open(file: string, text?: string): Promise<void>;
  /** Replaces the editor's text and validates it (no run). */
  setText(text: string): Promise<void>;
  /** Validates the text and, when it loads, runs it from the start (seed and mode as set). */
  rerun(): Promise<void>;
  play(): void;
  pause(): void;
  /** Advances one analysis interval of the rolled-out Canary (one minute without a Canary). */
  step(): Promise<void>;
  seek(t: number): Promise<void>;
  toEnd(): Promise<void>;
  setSpeed(speed: number): void;
  setSeed(seed: number): void;
  setMode(mode: RunMode): void;
  setTheme(theme: Theme): void;
  setView(view: ViewName): void;
  setCursor(t: number | null): void;
  save(): Promise<void>;
  saveAs(): Promise<void>;
  runCompare(seed: number): Promise<void>;
  /** Stops what the run's worker is computing (a long seek or run to the end); the run stays where it was. */
  cancel(): Promise<void>;
  /** Game day: injects a fault now (a spec.faults[] document); the error says what is wrong when it is refused. */
  inject(fault: Record<string, unknown>): Promise<string | null>;
  /** Game day: ends a fault now. */
  cancelFault(name: string): Promise<string | null>;
  /** Game day: a participant's decision on a human gate, now; the error says what is missing when it is refused. */
  decide(hook: string, decision: 'approve' | 'hold' | 'rollback', by: string, justification: string): Promise<string | null>;

  /** Tuning lab: lists the bundled sweeps (and selects the first when none is chosen). */
  loadSweeps(): Promise<void>;
  /** Tuning lab: the sweep to run (a bundled one, a file, or a built one); its text can be edited before running. */
  setSweep(source: SweepSource): void;
  setSweepText(text: string): void;
  /** Runs the sweep on every core; progress lands in `tuning.progress`, the result or the loading errors after. */
  runSweep(): Promise<void>;
  cancelSweep(): Promise<void>;
  /** Selects a configuration (the scatter and the table share it). */
  selectConfiguration(index: number | null): void;
  /** Opens run `u` of the last result's sweep in the run view. */
  openSweepRun(u: number): Promise<void>;
  /** The patch that applies configuration `index` to its Canary's file (the editor's text when it is the open scenario). */
  previewApply(index: number): Promise<{ ok: true; patch: CanaryPatch } | { ok: false; error: string }>;
  /** Saves a patch through the host (atomically on the desktop; a download in the browser); the editor follows when it holds the file. */
  saveApply(patch: CanaryPatch): Promise<string | null>;
}

/** Where the sweep comes from: a bundled file, a file the user opened, or the builder. */
export interface SweepSource extends OpenedFile {
  origin: 'bundled' | 'file' | 'builder';
}

export interface TuningState {
  sweeps: OpenedFile[] | null;
  source: SweepSource | null;
  /** The sweep's text as edited (the source's text until edited). */
  text: string;
  running: boolean;
  progress: SweepProgress | null;
  result: SweepResult | null;
  /** What the result was computed from (the drill-down opens runs of exactly that). */
  request: SweepRequest | null;
  wallMs: number | null;
  workers: number | null;
  /** Why the sweep does not load (file:line:column), from the last run. */
  diagnostics: Diagnostic[];
  error: string | null;
  /** The last run was cancelled after `done` of `total` runs. */
  cancelled: { done: number; total: number } | null;
  selected: number | null;
}

export const SPEEDS: readonly number[] = [1, 2, 5, 10, 30, 100, 300, 1000];

/** The clock the play loop reads (tests substitute their own). */
export interface Clock {
  now(): number;
  /** Calls fn on the next frame (requestAnimationFrame in the browser). */
  frame(fn: () => void): void;
}

const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
const browserClock: Clock = {
  now: () => performance.now(),
  frame: (fn) => {
    if (raf) raf(() => fn());
    else setTimeout(fn, 16);
  },
};

export function createAppStore(host: HostApi, clock: Clock = browserClock, initialTheme: Theme = 'light'): StoreApi<AppState> {
  /** Increases with every run started: replies for an older run are dropped. */
  let generation = 0;
  let inFlight = false;
  let lastFrame = 0;

  const store = createStore<AppState>()((set, get) => {
    const setTuning = (patch: Partial<TuningState>) => set({ tuning: { ...get().tuning, ...patch } });
    const snapshotOf = (r: SessionReply): RunSnapshot | null => (r.kind === 'snapshot' ? r.snapshot : null);
    const CANCELLED = 'cancelled by the user';
    const fail = (r: SessionReply) => {
      // A request the user cancelled is not an error: the run stays as it was shown.
      if (r.kind === 'error' && r.message === CANCELLED) set({ playing: false });
      else set({ error: r.kind === 'error' ? r.message : `unexpected reply ${r.kind}`, playing: false });
    };

    /**
     * Validates `text` as `file` in `session`; true when it loads. Editing validates in a session of its own, so
     * the run on screen keeps going until the user reruns.
     */
    const validate = async (file: string, text: string, session = 'main'): Promise<boolean> => {
      const r = await host.session(session, { kind: 'open', file, text });
      if (r.kind !== 'opened') {
        fail(r);
        return false;
      }
      set({ diagnostics: r.diagnostics, summary: r.ok ? r.summary : get().summary });
      return r.ok;
    };

    const start = async (): Promise<void> => {
      const gen = ++generation;
      const { seed, mode } = get();
      set({ busy: true });
      const r = await host.session('main', { kind: 'start', seed, mode }).finally(() => set({ busy: false }));
      if (gen !== generation) return;
      const s = snapshotOf(r);
      if (s) set({ snapshot: s, error: null, cursor: null });
      else fail(r);
    };

    const move = async (kind: 'advance' | 'seek', to: number): Promise<void> => {
      const gen = generation;
      set({ busy: true });
      const r = await host.session('main', { kind, to }).finally(() => set({ busy: false }));
      if (gen !== generation) return;
      const s = snapshotOf(r);
      if (s) set({ snapshot: s, playing: get().playing && !s.done });
      else fail(r);
    };

    /** A live action (fault, decision) on the run: the new snapshot, or the reason it was refused. */
    const act = async (command: SessionCommand): Promise<string | null> => {
      if (!get().snapshot) return 'no run is started';
      const gen = generation;
      const r = await host.session('main', command);
      if (gen !== generation) return 'the run was restarted';
      if (r.kind === 'snapshot') {
        set({ snapshot: r.snapshot });
        return null;
      }
      return r.kind === 'error' ? r.message : `unexpected reply ${r.kind}`;
    };

    const tick = async (): Promise<void> => {
      if (!get().playing || inFlight) return;
      const s = get().snapshot;
      if (!s || s.done) {
        set({ playing: false });
        return;
      }
      const now = clock.now();
      const dt = Math.min(0.25, Math.max(0, (now - lastFrame) / 1000));
      lastFrame = now;
      inFlight = true;
      try {
        await move('advance', Math.min(s.endTime, s.t + dt * get().speed));
      } finally {
        inFlight = false;
      }
      if (get().playing) clock.frame(() => void tick());
    };

    return {
      host,
      theme: initialTheme,
      view: 'library',
      library: null,
      file: null,
      text: '',
      savedText: '',
      diagnostics: [],
      summary: null,
      seed: 1,
      mode: 'exact',
      speed: 30,
      playing: false,
      snapshot: null,
      cursor: null,
      error: null,
      busy: false,
      compare: { seed: 2, snapshot: null, error: null },
      tuning: { sweeps: null, source: null, text: '', running: false, progress: null, result: null, request: null, wallMs: null, workers: null, diagnostics: [], error: null, cancelled: null, selected: null },
      sweepRun: null,

      async loadLibrary() {
        try {
          set({ library: await host.library() });
        } catch (e) {
          set({ error: e instanceof Error ? e.message : String(e), library: [] });
        }
      },

      async open(file, text) {
        set({ playing: false, sweepRun: null });
        const opened = text === undefined ? await host.readScenario(file) : { file, text };
        set({ file: opened.file, text: opened.text, savedText: opened.text, snapshot: null, summary: null, diagnostics: [], error: null });
        if (!(await validate(opened.file, opened.text))) {
          set({ view: 'editor' });
          return;
        }
        const summary = get().summary;
        if (summary) set({ seed: summary.seed });
        set({ view: 'run' });
        await start();
      },

      async setText(text) {
        // An edit makes Run run the edited scenario, no longer the sweep's run on screen.
        set({ text, sweepRun: text === get().text ? get().sweepRun : null });
        const file = get().file;
        if (file !== null) await validate(file, text, 'editor');
      },

      async rerun() {
        const { file, text, sweepRun } = get();
        if (file === null) return;
        set({ playing: false });
        // A sweep's run restarts as itself (its configuration and regression), with the seed and mode as set.
        if (sweepRun) return start();
        // Checked first on the side, so a broken text leaves the run on screen as it was.
        if ((await validate(file, text, 'editor')) && (await validate(file, text))) await start();
      },

      play() {
        const s = get().snapshot;
        if (!s || s.done) return;
        lastFrame = clock.now();
        set({ playing: true, cursor: null });
        clock.frame(() => void tick());
      },

      pause() {
        set({ playing: false });
      },

      async step() {
        const s = get().snapshot;
        if (!s) return;
        set({ playing: false, cursor: null });
        await move('advance', Math.min(s.endTime, s.t + (get().summary?.canary?.interval ?? 60)));
      },

      async seek(t) {
        const s = get().snapshot;
        if (!s) return;
        set({ playing: false });
        await move('seek', Math.max(0, Math.min(s.endTime, t)));
      },

      async toEnd() {
        const s = get().snapshot;
        if (!s) return;
        set({ playing: false, cursor: null });
        await move('advance', s.endTime);
      },

      setSpeed(speed) {
        set({ speed });
      },
      setSeed(seed) {
        if (Number.isSafeInteger(seed) && seed >= 0) set({ seed });
      },
      setMode(mode) {
        set({ mode });
      },
      setTheme(theme) {
        set({ theme });
      },
      setView(view) {
        set({ view });
      },
      setCursor(t) {
        set({ cursor: t });
      },

      async save() {
        const { file, text } = get();
        if (file === null) return;
        // Bundled scenarios are read-only: saving one asks where to.
        const where = file.startsWith('scenarios/') ? await host.saveAs(text, file) : await host.save(file, text);
        if (where !== null) set({ savedText: text, file: host.kind === 'electron' ? where : file });
      },

      async saveAs() {
        const { file, text } = get();
        const where = await host.saveAs(text, file ?? 'scenario.gameday.yaml');
        if (where !== null) set({ savedText: text, file: host.kind === 'electron' ? where : file });
      },

      async inject(fault) {
        return act({ kind: 'inject', fault });
      },
      async cancelFault(name) {
        return act({ kind: 'cancel-fault', name });
      },
      async decide(hook, decision, by, justification) {
        return act({ kind: 'decide', hook, decision, by, justification });
      },

      async cancel() {
        set({ playing: false });
        await host.cancel('main');
      },

      async loadSweeps() {
        try {
          const sweeps = await host.sweeps();
          const t = get().tuning;
          const first = sweeps[0];
          setTuning({ sweeps, ...(t.source === null && first ? { source: { ...first, origin: 'bundled' as const }, text: first.text } : {}) });
        } catch (e) {
          setTuning({ sweeps: [], error: e instanceof Error ? e.message : String(e) });
        }
      },

      setSweep(source) {
        setTuning({ source, text: source.text, diagnostics: [], error: null, cancelled: null });
      },

      setSweepText(text) {
        setTuning({ text });
      },

      async runSweep() {
        const { tuning, file, text } = get();
        if (!tuning.source || tuning.running) return;
        // The editor's buffer stands in for its file: a sweep of the open scenario runs (and applies to) what the editor shows.
        const request: SweepRequest = { file: tuning.source.file, text: tuning.text, ...(file !== null ? { scenario: { file, text } } : {}) };
        setTuning({ running: true, progress: null, diagnostics: [], error: null, cancelled: null });
        const outcome = await host
          .runSweep(request, (progress) => setTuning({ progress }))
          .catch((e: unknown) => ({ kind: 'error' as const, message: e instanceof Error ? e.message : String(e) }));
        if (outcome.kind === 'result') {
          const r = outcome.result;
          setTuning({ running: false, result: r, request, wallMs: outcome.wallMs, workers: outcome.workers, selected: r.recommendation.configuration ?? r.configurations[0]?.index ?? null });
        } else if (outcome.kind === 'invalid') setTuning({ running: false, diagnostics: outcome.diagnostics });
        else if (outcome.kind === 'cancelled') setTuning({ running: false, cancelled: { done: outcome.done, total: outcome.total } });
        else setTuning({ running: false, error: outcome.kind === 'error' ? outcome.message : `unexpected sweep outcome ${outcome.kind}` });
      },

      async cancelSweep() {
        await host.cancelSweep();
      },

      selectConfiguration(index) {
        setTuning({ selected: index });
      },

      async openSweepRun(u) {
        const request = get().tuning.request;
        if (!request) return;
        const gen = ++generation;
        set({ playing: false, busy: true });
        const r = await host.session('main', { kind: 'open-sweep-run', ...request, u }).finally(() => set({ busy: false }));
        if (gen !== generation) return;
        if (r.kind === 'sweep-run') {
          set({ summary: r.summary, snapshot: r.snapshot, seed: r.snapshot.seed, mode: r.snapshot.mode, cursor: null, error: null, sweepRun: { ...r.run, request }, view: 'run' });
        } else if (r.kind === 'opened') setTuning({ diagnostics: r.diagnostics });
        else fail(r);
      },

      async previewApply(index) {
        const { tuning, file, text } = get();
        const r = tuning.result;
        const c = r?.configurations.find((x) => x.index === index);
        if (!r || !c) return { ok: false, error: 'no such configuration' };
        try {
          const target = applyTargetOf(r.sweep);
          // The sweep ran on the editor's buffer when it holds the Canary's file: apply to that text too.
          const base = target.file === file ? text : (await host.readScenario(target.file)).text;
          return applyConfiguration(target, c.values, { readFile: (p) => (p === target.file ? base : null) });
        } catch (e) {
          return { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
      },

      async saveApply(patch) {
        const where = await host.save(patch.file, patch.after);
        if (where !== null && patch.file === get().file) {
          // The editor holds this file: it shows what was saved (and is no longer dirty).
          set({ savedText: patch.after, file: host.kind === 'electron' ? where : patch.file });
          await get().setText(patch.after);
        }
        return where;
      },

      async runCompare(seed) {
        const { file, text, mode } = get();
        if (file === null) return;
        set({ compare: { seed, snapshot: null, error: null } });
        const opened = await host.session('compare', { kind: 'open', file, text });
        if (opened.kind !== 'opened' || !opened.ok) {
          set({ compare: { seed, snapshot: null, error: 'the scenario does not load' } });
          return;
        }
        await host.session('compare', { kind: 'start', seed, mode });
        const end = get().snapshot?.endTime ?? opened.summary.duration;
        const r = await host.session('compare', { kind: 'advance', to: end });
        set({ compare: { seed, snapshot: r.kind === 'snapshot' ? r.snapshot : null, error: r.kind === 'error' ? r.message : null } });
      },
    };
  });
  return store;
}
