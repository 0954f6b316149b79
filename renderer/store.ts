import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Diagnostic, HostApi, LibraryEntry, OpenedFile, ScenarioSummary, SweepProgress, SweepRequest, ViewName } from '../electron/host-api';
import type { RunSnapshot, SessionCommand, SessionReply, SweepRunLabel } from '../simulation/run/session';
import type { RunMode } from '../simulation/run/simulation';
import type { SweepResult } from '../simulation/sweep/aggregate';
import { applyConfiguration, applyTargetOf, type CanaryPatch } from '../simulation/sweep/apply';
import type { Lesson } from '../simulation/scenario/lesson';
import { allowedMove, answerOf, dueCheckpoint, isComplete, isWaiting, lessonRunView, type OpenCheckpoint } from './views/lesson/checkpoints';
import { emptyProgress, type KeyValueStorage, lessonProgress, loadProgress, type Progress, saveProgress, withAnswer, withAnswersCleared, withCompleted } from './views/lesson/progress';
import { lessonPath } from './views/lesson/path';

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

  /** Lessons: the learner's progress, the checkpoint question on screen, the lesson panel, the welcome card. */
  lesson: LessonState;

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

  /** Lessons: answers the open checkpoint question with choice `choice` (the first answer stands). */
  answerCheckpoint(choice: number): void;
  /** Lessons: closes the answered question and plays on (or opens the next question due at this moment). */
  continueLesson(): Promise<void>;
  /** Lessons: clears the open lesson's answers and runs it again from the start. */
  retryLesson(): Promise<void>;
  /** Lessons: forgets every lesson's answers and completion (the welcome card's dismissal stays). */
  resetProgress(): void;
  /** Lessons: "Not now" on the welcome card (remembered). */
  dismissWelcome(): void;
  /** Lessons: opens a lesson in the run view with its panel shown and its checkpoints asked. */
  startLesson(file: string): Promise<void>;
  /** Lessons: takes the open scenario's lesson: its checkpoints are asked, from the start of the run. */
  takeLesson(): Promise<void>;
  /** Lessons: opens the first lesson of the path (the lowest level). */
  startFirstLesson(): Promise<void>;
  setLessonPanel(open: boolean): void;
}

export interface LessonState {
  progress: Progress;
  /**
   * The learner is taking the open scenario's lesson: its checkpoints are asked. Opening a scenario any other way
   * (at start, from the scenarios, a file) shows its lesson panel folded, and asks nothing until "Take the lesson".
   */
  active: boolean;
  /** The checkpoint question on screen (answered or not) and its moment; null when none is. */
  open: OpenCheckpoint | null;
  /** The lesson panel's details are shown. */
  panelOpen: boolean;
  /** The welcome card may be offered this session (not when the app was opened on a given scenario). */
  welcome: boolean;
}

