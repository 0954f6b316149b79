import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store';
import { lessonRunView } from '../../renderer/views/lesson/checkpoints';
import { memoryStorage, PROGRESS_KEY, parseProgress } from '../../renderer/views/lesson/progress';
import { RunSession } from '../../simulation/run/session';
import { checkpointTime } from '../../simulation/scenario/lesson';
import { repoHost } from '../support/scenario';
import { manualClock, memoryHost } from './memory-host';

/**
 * Lessons in the store (renderer/store.ts) against the in-process host, on
 * lesson 1 (scenarios/first-canary.yaml): checkpoints open at their exact
 * moment while playing, stepping or jumping, the run waits for the answer,
 * answers are kept (and persisted), replays do not ask again, Retry does,
 * and the lesson completes at the end.
 */

const LESSON = 'scenarios/first-canary.yaml';

/** Where each checkpoint of lesson 1 comes in a run of it to the end (its own seed), found without the store. */
function expectedMoments(): Record<string, number> {
  const session = new RunSession(repoHost);
  const opened = session.handle({ kind: 'open', file: LESSON });
  if (opened.kind !== 'opened' || !opened.ok) throw new Error('lesson 1 does not load');
  session.handle({ kind: 'start' });
  const end = session.handle({ kind: 'advance', to: opened.summary.duration });
  if (end.kind !== 'snapshot') throw new Error('no snapshot');
  const out: Record<string, number> = {};
  for (const c of opened.summary.lesson?.checkpoints ?? []) {
    const t = checkpointTime(c.trigger, lessonRunView(end.snapshot));
    if (t === null) throw new Error(`checkpoint ${c.id} never comes`);
    out[c.id] = t;
  }
  return out;
}

/** Plays until a question opens or the run stops (bounded). */
async function playUntilStop(store: ReturnType<typeof createAppStore>, clock: ReturnType<typeof manualClock>): Promise<void> {
  for (let i = 0; i < 400 && store.getState().playing; i++) await clock.advance(250);
}

