import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../electron/channels';
import { parsePayload } from '../../electron/ipc';
import { bundledSweepFiles, SweepService, sweepThreadHandler } from '../../electron/sweep-service';
import { runSweepOn, SweepBlocks, type SweepLoadReply, type SweepWorkerRequest } from '../../simulation/sweep/workers';
import type { RunRecord } from '../../simulation/sweep/run';
import { repoHost } from '../support/scenario';

/**
 * The desktop app's sweeps (electron/sweep-service.ts): the thread's handler
 * in-process, real worker threads (the bundle scripts/build.mjs makes of
 * electron/sweep-worker.ts) giving the same bytes as one in-process worker,
 * cancelling (threads terminated), and the IPC payloads' validation.
 */

const root = join(import.meta.dirname, '../..');
const SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';
const small = (repoHost.readFile(SWEEP) ?? '').replace('seeds: 100', 'seeds: 2').replace('values: [98, 99, 99.5]', 'values: [99]');
let tmp: string;
let workerScript: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gameday-sweep-'));
  workerScript = join(tmp, 'sweep-worker.cjs');
  await build({ entryPoints: [join(root, 'electron/sweep-worker.ts')], outfile: workerScript, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Threads made for a service, to check they are terminated. */
function threads(): { create: () => Worker; made: Worker[]; exited: () => Promise<number[]> } {
  const made: Worker[] = [];
  const exits: Array<Promise<number>> = [];
  return {
    made,
    create: () => {
      const w = new Worker(workerScript, { workerData: { appDir: root } });
      made.push(w);
      exits.push(new Promise((r) => w.once('exit', r)));
      return w;
    },
    exited: () => Promise.all(exits),
  };
}

describe('the desktop sweep threads', () => {
  it('the thread handler loads the sweep with the request\'s texts over the disk and runs blocks', () => {
    const handle = sweepThreadHandler(root);
    expect(handle({ id: 1, op: 'run', from: 0, to: 1 })).toEqual({ id: 1, ok: false, error: 'no sweep is loaded in this worker' });
    const loaded = handle({ id: 2, op: 'load', request: { file: SWEEP, text: small } });
    expect(loaded.ok && (loaded.value as SweepLoadReply).ok && (loaded.value as { total: number }).total).toBe(4 * 4 * 2);
    const run = handle({ id: 3, op: 'run', from: 0, to: 2 });
    expect(run.ok && (run.value as RunRecord[]).map((r) => r.u)).toEqual([0, 1]);
    const bad = handle({ id: 4, op: 'load', request: { file: SWEEP, text: small.replace('kind: Sweep', 'kind: Sweep2') } });
    expect(bad.ok && (bad.value as SweepLoadReply).ok).toBe(false);
    expect(handle({ id: 5, op: 'nope' } as unknown as SweepWorkerRequest)).toEqual({ id: 5, ok: false, error: 'unknown sweep request "nope"' });
    expect(bundledSweepFiles(root)).toContain(SWEEP);
    expect(bundledSweepFiles(join(root, 'nowhere'))).toEqual([]);
  });

  it('real worker threads give the same bytes as one in-process worker, and are terminated after', async () => {
    const t = threads();
    const service = new SweepService({ size: 3, create: t.create });
    const progress: number[] = [];
    const r = await service.run({ file: SWEEP, text: small }, (p) => progress.push(p.done));
    expect(r.kind).toBe('result');
    expect(t.made).toHaveLength(3);
    await t.exited();
    expect(progress.at(-1)).toBe(32);
    const blocks = new SweepBlocks(repoHost);
    const one = await runSweepOn([{ load: async (q) => blocks.load(q), run: async (a, b) => blocks.run(a, b) }], { file: SWEEP, text: small }, { now: () => 0, cancelled: () => false });
    expect(one.kind).toBe('result');
    expect(r.kind === 'result' && JSON.stringify(r.result)).toBe(one.kind === 'result' && JSON.stringify(one.result));
  });

  it('cancelling terminates the threads and answers cancelled; a broken sweep answers its diagnostics', async () => {
    const t = threads();
    const service = new SweepService({ size: 2, create: t.create });
    expect(service.cancel()).toBe(false);
    let asked = false;
    const r = await service.run({ file: SWEEP, text: small.replace('seeds: 2', 'seeds: 200') }, (p) => {
      if (p.done > 0 && !asked) {
        asked = true;
        expect(service.cancel()).toBe(true);
      }
    });
    expect(r).toMatchObject({ kind: 'cancelled', total: 3200 });
    expect(await t.exited()).toHaveLength(2);
    const bad = await service.run({ file: SWEEP, text: small.replace('seeds: 2', 'seeds: -1') }, () => undefined);
    expect(bad.kind === 'invalid' && bad.diagnostics.find((d) => d.path === 'spec.seeds')?.message).toBe('expected at least 1 seed');
  });
});

describe('the sweep IPC payloads', () => {
  const command = (c: unknown) => parsePayload(CHANNELS.session, [{ session: 'main', command: c }]);
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts open-sweep-run with a run index, the sweep\'s text and the editor\'s scenario; refuses anything else', () => {
    expect(command({ kind: 'open-sweep-run', file: SWEEP, u: 3 })).toEqual({ session: 'main', command: { kind: 'open-sweep-run', file: SWEEP, u: 3 } });
    expect(command({ kind: 'open-sweep-run', file: SWEEP, text: 'x', scenario: { file: 'scenarios/a.yaml', text: 'y' }, u: 0 }).command).toMatchObject({ scenario: { file: 'scenarios/a.yaml' } });
    expect(message(() => command({ kind: 'open-sweep-run', file: SWEEP, u: -1 }))).toBe('invalid gameday:session request: command.u: u must be a whole number from 0');
    expect(message(() => command({ kind: 'open-sweep-run', file: SWEEP, u: 1.5 }))).toContain('u must be a whole number from 0');
    expect(message(() => command({ kind: 'open-sweep-run', file: SWEEP }))).toContain('u must be the index of a run of the sweep, got nothing');
    expect(message(() => command({ kind: 'open-sweep-run', file: SWEEP, u: 1, scenario: { file: 'a.yaml' } }))).toContain('command.scenario.text');
    expect(message(() => command({ kind: 'open-sweep-run', file: SWEEP, u: 1, extra: true }))).toContain('extra');
  });

  it('validates the sweep channels\' payloads', () => {
    expect(parsePayload(CHANNELS.runSweep, [{ run: 'sweep-1', request: { file: SWEEP, text: 'a' } }])).toEqual({ run: 'sweep-1', request: { file: SWEEP, text: 'a' } });
    expect(parsePayload(CHANNELS.sweeps, [{}])).toEqual({});
    expect(parsePayload(CHANNELS.cancelSweep, [{}])).toEqual({});
    expect(message(() => parsePayload(CHANNELS.runSweep, [{ run: 'sweep 1', request: { file: SWEEP } }]))).toContain('run: a session id is 1 to 64');
    expect(message(() => parsePayload(CHANNELS.runSweep, [{ run: 'a', request: { file: '' } }]))).toContain('request.file: a file path must not be empty');
    expect(message(() => parsePayload(CHANNELS.runSweep, [{ run: 'a', request: 'x' }]))).toContain('request must be a sweep request');
    expect(message(() => parsePayload(CHANNELS.cancelSweep, [{ now: true }]))).toContain('now');
  });
});