/** What the store keeps besides the host and the clock: where lesson progress lives, whether to offer the welcome card. */
export interface StoreOptions {
  /** localStorage in the app (null: progress in memory only). */
  storage?: KeyValueStorage | null;
  welcome?: boolean;
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

/** A lesson's checkpoint question is open and not answered yet: the run may not move forward (the transport says so). */
export function lessonWaiting(s: Pick<AppState, 'summary' | 'sweepRun' | 'lesson'>): boolean {
  if (!s.summary?.lesson || s.sweepRun || !s.lesson.active) return false;
  return isWaiting(s.lesson.open, lessonProgress(s.lesson.progress, s.summary.name).answers);
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

export function createAppStore(host: HostApi, clock: Clock = browserClock, initialTheme: Theme = 'light', options: StoreOptions = {}): StoreApi<AppState> {
  const storage = options.storage ?? null;
  /** Increases with every run started: replies for an older run are dropped. */
  let generation = 0;
  let inFlight = false;
  let lastFrame = 0;

  const store = createStore<AppState>()((set, get) => {
    const setTuning = (patch: Partial<TuningState>) => set({ tuning: { ...get().tuning, ...patch } });
    const setLesson = (patch: Partial<LessonState>) => set({ lesson: { ...get().lesson, ...patch } });
    /** Progress changed: shown at once, and written to storage. */
    const commit = (progress: Progress) => {
      setLesson({ progress });
      saveProgress(storage, progress);
    };
    /** The lesson the learner is taking in the run on screen (a sweep's run is no lesson), by its scenario's name. */
    const current = (): { lesson: Lesson; name: string } | null => {
      const { summary, sweepRun, lesson } = get();
      return summary?.lesson && !sweepRun && lesson.active ? { lesson: summary.lesson, name: summary.name } : null;
    };
    const answersNow = () => {
      const c = current();
      return c ? lessonProgress(get().lesson.progress, c.name).answers : {};
    };
    /** The lesson's question waits for its answer: the run may not move forward. */
    const waiting = () => isWaiting(get().lesson.open, answersNow());
    /** Moving on closes an answered question. */
    const closeAnswered = () => {
      if (get().lesson.open && !waiting()) setLesson({ open: null });
    };
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
      // A question left unanswered comes again when the new run reaches its moment.
      setLesson({ open: null });
      set({ busy: true });
      const r = await host.session('main', { kind: 'start', seed, mode }).finally(() => set({ busy: false }));
      if (gen !== generation) return;
      const s = snapshotOf(r);
      if (s) {
        set({ snapshot: s, error: null, cursor: null });
        await reachLesson(s);
      } else fail(r);
    };

    const move = async (kind: 'advance' | 'seek', to: number): Promise<void> => {
      const gen = generation;
      set({ busy: true });
      const r = await host.session('main', { kind, to }).finally(() => set({ busy: false }));
      if (gen !== generation) return;
      const s = snapshotOf(r);
      if (s) {
        set({ snapshot: s, playing: get().playing && !s.done });
        await reachLesson(s);
      } else fail(r);
    };

    /**
     * After every snapshot of a lesson's run: the next unanswered checkpoint whose moment has come pauses the run
     * and opens its question, at that exact moment (the run seeks back when the slice went past it: a run is a pure
     * function of scenario and seed, so the record there is the same). With every question answered, reaching the
     * end completes the lesson.
     */
    async function reachLesson(s: RunSnapshot): Promise<boolean> {
      const c = current();
      if (!c) return false;
      const answers = lessonProgress(get().lesson.progress, c.name).answers;
      if (isWaiting(get().lesson.open, answers)) return true;
      const due = dueCheckpoint(c.lesson, answers, lessonRunView(s));
      if (due) {
        set({ playing: false });
        setLesson({ open: { id: due.checkpoint.id, t: due.t } });
        if (due.t < s.t) await move('seek', due.t);
        return true;
      }
      if (isComplete(c.lesson, answers, s.done)) commit(withCompleted(get().lesson.progress, c.name));
      return false;
    }

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

    /** Opens a scenario and starts its run; as a lesson, its checkpoints are asked and its panel is shown. */
    const openScenario = async (file: string, text: string | undefined, asLesson: boolean): Promise<void> => {
      set({ playing: false, sweepRun: null });
      setLesson({ open: null, active: asLesson, panelOpen: asLesson });
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
      lesson: { progress: storage ? loadProgress(storage) : emptyProgress(), active: false, open: null, panelOpen: false, welcome: options.welcome ?? true },

      async loadLibrary() {
        try {
          set({ library: await host.library() });
        } catch (e) {
          set({ error: e instanceof Error ? e.message : String(e), library: [] });
        }
      },

      async open(file, text) {
        // Opened as a scenario: its lesson (if any) is offered, not taken.
        await openScenario(file, text, false);
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
        if (!s || s.done || waiting()) return;
        closeAnswered();
        lastFrame = clock.now();
        set({ playing: true, cursor: null });
        clock.frame(() => void tick());
      },

      pause() {
        set({ playing: false });
      },

      async step() {
        const s = get().snapshot;
        if (!s || waiting()) return;
        closeAnswered();
        set({ playing: false, cursor: null });
        await move('advance', Math.min(s.endTime, s.t + (get().summary?.canary?.interval ?? 60)));
      },

      async seek(t) {
        const s = get().snapshot;
        if (!s) return;
        // While a question waits for its answer, the run may go back but not past its moment.
        const to = allowedMove(get().lesson.open, answersNow(), s.t, Math.max(0, Math.min(s.endTime, t)));
        if (to === null) return;
        set({ playing: false });
        await move('seek', to);
      },

      async toEnd() {
        const s = get().snapshot;
        if (!s || waiting()) return;
        closeAnswered();
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
          setLesson({ open: null, active: false });
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

      answerCheckpoint(choice) {
        const c = current();
        const { open, progress } = get().lesson;
        const checkpoint = c?.lesson.checkpoints.find((x) => x.id === open?.id);
        if (!c || !checkpoint || !Number.isSafeInteger(choice) || choice < 0 || choice >= checkpoint.choices.length) return;
        let next = withAnswer(progress, c.name, checkpoint.id, answerOf(checkpoint, choice));
        const s = get().snapshot;
        if (s && isComplete(c.lesson, lessonProgress(next, c.name).answers, s.done)) next = withCompleted(next, c.name);
        commit(next);
      },

      async continueLesson() {
        if (waiting()) return;
        setLesson({ open: null });
        const s = get().snapshot;
        // Another question due at this same moment comes first; else the run plays on.
        if (s && !(await reachLesson(s))) get().play();
      },

      async retryLesson() {
        if (get().summary?.lesson && !get().sweepRun) setLesson({ active: true });
        const c = current();
        if (!c) return;
        set({ playing: false });
        commit(withAnswersCleared(get().lesson.progress, c.name));
        setLesson({ open: null, panelOpen: true });
        await get().rerun();
      },

      async takeLesson() {
        const { summary, sweepRun } = get();
        if (!summary?.lesson || sweepRun) return;
        if (!get().lesson.progress.welcomeDismissed) commit({ ...get().lesson.progress, welcomeDismissed: true });
        set({ playing: false });
        setLesson({ active: true, open: null, panelOpen: true });
        await get().rerun();
      },

      resetProgress() {
        commit({ ...emptyProgress(), welcomeDismissed: get().lesson.progress.welcomeDismissed });
        setLesson({ open: null });
      },

      dismissWelcome() {
        commit({ ...get().lesson.progress, welcomeDismissed: true });
      },

      async startLesson(file) {
        if (!get().lesson.progress.welcomeDismissed) commit({ ...get().lesson.progress, welcomeDismissed: true });
        await openScenario(file, undefined, true);
      },

      async startFirstLesson() {
        if (get().library === null) await get().loadLibrary();
        const first = lessonPath(get().library)[0];
        if (first) await get().startLesson(first.entry.file);
      },

      setLessonPanel(open) {
        setLesson({ panelOpen: open });
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
