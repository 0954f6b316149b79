import { useId } from 'react';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import { describeTrigger } from '../../../simulation/scenario/lesson';
import { answeredCount, type Answers } from './checkpoints';
import { nextLesson, lessonPath, pathLessonOf } from './path';
import { lessonProgress } from './progress';

/**
 * The open scenario's lesson, above the run: its title and level, the
 * incident, what the team sees first, what to watch, the hypothesis, the
 * objectives and the checkpoints (answered or to come, and when each comes).
 * The details fold away; once the lesson is completed it offers the next one.
 * A scenario opened as a scenario shows its panel folded, with "Take the
 * lesson" to have its checkpoints asked.
 */
export function LessonPanel() {
  const summary = useApp((s) => s.summary);
  const library = useApp((s) => s.library);
  const progress = useApp((s) => s.lesson.progress);
  const openCheckpoint = useApp((s) => s.lesson.open);
  const panelOpen = useApp((s) => s.lesson.panelOpen);
  const setLessonPanel = useApp((s) => s.setLessonPanel);
  const retryLesson = useApp((s) => s.retryLesson);
  const startLesson = useApp((s) => s.startLesson);
  const takeLesson = useApp((s) => s.takeLesson);
  const active = useApp((s) => s.lesson.active);
  const ids = useId();
  const lesson = summary?.lesson;
  if (!summary || !lesson) return null;
  const mine = lessonProgress(progress, summary.name);
  const answers: Answers = mine.answers;
  const path = lessonPath(library);
  const number = pathLessonOf(path, summary.name)?.number ?? null;
  const next = mine.completed ? nextLesson(path, progress, summary.name) : null;
  const answered = answeredCount(lesson, answers);
  const titleId = `${ids}-title`;
  const bodyId = `${ids}-body`;
  return (
    <section className="panel lesson-panel" aria-labelledby={titleId} data-testid="lesson-panel">
      <div className="lesson-head">
        <h2 id={titleId} className="lesson-title">
          <span className="lesson-kicker">
            {number !== null ? `Lesson ${number}` : 'Lesson'}
            {lesson.level !== null ? ` · level ${lesson.level}` : ''}
          </span>
          <span data-testid="lesson-title">{lesson.title}</span>
        </h2>
        <span className={`lesson-progress ${mine.completed ? 'ok' : ''}`} data-testid="lesson-progress">
          {mine.completed ? 'Completed ✓' : `${answered} of ${lesson.checkpoints.length} checkpoints answered`}
        </span>
        {active ? (
          <button type="button" data-testid="lesson-retry" onClick={() => void retryLesson()} title="Clear this lesson's answers and run it again from the start">
            Retry lesson
          </button>
        ) : (
          <button type="button" className="primary" data-testid="lesson-take" onClick={() => void takeLesson()} title="Run this scenario as a lesson: its checkpoint questions stop the run">
            Take the lesson
          </button>
        )}
        <button type="button" data-testid="lesson-toggle" aria-expanded={panelOpen} aria-controls={bodyId} onClick={() => setLessonPanel(!panelOpen)}>
          {panelOpen ? 'Hide details' : 'Show details'}
        </button>
      </div>
      {mine.completed ? (
        <div className="lesson-complete" role="status" data-testid="lesson-complete">
          <strong>Lesson completed ✓</strong>
          {next ? (
            <>
              <span>
                Next: Lesson {next.number}, {next.lesson.title}
              </span>
              <button type="button" data-testid="lesson-next" onClick={() => void startLesson(next.entry.file)}>
                Start lesson {next.number}
              </button>
            </>
          ) : path.length > 0 ? (
            <span>You have completed every lesson.</span>
          ) : null}
        </div>
      ) : null}
      {panelOpen ? (
        <div className="lesson-body" id={bodyId} data-testid="lesson-body">
          <div>
            {lesson.summary ? <p className="lesson-summary">{lesson.summary}</p> : null}
            {lesson.hook ? (
              <>
                <h3>The incident</h3>
                <p data-testid="lesson-hook">{lesson.hook}</p>
              </>
            ) : null}
            {lesson.text ? <LessonText text={lesson.text} /> : null}
            {lesson.firstSignal ? (
              <>
                <h3>What the team sees first</h3>
                <p>{lesson.firstSignal}</p>
              </>
            ) : null}
          </div>
          <div>
            {lesson.watch.length > 0 ? (
              <>
                <h3>What to watch</h3>
                <ul>
                  {lesson.watch.map((w, i) => (
                    <li key={i}>{w}</li>
                  ))}
                </ul>
              </>
            ) : null}
            {lesson.hypothesis ? (
              <>
                <h3>Hypothesis</h3>
                <p>{lesson.hypothesis}</p>
              </>
            ) : null}
            {lesson.objectives.length > 0 ? (
              <>
                <h3>You will learn to</h3>
                <ul>
                  {lesson.objectives.map((o, i) => (
                    <li key={i}>{o}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </div>
          <div>
            <h3>Checkpoints</h3>
            <ol className="lesson-checkpoints" data-testid="lesson-checkpoints">
              {lesson.checkpoints.map((c) => {
                const a = answers[c.id];
                const state = a ? 'done' : openCheckpoint?.id === c.id ? 'open' : 'pending';
                return (
                  <li key={c.id} data-state={state} data-testid="lesson-checkpoint">
                    <span className={`mark ${a ? (a.correct ? 'ok' : 'bad') : ''}`} aria-hidden="true">
                      {a ? (a.correct ? '✓' : '✗') : state === 'open' ? '●' : '○'}
                    </span>
                    <span>
                      <span className="when">{describeTrigger(c.trigger)}</span>
                      {state === 'open' && openCheckpoint ? <span className="muted"> (now, {clock(openCheckpoint.t)})</span> : null}
                      <span className="state">
                        {' — '}
                        {a ? (a.correct ? 'answered, right' : 'answered, wrong') : state === 'open' ? 'waiting for your answer' : 'pending'}
                      </span>
                    </span>
                  </li>
                );
              })}
            </ol>
            {lesson.checkpoints.length === 0 ? <p className="muted">This lesson asks no questions: watch the run.</p> : null}
            {!active && lesson.checkpoints.length > 0 ? <p className="muted small">Take the lesson to have its questions stop the run.</p> : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The lesson's longer text (Markdown) under the hook, kept simple and safe: paragraphs at blank lines, list items
 * at "- ", `code` spans; everything else as written (never HTML).
 */
function LessonText({ text }: { text: string }) {
  const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter((b) => b.length > 0);
  return (
    <div className="lesson-text" data-testid="lesson-text">
      {blocks.map((b, i) => {
        const lines = b.split('\n');
        if (lines.every((l) => /^\s*[-*] /.test(l))) {
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{inline(l.replace(/^\s*[-*] /, ''))}</li>
              ))}
            </ul>
          );
        }
        return <p key={i}>{inline(b.replace(/\s*\n\s*/g, ' '))}</p>;
      })}
    </div>
  );
}

/** `code` spans as <code>; the rest as text. */
function inline(s: string) {
  return s.split(/(`[^`]+`)/).map((part, i) => (part.length > 2 && part.startsWith('`') && part.endsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : part));
}
