import { describe, expect, it } from 'vitest';
import type { LibraryEntry } from '../../electron/host-api';
import type { ScenarioSummary } from '../../simulation/run/session';
import type { Checkpoint, Lesson, LessonRunView } from '../../simulation/scenario/lesson';
import { allAnswered, allowedMove, answeredCount, answerOf, dueCheckpoint, isComplete, isWaiting } from '../../renderer/views/lesson/checkpoints';
import { lessonPath, nextLesson, pathLessonOf } from '../../renderer/views/lesson/path';
import {
  emptyProgress,
  hasProgress,
  lessonStatus,
  loadProgress,
  memoryStorage,
  parseProgress,
  PROGRESS_KEY,
  type Progress,
  saveProgress,
  serializeProgress,
  statusText,
  withAnswer,
  withAnswersCleared,
  withCompleted,
} from '../../renderer/views/lesson/progress';

/** The lessons' pure parts: when checkpoints are due, progress storage, the path's order. */

const cp = (id: string, trigger: Checkpoint['trigger'], answer = 1): Checkpoint => ({ id, trigger, question: `${id}?`, choices: ['a', 'b', 'c'], answer, explanation: `because ${id}` });

function lesson(checkpoints: Checkpoint[], over: Partial<Lesson> = {}): Lesson {
  return { title: 'L', level: 1, summary: '', hook: '', firstSignal: '', watch: [], hypothesis: '', objectives: [], text: '', checkpoints, ...over };
}

function run(over: Partial<LessonRunView> = {}): LessonRunView {
  return { t: 0, done: false, timeline: [], checks: [], events: [], slo: [], ...over };
}

const tick = (t: number, canaryWeight: number, phase = 'Progressing') => ({ t, canaryWeight, phase }) as unknown as LessonRunView['timeline'][number];
const event = (t: number, message: string) => ({ t, message, type: 'Normal' }) as unknown as LessonRunView['events'][number];

describe('checkpoints', () => {
  const l = lesson([cp('step', { kind: 'weight', weight: 10 }), cp('halt', { kind: 'halt' }), cp('later', { kind: 'at', t: 60 }), cp('end', { kind: 'end' })]);
  const record = run({ t: 100, timeline: [tick(30, 0), tick(60, 10), tick(90, 20)], events: [event(90, 'Halt checkout.shop advancement')] });

  it('the due checkpoint is the unanswered one whose moment came first; the lesson order breaks ties', () => {
    // 'step' (weight 10 at 60) and 'later' (at 60) tie: the first in the lesson comes first.
    expect(dueCheckpoint(l, {}, record)).toEqual({ checkpoint: l.checkpoints[0], t: 60 });
    expect(dueCheckpoint(l, { step: { choice: 1, correct: true } }, record)?.checkpoint.id).toBe('later');
    expect(dueCheckpoint(l, { step: { choice: 1, correct: true }, later: { choice: 0, correct: false } }, record)).toEqual({ checkpoint: l.checkpoints[1], t: 90 });
  });

  it('nothing is due before its moment, nor once answered; the end comes only when the run is done', () => {
    expect(dueCheckpoint(l, {}, run({ t: 50, timeline: [tick(30, 0)] }))).toBeNull();
    const answered = { step: answerOf(l.checkpoints[0] as Checkpoint, 1), halt: answerOf(l.checkpoints[1] as Checkpoint, 2), later: answerOf(l.checkpoints[2] as Checkpoint, 1) };
    expect(dueCheckpoint(l, answered, record)).toBeNull();
    expect(dueCheckpoint(l, answered, { ...record, t: 420, done: true })).toEqual({ checkpoint: l.checkpoints[3], t: 420 });
  });

  it('answers are checked against the right choice', () => {
    expect(answerOf(cp('x', { kind: 'end' }, 2), 2)).toEqual({ choice: 2, correct: true });
    expect(answerOf(cp('x', { kind: 'end' }, 2), 0)).toEqual({ choice: 0, correct: false });
  });

  it('an open unanswered question holds the run at its moment: back is allowed, forward stops there or not at all', () => {
    const open = { id: 'step', t: 60 };
    expect(isWaiting(open, {})).toBe(true);
    expect(isWaiting(open, { step: { choice: 0, correct: false } })).toBe(false);
    expect(isWaiting(null, {})).toBe(false);
    expect(allowedMove(open, {}, 60, 30)).toBe(30);
    expect(allowedMove(open, {}, 60, 60)).toBe(60);
    expect(allowedMove(open, {}, 60, 200)).toBeNull();
    expect(allowedMove(open, {}, 20, 200)).toBe(60);
    expect(allowedMove(open, { step: { choice: 1, correct: true } }, 60, 200)).toBe(200);
    expect(allowedMove(null, {}, 0, 200)).toBe(200);
  });

  it('complete: every checkpoint answered (right or wrong) and the run at its end', () => {
    const two = lesson([cp('a', { kind: 'at', t: 1 }), cp('b', { kind: 'at', t: 2 })]);
    const both = { a: { choice: 0, correct: false }, b: { choice: 1, correct: true } };
    expect(allAnswered(two, { a: both.a })).toBe(false);
    expect(answeredCount(two, { a: both.a, gone: both.b })).toBe(1);
    expect(isComplete(two, both, false)).toBe(false);
    expect(isComplete(two, { a: both.a }, true)).toBe(false);
    expect(isComplete(two, both, true)).toBe(true);
    expect(isComplete(lesson([]), {}, true)).toBe(true);
  });
});

