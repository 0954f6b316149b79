import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../renderer/store';
import type { HostApi } from '../../electron/host-api';
import { manualClock, memoryHost } from './memory-host';

/**
 * The renderer's store (renderer/store.ts) against an in-process host: the
 * same RunSession the workers run, over the repository's files, and a clock
 * the test moves by hand.
 */

describe('app store', () => {
  it('opens a scenario: validates, takes its seed, switches to the run view and starts a run at 0', async () => {
    const host = memoryHost();
    const store = createAppStore(host, manualClock());
    await store.getState().open('scenarios/default.yaml');
    const s = store.getState();
    expect(s.view).toBe('run');
    expect(s.summary?.name).toBe('default');
    expect(s.seed).toBe(42);
    expect(s.snapshot?.t).toBe(0);
    expect(s.snapshot?.seed).toBe(42);
    expect(s.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(s.text).toBe(s.savedText);
  });

  it('plays at speed × real time, one request in flight, and stops at the end', async () => {
    const host = memoryHost();
    const clock = manualClock();
    const store = createAppStore(host, clock);
    await store.getState().open('scenarios/budget-freeze.yaml');
    store.getState().setSpeed(100);
    store.getState().play();
    expect(store.getState().playing).toBe(true);
    await clock.advance(100); // 0.1 s × 100 = 10 simulated seconds
    expect(store.getState().snapshot?.t).toBeCloseTo(10, 6);
    await clock.advance(250);
    expect(store.getState().snapshot?.t).toBeCloseTo(35, 6);
    // A long pause between frames counts at most 0.25 s, so a stalled tab does not jump.
    await clock.advance(5000);
    expect(store.getState().snapshot?.t).toBeCloseTo(60, 6);
    store.getState().pause();
    await clock.advance(1000);
    expect(store.getState().snapshot?.t).toBeCloseTo(60, 6);
    expect(host.calls.filter((c) => c.includes('advance'))).toEqual(['main advance 10', 'main advance 35', 'main advance 60']);
  });

  it('steps one analysis interval; seeks back and forth to identical records; runs to the end with the outcome', async () => {
    const store = createAppStore(memoryHost(), manualClock());
    await store.getState().open('scenarios/default.yaml');
    await store.getState().step();
    expect(store.getState().snapshot?.t).toBe(60);
    await store.getState().toEnd();
    const end = store.getState().snapshot;
    expect(end?.done).toBe(true);
    expect(end?.result.outcome?.promoted).toBe(true);
    expect(end?.expectation?.met).toBe(true);
    await store.getState().seek(600);
    const mid = JSON.stringify(store.getState().snapshot?.result);
    await store.getState().seek(1200);
    await store.getState().seek(600);
    expect(JSON.stringify(store.getState().snapshot?.result)).toBe(mid);
    await store.getState().toEnd();
    expect(JSON.stringify(store.getState().snapshot?.result)).toBe(JSON.stringify(end?.result));
  });

  it('an edit that breaks the scenario shows its errors and keeps the last good run; a fixed one reruns', async () => {
    const store = createAppStore(memoryHost(), manualClock());
    await store.getState().open('scenarios/default.yaml');
    const good = store.getState().text;
    await store.getState().setText(good.replace('duration: 30m', 'duration: 30 minutes'));
    const errors = store.getState().diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.line}:${d.path}`)).toEqual(['12:spec.duration']);
    expect(errors[0].message).toContain('expected the run duration');
    // The run on screen is untouched: it still plays (validation runs in a session of its own).
    await store.getState().rerun();
    expect(store.getState().snapshot?.t).toBe(0);
    await store.getState().step();
    expect(store.getState().snapshot?.t).toBe(60);
    expect(store.getState().error).toBeNull();
    await store.getState().setText(good.replace('duration: 30m', 'duration: 10m'));
    expect(store.getState().diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await store.getState().rerun();
    expect(store.getState().snapshot?.endTime).toBe(600);
    expect(store.getState().text).not.toBe(store.getState().savedText);
  });

  it('a changed seed and mode apply on rerun; a compare run uses its own session', async () => {
    const host = memoryHost();
    const store = createAppStore(host, manualClock());
    await store.getState().open('scenarios/budget-freeze.yaml');
    store.getState().setSeed(7);
    store.getState().setMode('fast');
    await store.getState().rerun();
    expect(store.getState().snapshot).toMatchObject({ seed: 7, mode: 'fast' });
    store.getState().setSeed(-1);
    expect(store.getState().seed).toBe(7);
    await store.getState().runCompare(9);
    expect(store.getState().compare.snapshot?.seed).toBe(9);
    expect(store.getState().compare.snapshot?.done).toBe(true);
    expect(host.calls.some((c) => c.startsWith('compare start'))).toBe(true);
    // The main run is untouched.
    expect(store.getState().snapshot?.seed).toBe(7);
  });

  it('saving a bundled scenario asks where (save as); a file on disk is saved in place', async () => {
    const host = memoryHost();
    const saved: string[] = [];
    host.save = async (file) => (saved.push(`save ${file}`), file);
    host.saveAs = async (_t, suggested) => (saved.push(`save-as ${suggested}`), '/home/me/copy.gameday.yaml');
    const store = createAppStore({ ...host, kind: 'electron' }, manualClock());
    await store.getState().open('scenarios/budget-freeze.yaml');
    await store.getState().setText(`${store.getState().text}\n# note\n`);
    await store.getState().save();
    expect(saved).toEqual(['save-as scenarios/budget-freeze.yaml']);
    expect(store.getState().file).toBe('/home/me/copy.gameday.yaml');
    expect(store.getState().text).toBe(store.getState().savedText);
    await store.getState().save();
    expect(saved.at(-1)).toBe('save /home/me/copy.gameday.yaml');
  });

  it('a long computation can be cancelled: no error shown, the run stays where it was shown, and carries on', async () => {
    const host = memoryHost();
    let release: ((r: Awaited<ReturnType<HostApi['session']>>) => void) | null = null;
    const inner = host.session;
    host.session = async (id, command) => {
      // The run to the end hangs (a long simulation) until it is cancelled.
      if (command.kind === 'advance' && command.to === 1800 && release === null) return new Promise((resolve) => (release = resolve));
      return inner(id, command);
    };
    host.cancel = async () => {
      release?.({ kind: 'error', message: 'cancelled by the user' });
      return true;
    };
    const store = createAppStore(host, manualClock());
    await store.getState().open('scenarios/default.yaml');
    await store.getState().step();
    const toEnd = store.getState().toEnd();
    expect(store.getState().busy).toBe(true);
    await store.getState().cancel();
    await toEnd;
    const s = store.getState();
    expect(s.busy).toBe(false);
    expect(s.error).toBeNull();
    expect(s.snapshot?.t).toBe(60);
    await store.getState().step();
    expect(store.getState().snapshot?.t).toBe(120);
  });

  it('game day: injects and cancels faults and records decisions on the run; refusals come back as messages', async () => {
    const store = createAppStore(memoryHost(), manualClock());
    await store.getState().open('scenarios/checkout-canary.yaml');
    await store.getState().step();
    expect(await store.getState().inject({ name: 'bad', type: 'http-abort', target: { service: 'checkout', version: 'canary' }, percent: 30 })).toBeNull();
    expect(store.getState().snapshot?.activeFaults.map((f) => f.name)).toEqual(['bad']);
    expect(await store.getState().inject({ type: 'http-abort', target: { service: 'nope', version: 'canary' } })).toMatch(/^the fault cannot be injected/);
    expect(await store.getState().cancelFault('bad')).toBeNull();
    expect(store.getState().snapshot?.actions.map((a) => a.action)).toEqual(['inject', 'cancel']);
    // checkout-canary has no human gates: a decision is refused with the reason.
    expect(await store.getState().decide('promotion-approval', 'approve', 'IC', 'ok')).toMatch(/no human gate named promotion-approval/);
    expect(store.getState().error).toBeNull();
  });
});
