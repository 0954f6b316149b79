import { describe, expect, it } from 'vitest';
import { builtSweepFile, parseList, relativePath, sweepInfo, sweepYaml, type SweepDraft } from '../../simulation/sweep/builder';
import { loadSweep } from '../../simulation/sweep/spec';
import { repoHost } from '../support/scenario';

/** The app's sweep builder (simulation/sweep/builder.ts): what it writes loads as the sweep it describes. */

const draft: SweepDraft = {
  name: 'checkout-built',
  description: 'built in a test',
  scenario: './checkout-canary.yaml',
  seeds: 3,
  parameters: [
    { field: 'analysis.threshold', values: [1, 3] },
    { field: 'metrics.request-success-rate.thresholdRange.min', range: { from: 98, to: 99, step: 0.5 } },
  ],
  situations: [
    { name: 'healthy', weight: 0.9 },
    { name: 'errors', weight: 0.05, fault: { type: 'http-abort', code: [500], percent: [2, 10] }, onset: ['0s', '1m'] },
    { name: 'slow', weight: 0.05, fault: { type: 'http-delay', delay: ['500ms'], percent: [100] } },
  ],
  objective: { minimise: 'detectionP95', subjectTo: { falseAborts: { max: 0.01 }, missedRegressions: { max: 0.05, bound: 'upper' } } },
};

describe('the sweep builder', () => {
  it('writes a Sweep that loadSweep reads without errors, with every knob, situation and bound', () => {
    const text = sweepYaml(draft);
    const file = builtSweepFile('scenarios/checkout-canary.yaml', draft.name);
    expect(file).toBe('scenarios/checkout-built.sweep.yaml');
    const r = loadSweep(file, { readFile: (p) => (p === file ? text : repoHost.readFile(p)) });
    expect(r.ok ? [] : r.diagnostics).toEqual([]);
    if (!r.ok) return;
    const plan = r.plan;
    expect(plan.name).toBe('checkout-built');
    expect(plan.description).toBe('built in a test');
    expect(plan.seeds).toBe(3);
    expect(plan.parameters.map((p) => [p.field, p.values])).toEqual([
      ['analysis.threshold', [1, 3]],
      ['metrics.request-success-rate.thresholdRange.min', [98, 98.5, 99]],
    ]);
    expect(plan.configurations).toHaveLength(6);
    expect(plan.situations.map((s) => s.name)).toEqual(['healthy', 'errors percent=2 onset=0s', 'errors percent=2 onset=1m0s', 'errors percent=10 onset=0s', 'errors percent=10 onset=1m0s', 'slow']);
    expect(plan.situations.find((s) => s.name === 'slow')?.fault?.params).toMatchObject({ type: 'http-delay', delay: 0.5, percent: 100 });
    expect(plan.objective).toEqual({ minimise: 'detectionP95', subjectTo: { falseAborts: { max: 0.01, bound: 'estimate' }, missedRegressions: { max: 0.05, bound: 'upper' } } });
  });

  it('writes lists on one line and single values as scalars, as the bundled sweeps do', () => {
    const text = sweepYaml(draft);
    expect(text).toContain('values: [ 1, 3 ]');
    expect(text).toContain('percent: [ 2, 10 ]');
    expect(text).toContain('code: 500\n');
    expect(text).toContain('delay: 500ms\n');
    expect(text).toContain('falseAborts: { max: 0.01 }');
    expect(text).toContain('missedRegressions: { max: 0.05, bound: upper }');
    expect(text.startsWith('# Built in the GameDay Simulator app')).toBe(true);
    expect(sweepInfo(text)).toEqual({ name: 'checkout-built', description: 'built in a test', scenario: './checkout-canary.yaml' });
  });

  it('a draft with a mistake loads with the mistake located, not thrown', () => {
    const text = sweepYaml({ ...draft, parameters: [{ field: 'analysis.treshold', values: [2] }] });
    const r = loadSweep('s.sweep.yaml', { readFile: (p) => (p === 's.sweep.yaml' ? text : repoHost.readFile(`scenarios/${p}`)) });
    expect(r.ok).toBe(false);
    const e = r.diagnostics.find((d) => d.path === 'spec.parameters[0].field');
    expect(e?.message).toContain('did you mean analysis.threshold?');
    expect(e?.line).toBe(text.split('\n').findIndex((l) => l.includes('analysis.treshold')) + 1);
  });

  it('parses the form\'s lists and relative paths', () => {
    expect(parseList('1, 2,5  10')).toEqual([1, 2, 5, 10]);
    expect(parseList('200ms, 1s ,')).toEqual(['200ms', '1s']);
    expect(parseList('  ')).toEqual([]);
    expect(parseList('99.5 -1 1e3')).toEqual([99.5, -1, 1000]);
    expect(relativePath('scenarios', 'scenarios/checkout-canary.yaml')).toBe('./checkout-canary.yaml');
    expect(relativePath('scenarios/sweeps', 'scenarios/checkout-canary.yaml')).toBe('../checkout-canary.yaml');
    expect(relativePath('/home/me/a', '/home/me/b/c.yaml')).toBe('../b/c.yaml');
    expect(builtSweepFile('mine.yaml', 'my sweep!')).toBe('my-sweep-.sweep.yaml');
    expect(sweepInfo('kind: Scenario\n')).toBeNull();
    expect(sweepInfo(': [')).toBeNull();
  });
});
