import { type Checkpoint, checkpointTime, type Lesson, type LessonRunView } from '../../../simulation/scenario/lesson';
import type { RunSnapshot } from '../../../simulation/run/session';

/**
 * When a lesson's checkpoint questions appear and what they let the learner
 * do (pure: the store calls these after every snapshot). A checkpoint is due
 * once its moment (checkpointTime, found in the run record) has come and it
 * has not been answered; the run then pauses at that exact moment and waits
 * for the answer before it may move forward again.
 */

/** The answer a learner gave to one checkpoint: the choice's index and whether it was the right one. */
export interface CheckpointAnswer {
  choice: number;
  correct: boolean;
}

export type Answers = Readonly<Record<string, CheckpointAnswer>>;

/** The checkpoint question on screen and the moment it belongs to. */
export interface OpenCheckpoint {
  id: string;
  /** Simulated seconds: the checkpoint's moment, where the run waits. */
  t: number;
}

/** What checkpointTime looks a moment up in: the snapshot's run record so far. */
export function lessonRunView(s: RunSnapshot): LessonRunView {
  return { t: s.t, done: s.done, timeline: s.result.timeline, checks: s.result.checks, events: s.result.events, slo: s.result.slo };
}

/**
 * The unanswered checkpoint whose moment came first in `run` (the lesson's order breaks ties), with that moment;
 * null when none is due.
 */
export function dueCheckpoint(lesson: Lesson, answers: Answers, run: LessonRunView): { checkpoint: Checkpoint; t: number } | null {
  let due: { checkpoint: Checkpoint; t: number } | null = null;
  for (const checkpoint of lesson.checkpoints) {
    if (answers[checkpoint.id]) continue;
    const t = checkpointTime(checkpoint.trigger, run);
    if (t !== null && (due === null || t < due.t)) due = { checkpoint, t };
  }
  return due;
}

/** True while a question is open and not answered: the run may not move past its moment. */
export function isWaiting(open: OpenCheckpoint | null, answers: Answers): boolean {
  return open !== null && !answers[open.id];
}

/** Where a move to `to` may go: anywhere, or (while a question waits for its answer) not past its moment; null: not at all. */
export function allowedMove(open: OpenCheckpoint | null, answers: Answers, from: number, to: number): number | null {
  if (!isWaiting(open, answers) || open === null) return to;
  if (to <= open.t) return to;
  return from < open.t ? open.t : null;
}

/** Every checkpoint answered (right or wrong). */
export function allAnswered(lesson: Lesson, answers: Answers): boolean {
  return lesson.checkpoints.every((c) => answers[c.id] !== undefined);
}

/** A lesson is completed when every checkpoint has been answered and the run has reached its end. */
export function isComplete(lesson: Lesson, answers: Answers, done: boolean): boolean {
  return done && allAnswered(lesson, answers);
}

/** The number of answered checkpoints of the lesson (answers to checkpoints it no longer has do not count). */
export function answeredCount(lesson: Lesson, answers: Answers): number {
  return lesson.checkpoints.filter((c) => answers[c.id] !== undefined).length;
}

/** The answer to a checkpoint, checked against its right choice. */
export function answerOf(checkpoint: Checkpoint, choice: number): CheckpointAnswer {
  return { choice, correct: choice === checkpoint.answer };
}
