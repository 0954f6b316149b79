import type { LibraryEntry } from '../../../electron/host-api';
import type { Lesson } from '../../../simulation/scenario/lesson';
import type { ScenarioSummary } from '../../../simulation/run/session';
import { type Progress, lessonProgress } from './progress';

/**
 * The guided path: the library's lessons in order of level (1 first; lessons
 * without a level after, by title), numbered from 1, and the lesson to
 * suggest next.
 */

export interface PathLesson {
  /** Place on the path, from 1. */
  number: number;
  entry: LibraryEntry;
  /** The scenario's name: progress is kept by it. */
  name: string;
  lesson: Lesson;
  summary: ScenarioSummary;
}

/** The lessons of the library in path order: by level, then those without one; ties by title, then file. */
export function lessonPath(library: readonly LibraryEntry[] | null): PathLesson[] {
  const seen = new Set<string>();
  const lessons: Array<Omit<PathLesson, 'number'>> = [];
  for (const entry of library ?? []) {
    const summary = entry.summary;
    const lesson = summary?.lesson;
    // The same scenario may be listed twice (bundled and a recent file): the bundled one comes first and stands.
    if (!summary || !lesson || seen.has(summary.name)) continue;
    seen.add(summary.name);
    lessons.push({ entry, name: summary.name, lesson, summary });
  }
  const level = (l: Lesson) => l.level ?? Number.POSITIVE_INFINITY;
  lessons.sort((a, b) => level(a.lesson) - level(b.lesson) || a.lesson.title.localeCompare(b.lesson.title) || a.entry.file.localeCompare(b.entry.file));
  return lessons.map((l, i) => ({ ...l, number: i + 1 }));
}

/** The lesson to suggest: the first not completed after `after` (a lesson's name), else the first not completed; null when all are. */
export function nextLesson(path: readonly PathLesson[], progress: Progress, after: string | null = null): PathLesson | null {
  const open = (l: PathLesson) => !lessonProgress(progress, l.name).completed;
  const from = after === null ? -1 : path.findIndex((l) => l.name === after);
  return path.slice(from + 1).find(open) ?? path.find((l) => open(l) && l.name !== after) ?? null;
}

/** The path's lesson of this scenario name, if it is on the path. */
export function pathLessonOf(path: readonly PathLesson[], name: string | undefined): PathLesson | null {
  return path.find((l) => l.name === name) ?? null;
}
