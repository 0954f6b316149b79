import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { simWorkerFixture } from '../support/sim-worker';
import { bundledScenarioFiles, desktopScenarioHost, SimService, type WorkerRequest } from '../../electron/sim-service';
import { type WorkerLike, WorkerPool } from '../../electron/worker-pool';
import { RunSession, type SessionCommand, type SessionReply } from '../../simulation/run/session';

const root = join(import.meta.dirname, '../..');
const SCENARIO = 'scenarios/examples/flagger-traefik-tutorial.gameday.yaml';
const worker = simWorkerFixture('gameday-pool-');
const pools = worker.pools;

const realPool = (size = 2) => {
  const p = new WorkerPool({ size, create: () => new Worker(worker.script(), { workerData: { appDir: root } }) });
  pools.push(p);
  return p;
};

/** A worker from inline code (for crashes). */
const evalPool = (code: string) => {
  const p = new WorkerPool({ size: 1, create: () => new Worker(code, { eval: true }) });
  pools.push(p);
  return p;
};

/** A reply as bytes: its JSON (what a structured clone keeps of it; v8.serialize would differ in number encodings only). */
const bytes = (r: SessionReply) => Buffer.from(JSON.stringify(r));

describe('the simulation worker (in-process)', () => {
  it('reads bundled scenarios under the app and absolute YAML files, nothing else', () => {
    const host = desktopScenarioHost(root);
    expect(host.readFile('scenarios/default.yaml')).toContain('kind: Scenario');
    expect(host.readFile('scenarios/../package.json')).toBeNull();
    expect(host.readFile('scenarios/../../etc/x.yaml')).toBeNull();
    expect(host.readFile('manifests/shop/canary.yaml')).toBeNull();
    expect(host.readFile(join(root, 'package.json'))).toBeNull();
    expect(host.readFile(join(root, 'scenarios/default.yaml'))).toContain('kind: Scenario');
    expect(host.readFile(join(root, 'scenarios/none.yaml'))).toBeNull();
    expect(host.readFile(join(root, 'scenarios'))).toBeNull();
  });

  it('lists the same library files as the web build', () => {
    const files = bundledScenarioFiles(root);
    expect(files).toContain('scenarios/default.yaml');
    expect(files).toContain(SCENARIO);
    expect(files.every((f) => /^scenarios\/([^/]+|examples\/[^/]+)\.ya?ml$/.test(f))).toBe(true);
    expect(files.some((f) => f.includes('manifests/') || f.includes('templates/'))).toBe(false);
  });

  it('answers errors as replies, never throws', () => {
    const s = new SimService({ appDir: root });
    expect(s.handle({ id: 1, op: 'session', session: 'a', command: { kind: 'advance', to: 5 } })).toEqual({ id: 1, ok: true, value: { kind: 'error', message: 'no run is started' } });
    expect(s.handle({ id: 2, op: 'bogus' } as unknown as WorkerRequest)).toEqual({ id: 2, ok: false, error: 'unknown worker request "bogus"' });
  });
});

