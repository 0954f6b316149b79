import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { checkpointTime, describeTrigger } from '../../simulation/scenario/lesson';
import { loadFromFiles, mustLoad, repoRoot } from '../support/scenario';

const FIRST = readFileSync(resolve(repoRoot, 'scenarios/first-canary.yaml'), 'utf8');
const files = (text: string) => ({ 'scenario.yaml': text });

describe('lessons', () => {
  it('compiles the lesson with its checkpoints and their moments', () => {
    const s = mustLoad(files(FIRST));
    const l = s.lesson;
    expect(l?.title).toBe('Your first canary');
    expect(l?.level).toBe(1);
    expect(l?.checkpoints.map((c) => [c.id, c.trigger, c.answer])).toEqual([
      ['first-step', { kind: 'weight', weight: 10 }, 1],
      ['no-data', { kind: 'halt' }, 1],
      ['promoted', { kind: 'promotion' }, 1],
    ]);
    expect(l?.checkpoints.map((c) => describeTrigger(c.trigger))).toEqual(['when the canary reaches 10 %', 'when Flagger halts the advancement', 'when the canary is promoted']);
  });

  it('finds each moment in the run record, only once it has come', () => {
    const s = mustLoad(files(FIRST));
    const sim = new Simulation(s);
    const at = (t: number) => {
      sim.advanceTo(t);
      const r = sim.result();
      return (s.lesson?.checkpoints ?? []).map((c) => checkpointTime(c.trigger, { t: sim.now, done: sim.done, timeline: r.timeline, checks: r.checks, events: r.events, slo: r.slo }));
    };
    expect(at(60)).toEqual([null, null, null]);
    expect(at(100)).toEqual([90, null, null]);
    expect(at(200)).toEqual([90, 120, null]);
    expect(at(420)).toEqual([90, 120, 270]);
    // Time triggers, failed checks and the end.
    const r = sim.result();
    const view = { t: 420, done: true, timeline: r.timeline, checks: r.checks, events: r.events, slo: r.slo };
    expect(checkpointTime({ kind: 'at', t: 200 }, view)).toBe(200);
    expect(checkpointTime({ kind: 'at', t: 200 }, { ...view, t: 199 })).toBeNull();
    expect(checkpointTime({ kind: 'failed-check', metric: 'request-success-rate' }, view)).toBe(120);
    expect(checkpointTime({ kind: 'failed-check', metric: 'request-duration' }, view)).toBeNull();
    expect(checkpointTime({ kind: 'rollback' }, view)).toBeNull();
    // A rollback at the progress deadline has no "Rolling back" event: the phase says it.
    expect(checkpointTime({ kind: 'rollback' }, { ...view, timeline: [...r.timeline.slice(0, 3), { ...r.timeline[3], phase: 'Failed' }] })).toBe(r.timeline[3].t);
    expect(checkpointTime({ kind: 'end' }, view)).toBe(420);
    expect(checkpointTime({ kind: 'end' }, { ...view, done: false })).toBeNull();
    expect(checkpointTime({ kind: 'alert', severity: null }, { ...view, slo: [{ alerts: [{ firedAt: 300, severity: 'page' } as never, { firedAt: 250, severity: 'ticket' } as never] }] })).toBe(250);
    expect(checkpointTime({ kind: 'alert', severity: 'page' }, { ...view, slo: [{ alerts: [{ firedAt: 300, severity: 'page' } as never, { firedAt: 250, severity: 'ticket' } as never] }] })).toBe(300);
  });

  it('says where a lesson is wrong and what was expected', () => {
    const broken = FIRST.replace('        answer: 1\n', '        answer: 3\n')
      .replace('      - id: no-data\n        on: halt\n', '      - id: first-step\n        on: halt\n        at: 2m\n')
      .replace('      - id: promoted\n        on: promotion\n', '      - id: promoted\n        on: failed-check\n        metric: request-sucess-rate\n        weight: 20\n');
    const r = loadFromFiles(files(broken));
    expect(r.ok).toBe(false);
    const lines = r.diagnostics.map(formatDiagnostic);
    expect(lines).toContainEqual(expect.stringMatching(/^scenario\.yaml:\d+:\d+: spec\.lesson\.checkpoints\[0\]\.answer: answer 3 is not a choice: choices are numbered 0 to 2$/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[1\]\.id: a checkpoint with id first-step already exists/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[1\]: give either at or on, not both/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[2\]\.metric: the rolled-out Canary has no metric named request-sucess-rate \(did you mean request-success-rate\?\)/));
    expect(lines).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[2\]\.weight: weight goes with on: weight/));
    const schema = loadFromFiles(files(FIRST.replace('        on: weight\n        weight: 10\n', '        on: wieght\n')));
    expect(schema.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[0\]\.on: expected on to be one of weight, failed-check, halt, rollback, promotion, alert, end, found string "wieght"/));
    const late = loadFromFiles(files(FIRST.replace('        on: halt\n', '        at: 9m\n')));
    expect(late.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[1\]\.at: at 9m0s is after the end of the run \(7m0s\)/));
    const alert = loadFromFiles(files(FIRST.replace('        on: halt\n', '        on: alert\n')));
    expect(alert.diagnostics.map(formatDiagnostic)).toContainEqual(expect.stringMatching(/spec\.lesson\.checkpoints\[1\]\.on: on: alert needs SLOs \(spec\.slos\)/));
  });
});