describe('lessons in the store', () => {
  const moments = expectedMoments();

  it('lesson 1 has three checkpoints that all come in its run, in order', () => {
    expect(Object.keys(moments)).toEqual(['first-step', 'no-data', 'promoted']);
    expect(moments['first-step']).toBeLessThan(moments['no-data'] as number);
    expect(moments['no-data']).toBeLessThan(moments['promoted'] as number);
  });

  it('plays to each checkpoint, waits for its answer, continues to the end and completes the lesson (progress persisted)', async () => {
    const storage = memoryStorage();
    const clock = manualClock();
    const store = createAppStore(memoryHost(), clock, 'light', { storage });
    await store.getState().startLesson(LESSON);
    expect(store.getState().summary?.lesson?.title).toBe('Your first canary');
    expect(store.getState().lesson.open).toBeNull();
    store.getState().setSpeed(100);
    store.getState().play();
    await playUntilStop(store, clock);

    // The first checkpoint: the run paused exactly at its moment.
    let s = store.getState();
    expect(s.playing).toBe(false);
    expect(s.lesson.open).toEqual({ id: 'first-step', t: moments['first-step'] });
    expect(s.snapshot?.t).toBe(moments['first-step']);

    // The run waits for the answer: play, step, to the end and seeking forward do nothing.
    s.play();
    expect(store.getState().playing).toBe(false);
    await s.step();
    await s.toEnd();
    await s.seek(300);
    expect(store.getState().snapshot?.t).toBe(moments['first-step']);
    // Seeking back is allowed; forward again stops at the question's moment.
    await s.seek(30);
    expect(store.getState().snapshot?.t).toBe(30);
    await store.getState().seek(400);
    expect(store.getState().snapshot?.t).toBe(moments['first-step']);
    expect(store.getState().lesson.open?.id).toBe('first-step');

    // A wrong answer: marked wrong, kept, and persisted; a second answer does not replace it.
    store.getState().answerCheckpoint(0);
    store.getState().answerCheckpoint(1);
    expect(store.getState().lesson.progress.lessons['first-canary']?.answers).toEqual({ 'first-step': { choice: 0, correct: false } });
    expect(parseProgress(storage.getItem(PROGRESS_KEY)).lessons['first-canary']?.answers['first-step']).toEqual({ choice: 0, correct: false });
    expect(store.getState().lesson.open?.id).toBe('first-step');

    // Continue plays on to the halt.
    await store.getState().continueLesson();
    expect(store.getState().playing).toBe(true);
    expect(store.getState().lesson.open).toBeNull();
    await playUntilStop(store, clock);
    s = store.getState();
    expect(s.lesson.open).toEqual({ id: 'no-data', t: moments['no-data'] });
    expect(s.snapshot?.t).toBe(moments['no-data']);
    expect(s.snapshot?.result.events.at(-1)?.message).toMatch(/^Halt /);
    s.answerCheckpoint(1);
    expect(store.getState().lesson.progress.lessons['first-canary']?.answers['no-data']).toEqual({ choice: 1, correct: true });

    await store.getState().continueLesson();
    await playUntilStop(store, clock);
    s = store.getState();
    expect(s.lesson.open).toEqual({ id: 'promoted', t: moments['promoted'] });
    expect(s.snapshot?.t).toBe(moments['promoted']);
    s.answerCheckpoint(1);
    // All answered, but the run has not reached its end: not completed yet.
    expect(store.getState().lesson.progress.lessons['first-canary']?.completed).toBe(false);

    await store.getState().continueLesson();
    await playUntilStop(store, clock);
    s = store.getState();
    expect(s.snapshot?.done).toBe(true);
    expect(s.lesson.open).toBeNull();
    expect(s.lesson.progress.lessons['first-canary']?.completed).toBe(true);
    const stored = parseProgress(storage.getItem(PROGRESS_KEY));
    expect(stored.lessons['first-canary']).toEqual({
      answers: { 'first-step': { choice: 0, correct: false }, 'no-data': { choice: 1, correct: true }, promoted: { choice: 1, correct: true } },
      completed: true,
    });

    // Seeking back and replaying asks nothing again.
    await store.getState().seek(0);
    store.getState().play();
    await playUntilStop(store, clock);
    expect(store.getState().snapshot?.done).toBe(true);
    expect(store.getState().lesson.open).toBeNull();

    // A new store on the same storage (a reload) has the progress.
    const again = createAppStore(memoryHost(), manualClock(), 'light', { storage });
    expect(again.getState().lesson.progress.lessons['first-canary']?.completed).toBe(true);
    await again.getState().startLesson(LESSON);
    await again.getState().toEnd();
    expect(again.getState().lesson.open).toBeNull();
    expect(again.getState().snapshot?.done).toBe(true);
  });

  it('jumping ahead (to the end, a step, the scrubber) stops at the first checkpoint passed, at its exact moment, with the same record', async () => {
    const store = createAppStore(memoryHost(), manualClock(), 'light', { storage: memoryStorage() });
    await store.getState().startLesson(LESSON);
    await store.getState().toEnd();
    const s = store.getState();
    expect(s.lesson.open).toEqual({ id: 'first-step', t: moments['first-step'] });
    expect(s.snapshot?.t).toBe(moments['first-step']);
    expect(s.snapshot?.done).toBe(false);
    // The record at the moment is the one a run advanced straight there has (seeking is deterministic).
    const direct = new RunSession(repoHost);
    direct.handle({ kind: 'open', file: LESSON });
    direct.handle({ kind: 'start', seed: s.seed, mode: s.mode });
    const there = direct.handle({ kind: 'advance', to: moments['first-step'] as number });
    expect(there.kind === 'snapshot' && JSON.stringify(there.snapshot.result)).toBe(JSON.stringify(s.snapshot?.result));

    s.answerCheckpoint(1);
    // Answered: moving on closes the question; the scrubber far ahead stops at the next checkpoint.
    await store.getState().seek(400);
    expect(store.getState().lesson.open).toEqual({ id: 'no-data', t: moments['no-data'] });
    expect(store.getState().snapshot?.t).toBe(moments['no-data']);
    store.getState().answerCheckpoint(1);
    // A step past the promotion stops there.
    for (let i = 0; i < 20 && store.getState().lesson.open?.id !== 'promoted'; i++) await store.getState().step();
    expect(store.getState().lesson.open).toEqual({ id: 'promoted', t: moments['promoted'] });
    expect(store.getState().snapshot?.t).toBe(moments['promoted']);
  });

  it('Retry lesson clears the answers (completion stays) and asks again from the start; a restart re-asks an unanswered question', async () => {
    const storage = memoryStorage();
    const store = createAppStore(memoryHost(), manualClock(), 'light', { storage });
    await store.getState().startLesson(LESSON);
    for (const choice of [1, 1, 1]) {
      await store.getState().toEnd();
      store.getState().answerCheckpoint(choice);
    }
    await store.getState().toEnd();
    expect(store.getState().lesson.progress.lessons['first-canary']?.completed).toBe(true);

    await store.getState().retryLesson();
    let s = store.getState();
    expect(s.snapshot?.t).toBe(0);
    expect(s.lesson.progress.lessons['first-canary']).toEqual({ answers: {}, completed: true });
    expect(parseProgress(storage.getItem(PROGRESS_KEY)).lessons['first-canary']?.answers).toEqual({});
    await s.toEnd();
    expect(store.getState().lesson.open?.id).toBe('first-step');

    // Restarting with the question unanswered: it closes, and comes again at its moment.
    await store.getState().rerun();
    s = store.getState();
    expect(s.lesson.open).toBeNull();
    expect(s.snapshot?.t).toBe(0);
    // One analysis interval (30 s) per step, up to the first step's moment.
    for (let i = 0; i < 10 && !store.getState().lesson.open; i++) await store.getState().step();
    expect(store.getState().lesson.open).toEqual({ id: 'first-step', t: moments['first-step'] });
    expect(store.getState().snapshot?.t).toBe(moments['first-step']);
  });

  it('a lesson opened as a scenario asks nothing (and keeps no progress) until the learner takes it', async () => {
    const storage = memoryStorage();
    const store = createAppStore(memoryHost(), manualClock(), 'light', { storage });
    await store.getState().open(LESSON);
    expect(store.getState().lesson.active).toBe(false);
    expect(store.getState().lesson.panelOpen).toBe(false);
    await store.getState().toEnd();
    expect(store.getState().snapshot?.done).toBe(true);
    expect(store.getState().lesson.open).toBeNull();
    expect(store.getState().lesson.progress.lessons).toEqual({});
    expect(storage.data.size).toBe(0);
    // Taking it runs it again from the start, with its questions.
    await store.getState().takeLesson();
    let s = store.getState();
    expect(s.lesson.active).toBe(true);
    expect(s.lesson.panelOpen).toBe(true);
    expect(s.snapshot?.t).toBe(0);
    await s.toEnd();
    s = store.getState();
    expect(s.lesson.open).toEqual({ id: 'first-step', t: moments['first-step'] });
    expect(s.snapshot?.t).toBe(moments['first-step']);
    // Opening it as a scenario again: no question.
    await s.open(LESSON);
    expect(store.getState().lesson.active).toBe(false);
    expect(store.getState().lesson.open).toBeNull();
  });

  it('the welcome card: "Not now" is remembered; "Start lesson 1" opens the lowest-level lesson with its panel', async () => {
    const storage = memoryStorage();
    const host = memoryHost({ library: ['scenarios/default.yaml', LESSON, 'scenarios/budget-freeze.yaml'] });
    const store = createAppStore(host, manualClock(), 'light', { storage });
    expect(store.getState().lesson.welcome).toBe(true);
    expect(store.getState().lesson.progress.welcomeDismissed).toBe(false);
    store.getState().setLessonPanel(false);
    await store.getState().startFirstLesson();
    let s = store.getState();
    expect(s.library).not.toBeNull();
    expect(s.file).toBe(LESSON);
    expect(s.view).toBe('run');
    expect(s.lesson.panelOpen).toBe(true);
    expect(s.lesson.active).toBe(true);
    expect(s.lesson.progress.welcomeDismissed).toBe(true);
    expect(parseProgress(storage.getItem(PROGRESS_KEY)).welcomeDismissed).toBe(true);

    const other = memoryStorage();
    const second = createAppStore(memoryHost(), manualClock(), 'light', { storage: other, welcome: false });
    expect(second.getState().lesson.welcome).toBe(false);
    second.getState().dismissWelcome();
    expect(parseProgress(other.getItem(PROGRESS_KEY)).welcomeDismissed).toBe(true);
    expect(createAppStore(memoryHost(), manualClock(), 'light', { storage: other }).getState().lesson.progress.welcomeDismissed).toBe(true);

    // Reset progress forgets the answers, not the dismissal.
    await store.getState().toEnd();
    store.getState().answerCheckpoint(1);
    store.getState().resetProgress();
    s = store.getState();
    expect(s.lesson.progress.lessons).toEqual({});
    expect(s.lesson.progress.welcomeDismissed).toBe(true);
    expect(s.lesson.open).toBeNull();
    expect(parseProgress(storage.getItem(PROGRESS_KEY)).lessons).toEqual({});
  });

  it('every bundled lesson can be taken in the app: each checkpoint stops the run at its own moment, and the lesson completes', async () => {
    const files = readdirSync('scenarios')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `scenarios/${f}`);
    let lessons = 0;
    for (const file of files) {
      const store = createAppStore(memoryHost(), manualClock(), 'light', { storage: memoryStorage() });
      await store.getState().startLesson(file);
      const lesson = store.getState().summary?.lesson;
      if (!lesson || !store.getState().snapshot) continue;
      lessons++;
      const asked: string[] = [];
      for (let i = 0; i <= lesson.checkpoints.length; i++) {
        await store.getState().toEnd();
        const s = store.getState();
        if (!s.lesson.open) break;
        const c = lesson.checkpoints.find((x) => x.id === s.lesson.open?.id);
        expect(s.snapshot?.t, `${file}: ${c?.id}`).toBe(s.lesson.open.t);
        asked.push(s.lesson.open.id);
        s.answerCheckpoint(c?.answer ?? 0);
      }
      const s = store.getState();
      expect([...asked].sort(), file).toEqual(lesson.checkpoints.map((c) => c.id).sort());
      expect(s.snapshot?.done, file).toBe(true);
      expect(s.lesson.progress.lessons[s.summary?.name ?? '']?.completed, file).toBe(true);
    }
    expect(lessons).toBeGreaterThanOrEqual(1);
  }, 300_000);
});