describe('the worker pool', () => {
  it('runs a bundled scenario to its end in a worker thread, byte for byte as in-process', async () => {
    const pool = realPool();
    const local = new RunSession(desktopScenarioHost(root));
    const opened = local.handle({ kind: 'open', file: SCENARIO });
    expect(opened).toMatchObject({ kind: 'opened', ok: true });
    const end = (local.handle({ kind: 'start' }) as Extract<SessionReply, { kind: 'snapshot' }>).snapshot.endTime;
    const commands: SessionCommand[] = [
      { kind: 'open', file: SCENARIO },
      { kind: 'start' },
      { kind: 'advance', to: end / 3 },
      { kind: 'seek', to: end / 6 },
      { kind: 'advance', to: end },
    ];
    const fresh = new RunSession(desktopScenarioHost(root));
    for (const c of commands) {
      const remote = await pool.session('main', c);
      const here = fresh.handle(c);
      expect(Buffer.compare(bytes(remote), bytes(here)), `${c.kind} reply differs`).toBe(0);
      expect(remote).toEqual(here);
    }
    const last = await pool.session('main', { kind: 'advance', to: end });
    expect(last).toMatchObject({ kind: 'snapshot', snapshot: { done: true, t: end } });
  });

  it('pins sessions to workers and lists the library with recent files', async () => {
    const pool = realPool();
    const bad = join(worker.dir(), 'broken.gameday.yaml');
    writeFileSync(bad, 'apiVersion: [\n');
    await pool.session('main', { kind: 'open', file: SCENARIO });
    await pool.session('compare', { kind: 'open', file: SCENARIO });
    expect(pool.describe().map((s) => s.sessions)).toEqual([['main'], ['compare']]);
    const lib = await pool.library([bad]);
    expect(lib.filter((e) => e.source === 'bundled').map((e) => e.file)).toEqual(bundledScenarioFiles(root));
    expect(lib.find((e) => e.file === 'scenarios/default.yaml')?.summary?.name).toBeTruthy();
    const recent = lib.filter((e) => e.source === 'recent');
    expect(recent).toHaveLength(1);
    expect(recent[0]).toMatchObject({ file: bad, summary: null });
    expect(recent[0].diagnostics.length).toBeGreaterThan(0);
  });

  it('cancels by replacing the worker, and the session carries on', async () => {
    const pool = realPool(1);
    const text = readFileSync(join(root, SCENARIO), 'utf8');
    await pool.session('main', { kind: 'open', file: SCENARIO, text });
    const started = (await pool.session('main', { kind: 'start' })) as Extract<SessionReply, { kind: 'snapshot' }>;
    const end = started.snapshot.endTime;
    // The request is in flight as soon as it is sent: cancel it there.
    const long = pool.session('main', { kind: 'advance', to: end });
    expect(pool.cancel('main')).toBe(true);
    expect(await long).toEqual({ kind: 'error', message: 'cancelled' });
    expect(pool.describe()[0]).toMatchObject({ running: true, started: 2, pending: 0 });
    expect(pool.cancel('main')).toBe(false);
    // The replacement worker replays open and start: the run continues as if nothing happened.
    const after = await pool.session('main', { kind: 'advance', to: 60 });
    const local = new RunSession(desktopScenarioHost(root));
    local.handle({ kind: 'open', file: SCENARIO, text });
    local.handle({ kind: 'start' });
    expect(Buffer.compare(bytes(after), bytes(local.handle({ kind: 'advance', to: 60 })))).toBe(0);
  });

  it('closing a busy session stops its worker at once', async () => {
    const pool = realPool(1);
    await pool.session('main', { kind: 'open', file: SCENARIO });
    await pool.session('main', { kind: 'start' });
    const long = pool.session('main', { kind: 'advance', to: 1e6 });
    await expect(pool.session('main', { kind: 'close' })).resolves.toEqual({ kind: 'closed' });
    expect(await long).toMatchObject({ kind: 'error', message: expect.stringMatching(/cancelled: session main was closed/) });
    expect(pool.describe()[0].sessions).toEqual([]);
  });

  it('answers a crashed worker with an error reply and replaces it', async () => {
    const pool = evalPool(`
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (m) => {
        if (m.command && m.command.kind === 'advance') throw new Error('boom at ' + m.command.to);
        parentPort.postMessage({ id: m.id, ok: true, value: { kind: 'closed' } });
      });`);
    await expect(pool.session('s', { kind: 'open', file: 'x.yaml' })).resolves.toEqual({ kind: 'closed' });
    await expect(pool.session('s', { kind: 'advance', to: 5 })).resolves.toEqual({ kind: 'error', message: 'the simulation worker crashed: boom at 5' });
    expect(pool.describe()[0]).toMatchObject({ running: false, started: 1 });
    await expect(pool.session('s', { kind: 'seek', to: 1 })).resolves.toEqual({ kind: 'closed' });
    expect(pool.describe()[0]).toMatchObject({ running: true, started: 2 });
  });

  it('reports a worker that exits', async () => {
    const pool = evalPool(`require('node:worker_threads').parentPort.on('message', () => process.exit(3));`);
    await expect(pool.session('s', { kind: 'close' })).resolves.toEqual({ kind: 'closed' });
    await expect(pool.session('s', { kind: 'start' })).resolves.toEqual({ kind: 'error', message: 'the simulation worker stopped unexpectedly (exit code 3)' });
    await expect(pool.library([])).rejects.toThrow(/exit code 3/);
  });

  it('matches replies to requests by id, in any order', async () => {
    class FakeWorker extends EventEmitter implements WorkerLike {
      inbox: Array<{ id: number; command: { to: number } }> = [];
      postMessage(m: unknown) {
        this.inbox.push(m as { id: number; command: { to: number } });
      }
      terminate() {
        return Promise.resolve(0);
      }
    }
    const w = new FakeWorker();
    const pool = new WorkerPool({ size: 1, create: () => w });
    const a = pool.session('s', { kind: 'advance', to: 1 });
    const b = pool.session('s', { kind: 'advance', to: 2 });
    for (const m of [...w.inbox].reverse()) w.emit('message', { id: m.id, ok: true, value: { kind: 'error', message: `to ${m.command.to}` } });
    w.emit('message', { id: 999, ok: true, value: null });
    w.emit('message', 'garbage');
    await expect(a).resolves.toEqual({ kind: 'error', message: 'to 1' });
    await expect(b).resolves.toEqual({ kind: 'error', message: 'to 2' });
    await pool.close();
    await expect(pool.session('s', { kind: 'start' })).resolves.toEqual({ kind: 'error', message: 'the simulation workers are shut down' });
  });
});
