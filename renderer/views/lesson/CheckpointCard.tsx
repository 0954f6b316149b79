import { useEffect, useId, useRef } from 'react';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import { describeTrigger } from '../../../simulation/scenario/lesson';
import { lessonProgress } from './progress';

const letter = (i: number) => String.fromCharCode(65 + i);

/**
 * The checkpoint question the run stopped at: its choices; once answered,
 * right or wrong, the right answer and the explanation, and Continue. The
 * run waits here until the question is answered (the transport cannot move
 * past its moment). Focus moves to the question when it appears and to
 * Continue once answered.
 */
export function CheckpointCard() {
  const summary = useApp((s) => s.summary);
  const open = useApp((s) => s.lesson.open);
  const progress = useApp((s) => s.lesson.progress);
  const answerCheckpoint = useApp((s) => s.answerCheckpoint);
  const continueLesson = useApp((s) => s.continueLesson);
  const ids = useId();
  const question = useRef<HTMLParagraphElement>(null);
  const next = useRef<HTMLButtonElement>(null);
  const lesson = summary?.lesson;
  const index = lesson && open ? lesson.checkpoints.findIndex((c) => c.id === open.id) : -1;
  const checkpoint = lesson && index >= 0 ? lesson.checkpoints[index] : undefined;
  const answer = checkpoint && summary ? lessonProgress(progress, summary.name).answers[checkpoint.id] : undefined;
  const answered = answer !== undefined;
  useEffect(() => {
    if (!checkpoint) return;
    const el = question.current;
    el?.scrollIntoView?.({ block: 'nearest' });
    el?.focus({ preventScroll: true });
  }, [checkpoint]);
  useEffect(() => {
    if (answered) next.current?.focus();
  }, [answered]);
  if (!lesson || !open || !checkpoint) return null;
  const qId = `${ids}-q`;
  return (
    <section className={`panel checkpoint-card ${answer ? (answer.correct ? 'right' : 'wrong') : 'waiting'}`} aria-labelledby={qId} data-testid="checkpoint" data-checkpoint={checkpoint.id}>
      <h2>
        Checkpoint {index + 1} of {lesson.checkpoints.length} · {clock(open.t)}
      </h2>
      <p className="muted small">{describeTrigger(checkpoint.trigger)}</p>
      <p className="question" id={qId} tabIndex={-1} ref={question} data-testid="checkpoint-question">
        {checkpoint.question}
      </p>
      <ol className="choices" aria-label="choices">
        {checkpoint.choices.map((c, i) => {
          const chosen = answer?.choice === i;
          const right = answered && i === checkpoint.answer;
          return (
            <li key={i}>
              <button
                type="button"
                data-testid="choice"
                data-choice={i}
                className={`choice ${chosen ? 'chosen' : ''} ${right ? 'right' : ''} ${chosen && !right ? 'wrong' : ''}`}
                disabled={answered}
                aria-pressed={answered ? chosen : undefined}
                onClick={() => answerCheckpoint(i)}
              >
                <span className="letter">{letter(i)}</span>
                <span className="text">{c}</span>
                {right ? <span className="verdict ok">✓ right answer</span> : chosen ? <span className="verdict bad">✗ your answer</span> : null}
              </button>
            </li>
          );
        })}
      </ol>
      {answer ? (
        <div className="checkpoint-result" role="status" data-testid="checkpoint-result" data-correct={answer.correct}>
          <p className={answer.correct ? 'ok' : 'bad'}>
            <strong>{answer.correct ? '✓ Right.' : `✗ Not quite: the answer is ${letter(checkpoint.answer)}.`}</strong>
          </p>
          <p data-testid="checkpoint-explanation">{checkpoint.explanation}</p>
          <button type="button" className="primary" ref={next} data-testid="checkpoint-continue" onClick={() => void continueLesson()}>
            Continue
          </button>
        </div>
      ) : (
        <p className="muted small" role="status">
          The run waits here until you answer.
        </p>
      )}
    </section>
  );
}
