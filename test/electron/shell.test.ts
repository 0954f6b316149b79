import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DesktopController, type ShellUi, type SimulationPool, type SweepRunner } from '../../electron/controller';
import type { MenuAction, SweepOutcome, SweepRequest } from '../../electron/host-api';
import { argvSkip, OpenQueue, scenarioFromArgv } from '../../electron/launch';
import { accelerators, buildMenuTemplate, type MenuHandlers, type MenuItemTemplate, recentLabel } from '../../electron/menu';
import { RecentFiles } from '../../electron/recent';

let dir: string;
let appDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gameday-shell-'));
  appDir = join(dir, 'app');
  mkdirSync(join(appDir, 'scenarios'), { recursive: true });
  writeFileSync(join(appDir, 'scenarios/default.yaml'), 'bundled: true\n');
  writeFileSync(join(appDir, 'secret.yaml'), 'secret: true\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(answers: { open?: Array<string | null>; save?: Array<string | null>; sweep?: (r: SweepRequest) => SweepOutcome } = {}) {
  const sent: MenuAction[] = [];
  const errors: string[] = [];
  const dialogs: Array<{ kind: string; defaultPath?: string }> = [];
  const recentLists: string[][] = [];
  const progress: string[] = [];
  const ui: ShellUi = {
    showOpenDialog: async (o) => {
      dialogs.push({ kind: 'open', defaultPath: o.defaultPath });
      return answers.open?.shift() ?? null;
    },
    showSaveDialog: async (o) => {
      dialogs.push({ kind: 'save', defaultPath: o.defaultPath });
      return answers.save?.shift() ?? null;
    },
    send: (a) => void sent.push(a),
    recentChanged: (files) => void recentLists.push(files),
    showError: (title, message) => void errors.push(`${title}: ${message}`),
    sweepProgress: (run, p) => void progress.push(`${run} ${p.done}/${p.total}`),
  };
  const pool: SimulationPool = {
    library: async (recent) => recent.map((file) => ({ file, source: 'recent' as const, summary: null, diagnostics: [] })),
    session: async () => ({ kind: 'closed' }),
    cancel: () => false,
  };
  const recent = new RecentFiles(join(dir, 'profile/recent.json'));
  const sweepRequests: SweepRequest[] = [];
  const sweeps: SweepRunner = {
    run: async (request, onProgress) => {
      sweepRequests.push(request);
      onProgress({ done: 1, total: 2, elapsedMs: 1, etaMs: 1, rate: 1000 });
      return answers.sweep ? answers.sweep(request) : { kind: 'cancelled', done: 1, total: 2 };
    },
    cancel: () => false,
  };
  const c = new DesktopController({ appDir, documentsDir: join(dir, 'docs'), pool, sweeps, recent, ui, platform: 'linux' });
  return { c, sent, errors, dialogs, recentLists, recent, progress, sweepRequests };
}

