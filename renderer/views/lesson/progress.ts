import type { Lesson } from '../../../simulation/scenario/lesson';
import { answeredCount, type Answers, type CheckpointAnswer } from './checkpoints';

/**
 * A learner's lesson progress, kept on this machine (localStorage in the
 * browser and in the desktop renderer alike): per lesson, by scenario name,
 * the answers given and whether it was completed; and whether the welcome
 * card was dismissed. Stored as versioned JSON under one key; anything
 * unreadable (corrupt JSON, another version, wrong shapes) is ignored.
 */

export const PROGRESS_KEY = 'gameday.lessons.v1';
export const PROGRESS_VERSION = 1;

export interface LessonProgress {
  /** Per checkpoint id. */
  answers: Record<string, CheckpointAnswer>;
  /** Every checkpoint answered and the run reached its end (once; retrying keeps it). */
  completed: boolean;
}

export interface Progress {
  version: typeof PROGRESS_VERSION;
  /** "Not now" on the welcome card (or a lesson started from it). */
  welcomeDismissed: boolean;
  /** Per lesson, by scenario name. */
  lessons: Record<string, LessonProgress>;
}

/** The part of the Storage API progress needs (window.localStorage; tests pass a map). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, welcomeDismissed: false, lessons: {} };
}

const EMPTY_LESSON: LessonProgress = { answers: {}, completed: false };

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parseAnswer(x: unknown): CheckpointAnswer | null {
  if (!isRecord(x)) return null;
  const { choice, correct } = x;
  if (typeof choice !== 'number' || !Number.isSafeInteger(choice) || choice < 0 || typeof correct !== 'boolean') return null;
  return { choice, correct };
}

function parseLesson(x: unknown): LessonProgress | null {
  if (!isRecord(x)) return null;
  const answers: Record<string, CheckpointAnswer> = {};
  if (isRecord(x.answers)) {
    for (const [id, a] of Object.entries(x.answers)) {
      const answer = parseAnswer(a);
      if (answer) answers[id] = answer;
    }
  }
  return { answers, completed: x.completed === true };
}

/** Reads stored progress; null, corrupt JSON, another version or another shape read as no progress (bad entries are dropped one by one). */
export function parseProgress(text: string | null): Progress {
  if (text === null) return emptyProgress();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyProgress();
  }
  if (!isRecord(raw) || raw.version !== PROGRESS_VERSION) return emptyProgress();
  const lessons: Record<string, LessonProgress> = {};
  if (isRecord(raw.lessons)) {
    for (const [name, l] of Object.entries(raw.lessons)) {
      const p = parseLesson(l);
      if (p) lessons[name] = p;
    }
  }
  return { version: PROGRESS_VERSION, welcomeDismissed: raw.welcomeDismissed === true, lessons };
}

export function serializeProgress(p: Progress): string {
  return JSON.stringify(p);
}

/** Progress from storage (an unreadable store or value is no progress). */
export function loadProgress(storage: KeyValueStorage | null): Progress {
  if (!storage) return emptyProgress();
  try {
    return parseProgress(storage.getItem(PROGRESS_KEY));
  } catch {
    return emptyProgress();
  }
}

/** Writes progress; false when the storage refuses (full, disabled): the app goes on with it in memory. */
export function saveProgress(storage: KeyValueStorage | null, p: Progress): boolean {
  if (!storage) return false;
  try {
    storage.setItem(PROGRESS_KEY, serializeProgress(p));
    return true;
  } catch {
    return false;
  }
}

/** A map in memory with the Storage API (tests; a host without localStorage). */
export function memoryStorage(initial: Record<string, string> = {}): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

/** localStorage when the runtime has a usable one, else null. */
export function browserStorage(): KeyValueStorage | null {
  try {
    const s = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    return s ?? null;
  } catch {
    return null;
  }
}

export function lessonProgress(p: Progress, name: string): LessonProgress {
  return p.lessons[name] ?? EMPTY_LESSON;
}

/** The progress with an answer recorded (the first answer to a checkpoint stands). */
export function withAnswer(p: Progress, name: string, id: string, answer: CheckpointAnswer): Progress {
  const l = lessonProgress(p, name);
  if (l.answers[id]) return p;
  return { ...p, lessons: { ...p.lessons, [name]: { ...l, answers: { ...l.answers, [id]: answer } } } };
}

export function withCompleted(p: Progress, name: string): Progress {
  const l = lessonProgress(p, name);
  if (l.completed) return p;
  return { ...p, lessons: { ...p.lessons, [name]: { ...l, completed: true } } };
}

/** Retry: the lesson's answers cleared (its completion kept). */
export function withAnswersCleared(p: Progress, name: string): Progress {
  const l = lessonProgress(p, name);
  return { ...p, lessons: { ...p.lessons, [name]: { ...l, answers: {} } } };
}

/** Any lesson answered or completed. */
export function hasProgress(p: Progress): boolean {
  return Object.values(p.lessons).some((l) => l.completed || Object.keys(l.answers).length > 0);
}

export type LessonStatus = { kind: 'not-started' } | { kind: 'in-progress'; answered: number; total: number } | { kind: 'completed' };

/** Not started, in progress (n of m checkpoints answered) or completed. */
export function lessonStatus(lesson: Lesson, l: LessonProgress | undefined): LessonStatus {
  if (l?.completed) return { kind: 'completed' };
  const answered = l ? answeredCount(lesson, l.answers as Answers) : 0;
  return answered === 0 ? { kind: 'not-started' } : { kind: 'in-progress', answered, total: lesson.checkpoints.length };
}

export function statusText(s: LessonStatus): string {
  return s.kind === 'completed' ? 'completed ✓' : s.kind === 'in-progress' ? `in progress, ${s.answered} of ${s.total}` : 'not started';
}
