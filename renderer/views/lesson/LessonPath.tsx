import { useState } from 'react';
import { useApp } from '../../app-context';
import type { LibraryEntry } from '../../../electron/host-api';
import { lessonPath, nextLesson } from './path';
import { hasProgress, lessonProgress, lessonStatus, statusText } from './progress';

/**
 * The library's lessons as a path: in order of level, each with its number,
 * title, summary and the learner's status; the lesson to take next; and a
 * control to forget all progress (asks first).
 */
export function LessonPath({ library }: { library: LibraryEntry[] }) {
  const progress = useApp((s) => s.lesson.progress);
  const startLesson = useApp((s) => s.startLesson);
  const resetProgress = useApp((s) => s.resetProgress);
  const [confirming, setConfirming] = useState(false);
  const path = lessonPath(library);
  if (path.length === 0) return null;
  const next = nextLesson(path, progress);
  const any = hasProgress(progress);
  return (
    <section className="lesson-path" aria-labelledby="lessons-heading" data-testid="lesson-path">
      <div className="lesson-path-head">
        <h2 id="lessons-heading">Lessons</h2>
        {confirming ? (
          <span className="reset-confirm" role="group" aria-label="reset lesson progress">
            <span>Forget every lesson's answers and completion?</span>
            <button type="button" className="danger" data-testid="reset-progress-confirm" onClick={() => (resetProgress(), setConfirming(false))}>
              Reset
            </button>
            <button type="button" data-testid="reset-progress-cancel" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" data-testid="reset-progress" disabled={!any} title="Forget your lesson answers and completion on this machine" onClick={() => setConfirming(true)}>
            Reset progress
          </button>
        )}
      </div>
      {next ? (
        <div className="next-lesson" data-testid="next-lesson">
          <span>
            Next lesson: <strong>Lesson {next.number}: {next.lesson.title}</strong>
            {next.lesson.summary ? <span className="muted"> — {next.lesson.summary}</span> : null}
          </span>
          <button type="button" className="primary" data-testid="next-lesson-start" onClick={() => void startLesson(next.entry.file)}>
            Start lesson {next.number}
          </button>
        </div>
      ) : (
        <p className="next-lesson ok" data-testid="next-lesson">
          Every lesson completed ✓
        </p>
      )}
      <ol className="cards lesson-cards">
        {path.map((l) => {
          const status = lessonStatus(l.lesson, lessonProgress(progress, l.name));
          return (
            <li key={l.entry.file} className={`card lesson-card status-${status.kind}`} data-testid={`lesson-${l.name}`}>
              <p className="lesson-number">Lesson {l.number}</p>
              <h3>{l.lesson.title}</h3>
              <p>{l.lesson.summary || l.summary.description}</p>
              <p className={`lesson-status ${status.kind === 'completed' ? 'ok' : ''}`} data-testid="lesson-status" data-state={status.kind}>
                {statusText(status)}
              </p>
              <button type="button" data-testid={`lesson-open-${l.name}`} aria-label={`${status.kind === 'not-started' ? 'Start' : status.kind === 'completed' ? 'Open again' : 'Continue'} lesson ${l.number}: ${l.lesson.title}`} onClick={() => void startLesson(l.entry.file)}>
                {status.kind === 'not-started' ? 'Start' : status.kind === 'completed' ? 'Open again' : 'Continue'}
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