describe('the desktop controller', () => {
  it('lists the bundled sweeps, runs one with its progress tagged, and grants the Canary file of a result', async () => {
    mkdirSync(join(appDir, 'scenarios/sweeps'), { recursive: true });
    writeFileSync(join(appDir, 'scenarios/sweeps/b.yaml'), 'kind: Sweep\n');
    writeFileSync(join(appDir, 'scenarios/sweeps/a.yaml'), 'kind: Sweep\n');
    writeFileSync(join(appDir, 'scenarios/sweeps/notes.txt'), 'no');
    const canaryFile = join(dir, 'canary.yaml');
    writeFileSync(canaryFile, 'kind: Canary\n');
    const result = { sweep: { canaryFile } } as unknown as Extract<SweepOutcome, { kind: 'result' }>['result'];
    const { c, progress, sweepRequests } = setup({ sweep: () => ({ kind: 'result', result, wallMs: 1, workers: 2 }) });
    await expect(c.sweeps()).resolves.toEqual([
      { file: 'scenarios/sweeps/a.yaml', text: 'kind: Sweep\n' },
      { file: 'scenarios/sweeps/b.yaml', text: 'kind: Sweep\n' },
    ]);
    expect(c.isGranted(canaryFile)).toBe(false);
    await expect(c.runSweep('sweep-7', { file: 'scenarios/sweeps/a.yaml' })).resolves.toMatchObject({ kind: 'result' });
    expect(progress).toEqual(['sweep-7 1/2']);
    expect(sweepRequests).toEqual([{ file: 'scenarios/sweeps/a.yaml' }]);
    expect(c.isGranted(canaryFile)).toBe(true);
    await expect(c.readScenario(canaryFile)).resolves.toEqual({ file: canaryFile, text: 'kind: Canary\n' });
  });

  it('opens a sweep file from the dialog without adding it to the recent scenarios', async () => {
    const file = join(dir, 'mine.sweep.yaml');
    writeFileSync(file, 'kind: Sweep\n');
    const { c, recentLists } = setup({ open: [file, null] });
    await expect(c.openSweepDialog()).resolves.toEqual({ file, text: 'kind: Sweep\n' });
    expect(recentLists).toEqual([]);
    await expect(c.openSweepDialog()).resolves.toBeNull();
  });

  it('reads bundled scenarios, and files only once the user chose them', async () => {
    const { c, recentLists } = setup({ open: [join(dir, 'mine.gameday.yaml')] });
    writeFileSync(join(dir, 'mine.gameday.yaml'), 'mine: 1\n');
    await expect(c.readScenario('scenarios/default.yaml')).resolves.toEqual({ file: 'scenarios/default.yaml', text: 'bundled: true\n' });
    await expect(c.readScenario('scenarios/../secret.yaml')).rejects.toThrow(/neither a bundled scenario/);
    await expect(c.readScenario(join(dir, 'mine.gameday.yaml'))).rejects.toThrow(/was not opened in this app/);
    await expect(c.openDialog()).resolves.toEqual({ file: join(dir, 'mine.gameday.yaml'), text: 'mine: 1\n' });
    await expect(c.readScenario(join(dir, 'mine.gameday.yaml'))).resolves.toMatchObject({ text: 'mine: 1\n' });
    expect(recentLists.at(-1)).toEqual([join(dir, 'mine.gameday.yaml')]);
    await expect(c.library()).resolves.toEqual([{ file: join(dir, 'mine.gameday.yaml'), source: 'recent', summary: null, diagnostics: [] }]);
  });

  it('saves chosen files in place, and asks where for anything else', async () => {
    const mine = join(dir, 'mine.yaml');
    const elsewhere = join(dir, 'elsewhere.gameday.yaml');
    writeFileSync(mine, 'v: 1\n');
    const { c, dialogs } = setup({ open: [mine], save: [elsewhere, null] });
    await c.openDialog();
    await expect(c.save(mine, 'v: 2\n')).resolves.toBe(mine);
    expect(readFileSync(mine, 'utf8')).toBe('v: 2\n');
    // A path the user never chose (or a bundled scenario) goes through the save dialog.
    await expect(c.save(join(appDir, 'secret.yaml'), 'pwned: true\n')).resolves.toBe(elsewhere);
    expect(readFileSync(join(appDir, 'secret.yaml'), 'utf8')).toBe('secret: true\n');
    expect(readFileSync(elsewhere, 'utf8')).toBe('pwned: true\n');
    await expect(c.save('scenarios/default.yaml', 'x')).resolves.toBeNull();
    expect(readFileSync(join(appDir, 'scenarios/default.yaml'), 'utf8')).toBe('bundled: true\n');
    expect(dialogs.map((d) => d.kind)).toEqual(['open', 'save', 'save']);
    expect(dialogs[1].defaultPath).toBe(join(appDir, 'secret.yaml'));
    expect(dialogs[2].defaultPath).toBe(join(dir, 'default.yaml'));
  });

  it('opens recent and launch files, and forgets ones that are gone', async () => {
    const f = join(dir, 'a.gameday.yaml');
    writeFileSync(f, 'a: 1\n');
    const { c, sent, errors, recent } = setup();
    await expect(c.openPath(f)).resolves.toBe(true);
    expect(sent).toEqual([{ kind: 'open', file: { file: f, text: 'a: 1\n' } }]);
    rmSync(f);
    await expect(c.openPath(f)).resolves.toBe(false);
    expect(errors[0]).toMatch(/Could not open the scenario: .*ENOENT/);
    expect(recent.list()).toEqual([]);
    expect(c.launchFile(join(appDir, 'scenarios', 'default.yaml'))).toBe('scenarios/default.yaml');
    expect(c.launchFile(join(dir, 'missing.yaml'))).toBeNull();
    expect(errors[1]).toMatch(/does not exist/);
    writeFileSync(f, 'a: 2\n');
    expect(c.launchFile(f)).toBe(f);
    expect(c.isGranted(f)).toBe(true);
  });

  it('asks the renderer to toggle its theme (it remembers the choice), or to set one', () => {
    const { c, sent } = setup();
    c.setInitialTheme(true);
    c.toggleTheme();
    c.setTheme('light', false);
    c.setTheme('system', false);
    expect(sent).toEqual([
      { kind: 'theme', theme: 'toggle' },
      { kind: 'theme', theme: 'light' },
      { kind: 'theme', theme: 'system' },
    ]);
  });
});

