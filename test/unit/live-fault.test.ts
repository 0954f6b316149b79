import { describe, expect, it } from 'vitest';
import { RunSession } from '../../simulation/run/session';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { repoHost } from '../support/scenario';

/**
 * Live fault injection through a run session (the facilitator's palette):
 * the fault document is checked as the loader checks spec.faults[], injected
 * at the current time, recorded in the action log, and replays exactly.
 */

const FILE = 'scenarios/checkout-canary.yaml';

function started(): RunSession {
  const s = new RunSession(repoHost);
  s.handle({ kind: 'open', file: FILE });
  s.handle({ kind: 'start' });
  return s;
}

describe('live fault injection', () => {
  it('injects a fault now: the canary starts failing, Flagger rolls it back, and the action log replays the run exactly', () => {
    const s = started();
    s.handle({ kind: 'advance', to: 150 });
    const r = s.handle({ kind: 'inject', fault: { name: 'bad-deploy', type: 'http-abort', target: { service: 'checkout', version: 'canary' }, code: 500, percent: 30 } });
    if (r.kind !== 'snapshot') throw new Error(JSON.stringify(r));
    expect(r.snapshot.actions).toHaveLength(1);
    expect(r.snapshot.actions[0]).toMatchObject({ t: 150, action: 'inject', fault: { name: 'bad-deploy', origin: 'live' } });
    expect(r.snapshot.activeFaults.map((f) => f.name)).toEqual(['bad-deploy']);
    const end = s.handle({ kind: 'advance', to: 480 });
    if (end.kind !== 'snapshot') throw new Error(JSON.stringify(end));
    expect(end.snapshot.result.outcome?.phase).toBe('Failed');
    expect(end.snapshot.result.outcome?.reason).toContain('success rate');
    // Replay: the same scenario, seed and action log.
    const loaded = loadScenario(FILE, repoHost);
    if (!loaded.ok) throw new Error('does not load');
    const replay = new Simulation(loaded.scenario, { actions: end.snapshot.actions }).runToEnd();
    expect(JSON.stringify(replay)).toBe(JSON.stringify(end.snapshot.result));
  });

  it('cancels a fault now; its schedule no longer matters', () => {
    const s = started();
    s.handle({ kind: 'advance', to: 100 });
    s.handle({ kind: 'inject', fault: { name: 'slow', type: 'latency-shift', target: { service: 'checkout', version: 'primary' }, factor: 3, for: '10m' } });
    s.handle({ kind: 'advance', to: 130 });
    const r = s.handle({ kind: 'cancel-fault', name: 'slow' });
    if (r.kind !== 'snapshot') throw new Error(JSON.stringify(r));
    expect(r.snapshot.activeFaults).toEqual([]);
    expect(r.snapshot.actions.map((a) => `${a.t} ${a.action}`)).toEqual(['100 inject', '130 cancel']);
  });

  it('refuses a bad fault with what is wrong, field by field, and injects nothing', () => {
    const s = started();
    s.handle({ kind: 'advance', to: 60 });
    const unknownType = s.handle({ kind: 'inject', fault: { type: 'meteor', target: { service: 'checkout', version: 'canary' } } });
    expect(unknownType.kind === 'error' ? unknownType.message : '').toMatch(/^the fault cannot be injected: type: .*meteor/);
    const badTarget = s.handle({ kind: 'inject', fault: { type: 'http-abort', target: { service: 'chekout', version: 'canary' }, percent: 10 } });
    expect(badTarget.kind === 'error' ? badTarget.message : '').toMatch(/target.*chekout.*did you mean checkout/);
    const badParam = s.handle({ kind: 'inject', fault: { type: 'http-abort', target: { service: 'checkout', version: 'canary' }, percent: 150 } });
    expect(badParam.kind === 'error' ? badParam.message : '').toMatch(/percent/);
    const ok = s.handle({ kind: 'inject', fault: { name: 'x', type: 'http-abort', target: { service: 'checkout', version: 'canary' }, percent: 10 } });
    expect(ok.kind).toBe('snapshot');
    const twice = s.handle({ kind: 'inject', fault: { name: 'x', type: 'http-abort', target: { service: 'checkout', version: 'canary' }, percent: 10 } });
    expect(twice).toEqual({ kind: 'error', message: 'a fault named x already exists: give the injected fault its own name' });
    const r = s.handle({ kind: 'advance', to: 61 });
    expect(r.kind === 'snapshot' ? r.snapshot.actions.length : -1).toBe(1);
  });
});
