import { useEffect } from 'react';
import { useApp } from './app-context';
import type { ViewName } from '../electron/host-api';
import { Transport } from './views/Transport';
import { Icon } from './views/icons';
import { LibraryView } from './views/LibraryView';
import { RunView } from './views/RunView';
import { EditorView } from './views/editor/EditorView';
import { CompareView } from './views/compare/CompareView';
import { GameDayView } from './views/gameday/GameDayView';
import { TuningView } from './views/tuning/TuningView';
import { WelcomeCard } from './views/lesson/WelcomeCard';
import './views/lesson/lesson.css';

const VIEWS: ReadonlyArray<{ id: ViewName; label: string; key: string }> = [
  { id: 'library', label: 'Library', key: '1' },
  { id: 'run', label: 'Run', key: '2' },
  { id: 'editor', label: 'Editor', key: '3' },
  { id: 'compare', label: 'Compare', key: '4' },
  { id: 'gameday', label: 'Game day', key: '5' },
  { id: 'tuning', label: 'Tuning lab', key: '6' },
];

/** Keyboard shortcuts: space play/pause, → step, End to the end, Home restart, 1–6 views, t theme. */
function useShortcuts(): void {
  const s = useApp((x) => x);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      // Keys typed in the editor, a field, or a lesson's question (space picks a choice there) are theirs.
      if (target && (target.closest('.cm-editor, .checkpoint-card') || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName))) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const view = VIEWS.find((v) => v.key === e.key);
      if (view) s.setView(view.id);
      else if (e.key === ' ') {
        e.preventDefault();
        if (s.playing) s.pause();
        else s.play();
      } else if (e.key === 'ArrowRight') void s.step();
      else if (e.key === 'End') void s.toEnd();
      else if (e.key === 'Home') void s.rerun();
      else if (e.key === 't') s.setTheme(s.theme === 'dark' ? 'light' : 'dark');
      else if (e.key === 'Escape' && s.busy) void s.cancel();
      else return;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [s]);
}

export function App() {
  const theme = useApp((s) => s.theme);
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const setTheme = useApp((s) => s.setTheme);
  const summary = useApp((s) => s.summary);
  const file = useApp((s) => s.file);
  const dirty = useApp((s) => s.text !== s.savedText);
  const error = useApp((s) => s.error);
  useShortcuts();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">GameDay Simulator</div>
        <div className="scenario-title" data-testid="scenario-title" title={file ?? ''}>
          {summary ? summary.name : file ?? 'no scenario'}
          {dirty ? <span className="dirty" title="unsaved changes"> ●</span> : null}
        </div>
        <Transport />
        <button className="icon" data-testid="theme-toggle" aria-label="switch theme" title="Switch theme (t)" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
      </header>
      <nav className="sidenav" aria-label="views">
        {VIEWS.map((v) => (
          <button key={v.id} className={view === v.id ? 'active' : ''} data-testid={`nav-${v.id}`} onClick={() => setView(v.id)} title={`${v.label} (${v.key})`}>
            {v.label}
          </button>
        ))}
      </nav>
      <main className="content">
        {error ? (
          <div className="banner error" role="alert" data-testid="error">
            {error}
          </div>
        ) : null}
        <WelcomeCard />
        {view === 'library' ? <LibraryView /> : view === 'run' ? <RunView /> : view === 'editor' ? <EditorView /> : view === 'gameday' ? <GameDayView /> : view === 'tuning' ? <TuningView /> : <CompareView />}
      </main>
    </div>
  );
}