describe('menus', () => {
  const calls: string[] = [];
  const handlers: MenuHandlers = {
    send: (a) => void calls.push(`send ${JSON.stringify(a)}`),
    openScenario: () => void calls.push('open'),
    openRecent: (f) => void calls.push(`recent ${f}`),
    clearRecent: () => void calls.push('clear'),
    toggleTheme: () => void calls.push('theme'),
    setTheme: (t) => void calls.push(`theme ${t}`),
    about: () => void calls.push('about'),
    documentation: (f) => void calls.push(`docs ${f}`),
  };
  const find = (items: MenuItemTemplate[], label: string): MenuItemTemplate | undefined => {
    for (const i of items) {
      if (i.label === label) return i;
      const inner = find(i.submenu ?? [], label);
      if (inner) return inner;
    }
    return undefined;
  };

  it('has the File, View, Run and Help items with unique shortcuts', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const t = buildMenuTemplate({ platform, development: false, appName: 'GameDay Simulator', recent: [] }, handlers);
      const keys = accelerators(t);
      expect(new Set(keys).size).toBe(keys.length);
      expect(t.map((m) => m.label?.replace('&', ''))).toEqual(platform === 'darwin' ? ['GameDay Simulator', 'File', 'Edit', 'View', 'Run', 'Window', 'Help'] : ['File', 'Edit', 'View', 'Run', 'Help']);
      expect(find(t, 'Open Scenario…')?.accelerator).toBe('CmdOrCtrl+O');
      expect(find(t, 'Save')?.accelerator).toBe('CmdOrCtrl+S');
      expect(find(t, 'Save As…')?.accelerator).toBe('Shift+CmdOrCtrl+S');
      expect(['Library', 'Run', 'Editor', 'Compare'].map((l) => find(find(t, '&View')?.submenu ?? [], l)?.accelerator)).toEqual(['CmdOrCtrl+1', 'CmdOrCtrl+2', 'CmdOrCtrl+3', 'CmdOrCtrl+4']);
      expect(JSON.stringify(t)).not.toMatch(/toggleDevTools/);
    }
  });

  it('sends menu actions and lists recent files', () => {
    calls.length = 0;
    const t = buildMenuTemplate({ platform: 'linux', development: true, appName: 'GameDay Simulator', recent: ['/home/me/a&b.gameday.yaml'] }, handlers);
    for (const label of ['Save', 'Export Run…', 'Compare', 'Play / Pause', 'Run to End', 'Toggle Theme', 'Scenario Format', 'About GameDay Simulator', 'a&&b.gameday.yaml — /home/me', 'Clear Recently Opened']) {
      const item = find(t, label);
      expect(item, label).toBeDefined();
      item?.click?.();
    }
    expect(calls).toEqual([
      'send {"kind":"save"}',
      'send {"kind":"export-run"}',
      'send {"kind":"view","view":"compare"}',
      'send {"kind":"run","action":"play-pause"}',
      'send {"kind":"run","action":"to-end"}',
      'theme',
      'docs scenario-format.md',
      'about',
      'recent /home/me/a&b.gameday.yaml',
      'clear',
    ]);
    expect(JSON.stringify(t)).toMatch(/toggleDevTools/);
    expect(recentLabel('C:\\Users\\me\\x.yaml')).toBe('x.yaml — C:/Users/me');
    expect(find(buildMenuTemplate({ platform: 'linux', development: false, appName: 'G', recent: [] }, handlers), 'No Recent Files')?.enabled).toBe(false);
  });
});

describe('launch arguments', () => {
  it('finds the scenario file on a command line', () => {
    expect(scenarioFromArgv(['/opt/GameDay/gameday', 'a.gameday.yaml'], '/home/me', argvSkip(false))).toBe('/home/me/a.gameday.yaml');
    expect(scenarioFromArgv(['electron', '/repo', '--inspect', 'scenarios/default.yaml'], '/repo', argvSkip(true))).toBe('/repo/scenarios/default.yaml');
    expect(scenarioFromArgv(['/opt/GameDay/gameday', '--no-sandbox', '--allow-file-access-from-files', '/abs/x.yml'], '/', 1)).toBe('/abs/x.yml');
    expect(scenarioFromArgv(['/opt/GameDay/gameday', '--', '-odd-.yaml'], '/d', 1)).toBe('/d/-odd-.yaml');
    expect(scenarioFromArgv(['/opt/GameDay/gameday', 'file:///home/me/my%20run.gameday.yaml'], '/d', 1)).toBe('/home/me/my run.gameday.yaml');
    expect(scenarioFromArgv(['/opt/GameDay/gameday', 'file://remote-host/x.yaml'], '/d', 1)).toBeNull();
    expect(scenarioFromArgv(['/opt/GameDay/gameday', 'notes.txt'], '/d', 1)).toBeNull();
    expect(scenarioFromArgv(['electron', 'app.yaml'], '/d', 2)).toBeNull();
  });

  it('queues files until the window takes them', () => {
    const q = new OpenQueue();
    q.push('/a.yaml');
    q.push('/b.yaml');
    expect(q.takeFirst()).toBe('/a.yaml');
    const got: string[] = [];
    q.attach((f) => got.push(f));
    q.push('/c.yaml');
    q.detach();
    q.push('/d.yaml');
    expect(got).toEqual(['/b.yaml', '/c.yaml']);
  });
});
