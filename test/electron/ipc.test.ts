import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppHandler, resolveAppFile } from '../../electron/app-protocol';
import { CHANNELS, ipcErrorMessage } from '../../electron/channels';
import { IPC_LIMITS, type InvokeEvent, type IpcHandlers, type IpcMainLike, parsePayload, registerIpc } from '../../electron/ipc';
import {
  appPageUrl,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  isTrustedFrame,
  navigationAllowed,
  permissionGranted,
  secureWebPreferences,
  windowOpenDecision,
  withSecurityHeaders,
} from '../../electron/security';

const root = join(import.meta.dirname, '../..');
const app = { senderFrame: { url: 'app://gameday/index.html', parent: null } };

/** A fake ipcMain: records the listeners, calls them like Electron does. */
function fakeIpc() {
  const listeners = new Map<string, (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>>();
  const calls: Array<[string, unknown[]]> = [];
  const ipcMain: IpcMainLike = { handle: (channel, listener) => void listeners.set(channel, listener) };
  const record =
    <T>(name: string, value: T) =>
    async (...args: unknown[]) => {
      calls.push([name, args]);
      return value;
    };
  const handlers: IpcHandlers = {
    library: record('library', []),
    readScenario: record('readScenario', { file: 'scenarios/default.yaml', text: 'x' }),
    openDialog: record('openDialog', null),
    save: record('save', '/tmp/a.yaml'),
    saveAs: record('saveAs', null),
    session: record('session', { kind: 'closed' as const }),
    cancel: record('cancel', true),
    sweeps: record('sweeps', []),
    openSweepDialog: record('openSweepDialog', null),
    runSweep: record('runSweep', { kind: 'cancelled' as const, done: 0, total: 1 }),
    cancelSweep: record('cancelSweep', false),
  };
  registerIpc(ipcMain, handlers);
  const invoke = (channel: string, event: InvokeEvent, ...args: unknown[]) => {
    const l = listeners.get(channel);
    if (!l) throw new Error(`no handler for ${channel}`);
    return l(event, ...args);
  };
  return { listeners, calls, invoke };
}

const session = (command: unknown) => parsePayload(CHANNELS.session, [{ session: 'main', command }]);
const rejects = (command: unknown) => {
  try {
    session(command);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(command)}`);
};

describe('IPC payload validation', () => {
  it('accepts every valid session command', () => {
    const valid = [
      { kind: 'open', file: 'scenarios/default.yaml' },
      { kind: 'open', file: '/home/u/a.gameday.yaml', text: 'apiVersion: x\n' },
      { kind: 'start' },
      { kind: 'start', seed: 7, mode: 'fast', duration: 600 },
      { kind: 'advance', to: 0 },
      { kind: 'advance', to: 1799.5 },
      { kind: 'seek', to: 30 },
      { kind: 'summaries', files: ['scenarios/default.yaml', '/x/b.yaml'] },
      { kind: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'IC', justification: 'p99 climbing' },
      { kind: 'inject', fault: { type: 'http-abort', target: { service: 'api', version: 'canary' }, percent: 10 } },
      { kind: 'cancel-fault', name: 'http-abort-0' },
      { kind: 'close' },
    ];
    for (const command of valid) expect(session(command).command).toEqual(command);
  });

  it('rejects unknown kinds and non-objects with the list of kinds', () => {
    expect(rejects({ kind: 'explode' })).toMatch(/unknown session command kind "explode" \(expected one of open, start, advance, seek, summaries, inject, cancel-fault, decide, evidence, score, open-sweep-run, power, close\)/);
    expect(rejects({})).toMatch(/unknown session command kind \(none\)/);
    expect(rejects(5)).toMatch(/session command must be an object, got 5/);
    expect(rejects(null)).toMatch(/session command must be an object/);
  });

  it('rejects decisions without a justification or with an unknown verdict', () => {
    expect(rejects({ kind: 'decide', hook: 'g', decision: 'approve', by: 'IC', justification: '' })).toMatch(/a decision needs a justification/);
    expect(rejects({ kind: 'decide', hook: 'g', decision: 'yolo', by: 'IC', justification: 'x' })).toMatch(/decision must be approve, hold or rollback, got "yolo"/);
    expect(rejects({ kind: 'inject', fault: 'boom' })).toMatch(/fault must be a mapping/);
    expect(rejects({ kind: 'inject', fault: { type: 'http-abort', note: 'x'.repeat(70_000) } })).toMatch(/larger than 64 KiB/);
  });

  it('rejects non-finite, negative and non-numeric times', () => {
    expect(rejects({ kind: 'advance', to: Infinity })).toMatch(/command\.to: to must be a finite number of seconds, got Infinity/);
    expect(rejects({ kind: 'seek', to: NaN })).toMatch(/to must be a finite number of seconds, got NaN/);
    expect(rejects({ kind: 'advance', to: -1 })).toMatch(/to must not be negative/);
    expect(rejects({ kind: 'advance', to: '10' })).toMatch(/got a string/);
    expect(rejects({ kind: 'advance' })).toMatch(/got nothing/);
    expect(rejects({ kind: 'start', duration: -Infinity })).toMatch(/duration must be a finite number/);
    expect(rejects({ kind: 'start', seed: 1.5 })).toMatch(/seed must be a safe integer/);
    expect(rejects({ kind: 'start', mode: 'turbo' })).toMatch(/mode must be "exact" or "fast", got "turbo"/);
  });

  it('rejects huge texts, non-string paths and extra fields', () => {
    expect(rejects({ kind: 'open', file: 'a.yaml', text: 'x'.repeat(IPC_LIMITS.text + 1) })).toMatch(/scenario text is too large/);
    expect(rejects({ kind: 'open', file: 42 })).toMatch(/command\.file: a file path must be a string, got 42/);
    expect(rejects({ kind: 'open', file: { path: '/etc/passwd' } })).toMatch(/file path must be a string, got an object/);
    expect(rejects({ kind: 'open', file: '' })).toMatch(/must not be empty/);
    expect(rejects({ kind: 'open', file: 'a\0.yaml' })).toMatch(/NUL/);
    expect(rejects({ kind: 'open', file: 'x'.repeat(IPC_LIMITS.path + 1) })).toMatch(/at most 4096 characters/);
    expect(rejects({ kind: 'summaries', files: ['a.yaml', 3] })).toMatch(/command\.files\[1\]: a file path must be a string/);
    expect(rejects({ kind: 'summaries', files: 'a.yaml' })).toMatch(/files must be an array/);
    expect(rejects({ kind: 'close', now: true })).toMatch(/Unrecognized key: "now"/);
  });

  it('validates the other channels', () => {
    expect(parsePayload(CHANNELS.save, [{ file: '/a/b.yaml', text: 'x' }])).toEqual({ file: '/a/b.yaml', text: 'x' });
    expect(() => parsePayload(CHANNELS.save, [{ file: ['/a'], text: 'x' }])).toThrow(/invalid gameday:save request: file: a file path must be a string, got an array/);
    expect(() => parsePayload(CHANNELS.saveAs, [{ text: 'x'.repeat(IPC_LIMITS.text + 1), suggested: 'a.yaml' }])).toThrow(/too large/);
    expect(() => parsePayload(CHANNELS.readScenario, [])).toThrow(/expected one payload object, got 0 arguments/);
    expect(() => parsePayload(CHANNELS.library, [{}, {}])).toThrow(/got 2 arguments/);
    expect(() => parsePayload(CHANNELS.session, [{ session: '../x', command: { kind: 'close' } }])).toThrow(/session id is 1 to 64/);
  });
});

describe('IPC handlers', () => {
  it('registers every channel and passes valid payloads through', async () => {
    const { listeners, calls, invoke } = fakeIpc();
    expect([...listeners.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
    await expect(invoke(CHANNELS.session, app, { session: 'main', command: { kind: 'advance', to: 5 } })).resolves.toEqual({ kind: 'closed' });
    await expect(invoke(CHANNELS.save, app, { file: '/a.yaml', text: 't' })).resolves.toBe('/tmp/a.yaml');
    await expect(invoke(CHANNELS.cancel, app, { session: 'main' })).resolves.toBe(true);
    expect(calls).toEqual([
      ['session', ['main', { kind: 'advance', to: 5 }]],
      ['save', ['/a.yaml', 't']],
      ['cancel', ['main']],
    ]);
  });

  it('rejects invalid payloads without calling the handler', async () => {
    const { calls, invoke } = fakeIpc();
    await expect(invoke(CHANNELS.session, app, { session: 'main', command: { kind: 'advance', to: Infinity } })).rejects.toThrow(/invalid gameday:session request: command\.to/);
    await expect(invoke(CHANNELS.readScenario, app, { file: 1 })).rejects.toThrow(/file path must be a string/);
    await expect(invoke(CHANNELS.cancel, app, { session: 3 })).rejects.toThrow(/invalid gameday:cancel request/);
    expect(calls).toEqual([]);
  });

  it('refuses messages from other pages and subframes', async () => {
    const { calls, invoke } = fakeIpc();
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/index.html' }, { url: 'app://other/index.html' }, { url: 'app://gameday/index.html', parent: {} }, null]) {
      await expect(invoke(CHANNELS.library, { senderFrame }, {})).rejects.toThrow(/did not come from the app's own page/);
    }
    expect(calls).toEqual([]);
  });

  it("strips Electron's prefix from errors in the preload", () => {
    expect(ipcErrorMessage(new Error("Error invoking remote method 'gameday:save': Error: invalid gameday:save request: file: x"))).toBe('invalid gameday:save request: file: x');
    expect(ipcErrorMessage('plain')).toBe('plain');
  });
});

describe('security settings', () => {
  it('uses the same Content-Security-Policy as renderer/index.html', () => {
    const html = readFileSync(join(root, 'renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self';/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });

  it('sets the security headers over whatever a response brought', () => {
    const h = withSecurityHeaders({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' });
    expect(h['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['Content-Type']).toEqual(['text/html']);
    expect(h['X-Content-Type-Options']).toEqual(['nosniff']);
  });

  it('hardens the window and allows nothing outside the app', () => {
    expect(secureWebPreferences('/p.cjs', false)).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: false, webviewTag: false });
    expect(secureWebPreferences('/p.cjs', true).devTools).toBe(true);
    expect(navigationAllowed('app://gameday/index.html?scenario=x')).toBe(true);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://gameday.evil/', 'app://x@gameday/', 'javascript:alert(1)', 'not a url']) {
      expect(navigationAllowed(url)).toBe(false);
      expect(isTrustedFrame({ url, parent: null })).toBe(false);
    }
    expect(windowOpenDecision('https://example.com/docs')).toEqual({ action: 'deny', openExternally: 'https://example.com/docs' });
    expect(windowOpenDecision('file:///bin/sh')).toEqual({ action: 'deny', openExternally: null });
    expect(permissionGranted('media')).toBe(false);
    expect(isAppUrl(appPageUrl('/home/u/a b.gameday.yaml'))).toBe(true);
    expect(new URL(appPageUrl('/home/u/a b.gameday.yaml')).searchParams.get('scenario')).toBe('/home/u/a b.gameday.yaml');
  });
});

describe('the app:// protocol', () => {
  const dist = '/srv/app/dist/renderer';

  it('maps app URLs into the renderer directory only', () => {
    expect(resolveAppFile('app://gameday/', dist)).toBe(`${dist}/index.html`);
    expect(resolveAppFile('app://gameday/index.html?scenario=/x.yaml', dist)).toBe(`${dist}/index.html`);
    expect(resolveAppFile('app://gameday/app.js', dist)).toBe(`${dist}/app.js`);
    // The URL parser resolves dot segments (also encoded ones) at the root: they cannot climb out of it.
    expect(resolveAppFile('app://gameday/%2e%2e/%2e%2e/package.json', dist)).toBe(`${dist}/package.json`);
    expect(resolveAppFile('app://gameday/..%2f..%2fpackage.json', dist)).toBeNull();
    expect(resolveAppFile('app://gameday/.hidden', dist)).toBeNull();
    expect(resolveAppFile('app://gameday/a%5c..%5cb', dist)).toBeNull();
    expect(resolveAppFile('app://other/app.js', dist)).toBeNull();
    expect(resolveAppFile('https://gameday/app.js', dist)).toBeNull();
  });

  it('serves files with their type and the security headers; 404 and 405 otherwise', async () => {
    const files: Record<string, string> = { [`${dist}/index.html`]: '<!doctype html>', [`${dist}/app.js`]: 'console.log(1)' };
    const handler = createAppHandler(dist, async (f) => {
      if (!(f in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return new TextEncoder().encode(files[f]);
    });
    const index = await handler({ url: 'app://gameday/', method: 'GET' });
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await index.text()).toBe('<!doctype html>');
    expect((await handler({ url: 'app://gameday/app.js', method: 'GET' })).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await handler({ url: 'app://gameday/missing.js', method: 'GET' })).status).toBe(404);
    expect((await handler({ url: 'app://gameday/../../etc/passwd', method: 'GET' })).status).toBe(404);
    expect((await handler({ url: 'app://gameday/app.js', method: 'POST' })).status).toBe(405);
  });
});