describe('lesson progress storage', () => {
  const sample = (): Progress => withCompleted(withAnswer(withAnswer(emptyProgress(), 'first-canary', 'a', { choice: 0, correct: false }), 'first-canary', 'b', { choice: 1, correct: true }), 'first-canary');

  it('round-trips through storage under its versioned key', () => {
    const storage = memoryStorage();
    const p = { ...sample(), welcomeDismissed: true };
    expect(saveProgress(storage, p)).toBe(true);
    expect([...storage.data.keys()]).toEqual([PROGRESS_KEY]);
    expect(PROGRESS_KEY).toBe('gameday.lessons.v1');
    expect(JSON.parse(storage.getItem(PROGRESS_KEY) ?? '').version).toBe(1);
    expect(loadProgress(storage)).toEqual(p);
    expect(parseProgress(serializeProgress(p))).toEqual(p);
  });

  it('ignores corrupt data, another version and wrong shapes; drops bad entries one by one', () => {
    for (const bad of [null, '', '{', 'null', '[]', '42', '"x"', '{"version":2,"lessons":{"a":{"answers":{},"completed":true}}}', '{"lessons":{}}']) {
      expect(parseProgress(bad)).toEqual(emptyProgress());
    }
    const mixed = JSON.stringify({
      version: 1,
      welcomeDismissed: 'yes',
      lessons: { ok: { answers: { a: { choice: 1, correct: true }, b: { choice: -1, correct: true }, c: { choice: 1 }, d: 'x' }, completed: true }, broken: 7, empty: {} },
    });
    expect(parseProgress(mixed)).toEqual({ version: 1, welcomeDismissed: false, lessons: { ok: { answers: { a: { choice: 1, correct: true } }, completed: true }, empty: { answers: {}, completed: false } } });
  });

  it('a storage that throws (disabled, full) is no progress, and the app keeps it in memory', () => {
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => {} };
    expect(loadProgress(throwing)).toEqual(emptyProgress());
    expect(saveProgress(throwing, sample())).toBe(false);
    expect(loadProgress(null)).toEqual(emptyProgress());
  });

  it('the first answer stands; retry clears answers and keeps completion; status reads not started / in progress n of m / completed', () => {
    const p = sample();
    expect(withAnswer(p, 'first-canary', 'a', { choice: 1, correct: true }).lessons['first-canary']?.answers.a).toEqual({ choice: 0, correct: false });
    const l = lesson([cp('a', { kind: 'end' }), cp('b', { kind: 'end' }), cp('c', { kind: 'end' })]);
    expect(statusText(lessonStatus(l, undefined))).toBe('not started');
    const partial = withAnswer(emptyProgress(), 'x', 'a', { choice: 0, correct: true });
    expect(lessonStatus(l, partial.lessons.x)).toEqual({ kind: 'in-progress', answered: 1, total: 3 });
    expect(statusText(lessonStatus(l, partial.lessons.x))).toBe('in progress, 1 of 3');
    expect(statusText(lessonStatus(l, p.lessons['first-canary']))).toBe('completed ✓');
    const retried = withAnswersCleared(p, 'first-canary');
    expect(retried.lessons['first-canary']).toEqual({ answers: {}, completed: true });
    expect(hasProgress(emptyProgress())).toBe(false);
    expect(hasProgress(partial)).toBe(true);
    expect(hasProgress(retried)).toBe(true);
  });
});

