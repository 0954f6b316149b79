import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostApi, MenuAction } from '../../electron/host-api';

/**
 * The preload script as the sandbox runs it: its bundle evaluated with a fake
 * `electron` module (contextBridge, ipcRenderer) — the only module a
 * sandboxed preload may require.
 */

const root = join(import.meta.dirname, '../..');
let code = '';
const required: string[] = [];

beforeAll(async () => {
  const out = await build({ entryPoints: [join(root, 'electron/preload.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['electron'], write: false, logLevel: 'error' });
  code = out.outputFiles[0].text;
});

function load(invoke: (channel: string, payload: unknown) => Promise<unknown>) {
  const exposed: Record<string, unknown> = {};
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
    ipcRenderer: {
      invoke,
      on: (channel: string, l: (...args: unknown[]) => void) => void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel))?.add(l),
      removeListener: (channel: string, l: (...args: unknown[]) => void) => void listeners.get(channel)?.delete(l),
    },
  };
  const module = { exports: {} };
  runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    },
  });
  const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l(...args));
  return { host: exposed.gamedayHost as Omit<HostApi, 'kind'>, exposed, emit, listeners };
}

describe('the preload script', () => {
  it('runSweep passes its own sweep\'s progress to the listener, and stops listening when it ends', async () => {
    let finish: (v: unknown) => void = () => undefined;
    const sent: Array<[string, unknown]> = [];
    const { host, emit, listeners } = load((channel, payload) => {
      sent.push([channel, payload]);
      return new Promise((r) => (finish = r));
    });
    const seen: number[] = [];
    const done = host.runSweep({ file: 'scenarios/sweeps/s.yaml' }, (p) => seen.push(p.done));
    const run = (sent[0][1] as { run: string }).run;
    expect(sent[0]).toEqual(['gameday:run-sweep', { run, request: { file: 'scenarios/sweeps/s.yaml' } }]);
    emit('gameday:sweep-progress', {}, { run, progress: { done: 3, total: 9 } });
    emit('gameday:sweep-progress', {}, { run: 'another', progress: { done: 7, total: 9 } });
    finish({ kind: 'cancelled', done: 3, total: 9 });
    await expect(done).resolves.toEqual({ kind: 'cancelled', done: 3, total: 9 });
    expect(seen).toEqual([3]);
    expect(listeners.get('gameday:sweep-progress')?.size ?? 0).toBe(0);
  });

  it('exposes only window.gamedayHost with the host API methods', () => {
    const { exposed, host } = load(async () => null);
    expect(Object.keys(exposed)).toEqual(['gamedayHost']);
    expect(Object.keys(host).sort()).toEqual(['cancel', 'cancelSweep', 'library', 'onMenu', 'openDialog', 'openSweepDialog', 'readScenario', 'runSweep', 'save', 'saveAs', 'session', 'sweeps']);
    expect([...new Set(required)]).toEqual(['electron']);
  });

  it('sends one payload object per call on its channel', async () => {
    const sent: Array<[string, unknown]> = [];
    const { host } = load(async (channel, payload) => {
      sent.push([channel, payload]);
      return 'ok';
    });
    await host.library();
    await host.readScenario('scenarios/default.yaml');
    await host.openDialog();
    await host.save('/a.yaml', 'x');
    await host.saveAs('y', 'b.gameday.yaml');
    await expect(host.session('main', { kind: 'advance', to: 3 })).resolves.toBe('ok');
    await host.cancel('main');
    expect(sent).toEqual([
      ['gameday:library', {}],
      ['gameday:read-scenario', { file: 'scenarios/default.yaml' }],
      ['gameday:open-dialog', {}],
      ['gameday:save', { file: '/a.yaml', text: 'x' }],
      ['gameday:save-as', { text: 'y', suggested: 'b.gameday.yaml' }],
      ['gameday:session', { session: 'main', command: { kind: 'advance', to: 3 } }],
      ['gameday:cancel', { session: 'main' }],
    ]);
  });

  it("rejects with the main process' message, without Electron's prefix", async () => {
    const { host } = load(async () => {
      throw new Error("Error invoking remote method 'gameday:session': Error: invalid gameday:session request: command.to: to must not be negative");
    });
    await expect(host.session('main', { kind: 'seek', to: -1 })).rejects.toThrow(/^invalid gameday:session request: command\.to: to must not be negative$/);
  });

  it('delivers menu actions without the IPC event, and unsubscribes', () => {
    const { host, emit, listeners } = load(async () => null);
    const got: unknown[][] = [];
    const off = host.onMenu((...args: unknown[]) => void got.push(args));
    const action: MenuAction = { kind: 'view', view: 'compare' };
    emit('gameday:menu', { sender: 'secret' }, action);
    off();
    emit('gameday:menu', { sender: 'secret' }, { kind: 'save' });
    expect(got).toEqual([[action]]);
    expect(listeners.get('gameday:menu')?.size).toBe(0);
  });
});
