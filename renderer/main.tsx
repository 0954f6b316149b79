import './styles.css';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { StoreContext } from './app-context';
import { ipcHost } from './host/ipc';
import { webHost } from './host/web';
import { createAppStore, type Theme } from './store';
import { browserStorage } from './views/lesson/progress';

/** Entry: the desktop host when the preload exposed it, else the browser's web worker. */
const host = ipcHost() ?? webHost();
const saved = localStorage.getItem('gameday.theme');
const prefersDark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
const theme: Theme = saved === 'dark' || saved === 'light' ? saved : prefersDark ? 'dark' : 'light';
// ?scenario=<bundled path> opens one at once (the quick start opens the default scenario); a link to a given
// scenario is not greeted with the lessons' welcome card.
const params = new URLSearchParams(location.search);
const store = createAppStore(host, undefined, theme, { storage: browserStorage(), welcome: !params.has('scenario') });
store.subscribe((s, prev) => {
  if (s.theme !== prev.theme) localStorage.setItem('gameday.theme', s.theme);
});
host.onMenu((a) => {
  const s = store.getState();
  if (a.kind === 'open') void s.open(a.file.file, a.file.text);
  else if (a.kind === 'save') void s.save();
  else if (a.kind === 'save-as') void s.saveAs();
  else if (a.kind === 'view') s.setView(a.view);
  else if (a.kind === 'theme') s.setTheme(a.theme === 'toggle' ? (s.theme === 'dark' ? 'light' : 'dark') : a.theme === 'system' ? (prefersDark ? 'dark' : 'light') : a.theme);
  else if (a.kind === 'run') {
    if (a.action === 'play-pause') {
      if (s.playing) s.pause();
      else s.play();
    }
    else if (a.action === 'step') void s.step();
    else if (a.action === 'restart') void s.rerun();
    else void s.toEnd();
  }
});
void store.getState().loadLibrary();
const wanted = params.get('scenario') ?? 'scenarios/default.yaml';
void store.getState().open(wanted);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StoreContext.Provider value={store}>
    <App />
  </StoreContext.Provider>,
);
