import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../electron/channels';
import type { LibraryEntry } from '../../electron/host-api';
import type { SessionReply } from '../../simulation/run/session';

/**
 * main.ts wired to a stand-in `electron` module: what it registers before
 * and after `ready`, the window it opens, and requests going all the way
 * through IPC validation, the controller and the worker pool to a real
 * worker thread.
 */

const root = join(import.meta.dirname, '../..');
type Listener = (...args: unknown[]) => unknown;

interface FakeWindow {
  options: { webPreferences: Record<string, unknown> };
  url: string;
  sent: unknown[][];
}

const calls: string[] = [];
const appListeners = new Map<string, Listener[]>();
const ipc = new Map<string, Listener>();
const windows: FakeWindow[] = [];
let protocolHandler: ((req: { url: string; method: string }) => Promise<Response>) | null = null;
let tmp = '';

function fakeElectron(userData: string) {
  const on = (map: Map<string, Listener[]>) => (event: string, l: Listener) => void map.set(event, [...(map.get(event) ?? []), l]);
  class BrowserWindow implements FakeWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    url = '';
    sent: unknown[][] = [];
    listeners = new Map<string, Listener[]>();
    webContents = { on: on(new Map()), send: (...args: unknown[]) => void this.sent.push(args) };
    constructor(readonly options: FakeWindow['options']) {
      BrowserWindow.all.push(this);
      windows.push(this);
    }
    on = on(this.listeners);
    once = on(this.listeners);
    loadURL = async (url: string) => void (this.url = url);
    getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 820 });
    isMaximized = () => false;
    isMinimized = () => false;
    isDestroyed = () => false;
  }
  const workArea = { x: 0, y: 0, width: 1920, height: 1080 };
  return {
    app: {
      isPackaged: false,
      enableSandbox: () => void calls.push('enableSandbox'),
      setName: (n: string) => void calls.push(`setName ${n}`),
      on: on(appListeners),
      requestSingleInstanceLock: () => true,
      whenReady: async () => void calls.push('whenReady'),
      isReady: () => true,
      getAppPath: () => root,
      getPath: (name: string) => join(userData, name),
      getVersion: () => '0.0.0',
      setAboutPanelOptions: () => undefined,
      showAboutPanel: () => undefined,
      addRecentDocument: () => undefined,
      clearRecentDocuments: () => undefined,
      quit: () => void calls.push('quit'),
      exit: (code: number) => void calls.push(`exit ${code}`),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: Array<{ scheme: string }>) => void calls.push(`registerSchemesAsPrivileged ${s.map((x) => x.scheme).join()}`),
      handle: (scheme: string, h: typeof protocolHandler) => {
        calls.push(`protocol.handle ${scheme}`);
        protocolHandler = h;
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => void calls.push('setPermissionRequestHandler'),
        setPermissionCheckHandler: () => void calls.push('setPermissionCheckHandler'),
        webRequest: { onHeadersReceived: () => void calls.push('onHeadersReceived') },
      },
    },
    ipcMain: { handle: (channel: string, l: Listener) => void ipc.set(channel, l) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => void calls.push('setApplicationMenu') },
    BrowserWindow,
    screen: { getAllDisplays: () => [{ workArea }], getPrimaryDisplay: () => ({ workArea }) },
    nativeTheme: { shouldUseDarkColors: false },
    dialog: { showErrorBox: (t: string, m: string) => void calls.push(`error ${t}: ${m}`), showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }), showMessageBox: async () => ({ response: 0 }) },
    shell: { openExternal: async () => undefined, openPath: async () => '' },
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gameday-main-'));
  mkdirSync(join(tmp, 'renderer'));
  writeFileSync(join(tmp, 'renderer/index.html'), '<!doctype html><title>t</title>');
  (globalThis as Record<string, unknown>).__gamedayFakeElectron = fakeElectron(join(tmp, 'profile'));
  const fake: Plugin = {
    name: 'fake-electron',
    setup(b) {
      b.onResolve({ filter: /^electron$/ }, () => ({ path: 'electron', namespace: 'fake' }));
      b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({ contents: 'module.exports = globalThis.__gamedayFakeElectron;', loader: 'js' }));
    },
  };
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', logLevel: 'error' as const, define: { __GAMEDAY_VERSION__: '"test"' } };
  await build({ ...common, entryPoints: [join(root, 'electron/main.ts')], outfile: join(tmp, 'electron/main.cjs'), plugins: [fake] });
  await build({ ...common, entryPoints: [join(root, 'electron/sim-worker.ts')], outfile: join(tmp, 'electron/sim-worker.cjs') });
  createRequire(import.meta.url)(join(tmp, 'electron/main.cjs'));
  // Let whenReady's continuation (start) run.
  await new Promise((r) => setTimeout(r, 0));
});

afterAll(async () => {
  for (const l of appListeners.get('before-quit') ?? []) l();
  await new Promise((r) => setTimeout(r, 50));
  delete (globalThis as Record<string, unknown>).__gamedayFakeElectron;
  rmSync(tmp, { recursive: true, force: true });
});

const trusted = { senderFrame: { url: 'app://gameday/index.html', parent: null } };

describe('the main process wiring', () => {
  it('sets up the sandbox and the scheme before ready, then the session, IPC, menu and window', () => {
    expect(calls.indexOf('enableSandbox')).toBeLessThan(calls.indexOf('whenReady'));
    expect(calls.indexOf('registerSchemesAsPrivileged app')).toBeLessThan(calls.indexOf('whenReady'));
    expect(calls).toEqual(expect.arrayContaining(['setPermissionRequestHandler', 'setPermissionCheckHandler', 'onHeadersReceived', 'protocol.handle app', 'setApplicationMenu']));
    expect([...ipc.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    expect(windows).toHaveLength(1);
    expect(windows[0].url).toBe('app://gameday/index.html');
    expect(windows[0].options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: join(tmp, 'electron/preload.cjs') });
    expect(appListeners.has('web-contents-created') && appListeners.has('second-instance') && appListeners.has('open-file')).toBe(true);
    expect(calls.filter((c) => c.startsWith('error') || c.startsWith('exit'))).toEqual([]);
  });

  it('serves the renderer over app://', async () => {
    const r = await protocolHandler?.({ url: 'app://gameday/index.html', method: 'GET' });
    expect(r?.status).toBe(200);
    expect(await r?.text()).toContain('<title>t</title>');
  });

  it('answers IPC through validation, the controller and a worker thread', async () => {
    const session = ipc.get(CHANNELS.session) as Listener;
    const opened = (await session(trusted, { session: 'main', command: { kind: 'open', file: 'scenarios/default.yaml' } })) as SessionReply;
    expect(opened).toMatchObject({ kind: 'opened', ok: true, summary: { name: 'default' } });
    const lib = (await (ipc.get(CHANNELS.library) as Listener)(trusted, {})) as LibraryEntry[];
    expect(lib.map((e) => e.file)).toContain('scenarios/default.yaml');
    await expect((ipc.get(CHANNELS.readScenario) as Listener)(trusted, { file: 'scenarios/default.yaml' })).resolves.toMatchObject({ file: 'scenarios/default.yaml' });
    await expect(session(trusted, { session: 'main', command: { kind: 'seek', to: -5 } })).rejects.toThrow(/to must not be negative/);
    await expect(session({ senderFrame: { url: 'https://example.com/', parent: null } }, { session: 'main', command: { kind: 'close' } })).rejects.toThrow(/did not come from the app's own page/);
  });
});