describe('the lessons path', () => {
  const entry = (file: string, name: string, title: string | null, level: number | null, source: LibraryEntry['source'] = 'bundled'): LibraryEntry => ({
    file,
    source,
    diagnostics: [],
    summary: { name, description: `${name} scenario`, lesson: title === null ? null : lesson([cp('a', { kind: 'end' })], { title, level }) } as unknown as ScenarioSummary,
  });
  const library: LibraryEntry[] = [
    entry('scenarios/default.yaml', 'default', null, null),
    entry('scenarios/slo.yaml', 'slo-basics', 'SLOs', 3),
    entry('scenarios/extra-b.yaml', 'extra-b', 'Bonus: budgets', null),
    entry('scenarios/first-canary.yaml', 'first-canary', 'Your first canary', 1),
    entry('scenarios/extra-a.yaml', 'extra-a', 'Bonus: alerts', null),
    entry('scenarios/rollback.yaml', 'rollback', 'A rollback', 2),
    { file: 'scenarios/broken.yaml', source: 'bundled', diagnostics: [], summary: null },
    entry('/home/me/first-canary.yaml', 'first-canary', 'Your first canary (copy)', 1, 'recent'),
  ];

  it('orders lessons by level, those without one after (by title), numbered from 1; scenarios, broken files and duplicates are left out', () => {
    const path = lessonPath(library);
    expect(path.map((l) => [l.number, l.name])).toEqual([
      [1, 'first-canary'],
      [2, 'rollback'],
      [3, 'slo-basics'],
      [4, 'extra-a'],
      [5, 'extra-b'],
    ]);
    expect(path[0]?.entry.file).toBe('scenarios/first-canary.yaml');
    expect(pathLessonOf(path, 'slo-basics')?.number).toBe(3);
    expect(pathLessonOf(path, 'default')).toBeNull();
    expect(lessonPath(null)).toEqual([]);
  });

  it('handles any number of lessons, equal levels by title', () => {
    const many = Array.from({ length: 40 }, (_, i) => entry(`scenarios/l${i}.yaml`, `l${i}`, `Lesson ${String(39 - i).padStart(2, '0')}`, 1 + (i % 4)));
    const path = lessonPath(many);
    expect(path).toHaveLength(40);
    expect(path.map((l) => l.number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (let i = 1; i < path.length; i++) {
      const [a, b] = [path[i - 1]?.lesson, path[i]?.lesson];
      expect((a?.level ?? 0) < (b?.level ?? 0) || ((a?.level ?? 0) === (b?.level ?? 0) && (a?.title ?? '') < (b?.title ?? ''))).toBe(true);
    }
  });

  it('suggests the first lesson not completed, after the one just finished', () => {
    const path = lessonPath(library);
    let p = emptyProgress();
    expect(nextLesson(path, p)?.name).toBe('first-canary');
    p = withCompleted(p, 'first-canary');
    expect(nextLesson(path, p)?.name).toBe('rollback');
    expect(nextLesson(path, p, 'first-canary')?.name).toBe('rollback');
    p = withCompleted(p, 'slo-basics');
    // After lesson 3, the next one not completed after it; after the last, the first left over.
    expect(nextLesson(path, p, 'slo-basics')?.name).toBe('extra-a');
    expect(nextLesson(path, withCompleted(p, 'extra-b'), 'extra-b')?.name).toBe('rollback');
    for (const l of path) p = withCompleted(p, l.name);
    expect(nextLesson(path, p)).toBeNull();
  });
});
