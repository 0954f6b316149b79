import { useApp } from '../../app-context';
import { lessonPath } from './path';
import { hasProgress } from './progress';

/**
 * The guided first run: on a first start (no lesson progress, the card never
 * dismissed) a card above every view offers lesson 1. It blocks nothing;
 * "Not now" and starting a lesson put it away for good.
 */
export function WelcomeCard() {
  const lesson = useApp((s) => s.lesson);
  const library = useApp((s) => s.library);
  const startFirstLesson = useApp((s) => s.startFirstLesson);
  const dismissWelcome = useApp((s) => s.dismissWelcome);
  const first = lessonPath(library)[0];
  // A library without lessons has nothing to offer (while it loads, the card waits for it).
  if (!lesson.welcome || lesson.progress.welcomeDismissed || hasProgress(lesson.progress) || !first) return null;
  return (
    <section className="panel welcome-card" aria-labelledby="welcome-title" data-testid="welcome">
      <div>
        <h2 id="welcome-title" className="welcome-title">
          New to progressive delivery? Start with Lesson {first.number}: {first.lesson.title}
        </h2>
        {first.lesson.summary ? <p className="muted">{first.lesson.summary}</p> : null}
      </div>
      <div className="welcome-actions">
        <button type="button" className="primary" data-testid="welcome-start" onClick={() => void startFirstLesson()}>
          Start lesson {first.number}
        </button>
        <button type="button" data-testid="welcome-dismiss" onClick={() => dismissWelcome()}>
          Not now
        </button>
      </div>
    </section>
  );
}
