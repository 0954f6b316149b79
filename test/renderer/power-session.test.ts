import { describe, expect, it } from 'vitest';
import { analysePower, minimumRate, powerCurve, powerInputsOf, powerModelOf } from '../../simulation/power/analytic';
import { curveRates, plainMonteCarlo, plainPower, type PowerReport } from '../../simulation/power/lab';
import { monteCarloPower } from '../../simulation/power/monte-carlo';
import { RunSession, type SessionCommand, type SessionReply } from '../../simulation/run/session';
import { loadSweep } from '../../simulation/sweep/spec';
import { CHECKOUT_TEXT, memoryHost } from '../support/sweep';
import { repoHost } from '../support/scenario';

/**
 * The run session's `power` command (simulation/power/lab.ts), the tuning
 * lab's power panel: the analytic figures are analysePower's, minimumRate's
 * and powerCurve's for the Canary asked about (the scenario's or a
 * configuration's), the Monte Carlo is monteCarloPower's whatever the blocks
 * it is asked in, bad inputs and broken sweeps are error replies, and every
 * reply is plain JSON.
 */

const SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';
type Power = Extract<SessionCommand, { kind: 'power' }>;

function power(session: RunSession, q: Omit<Power, 'kind' | 'file'> & { file?: string } = {}): PowerReport {
  const r = session.handle({ kind: 'power', file: SWEEP, ...q });
  if (r.kind !== 'power') throw new Error(`expected a power reply, got ${JSON.stringify(r)}`);
  return r.report;
}

function errorOf(r: SessionReply): string {
  if (r.kind !== 'error') throw new Error(`expected an error reply, got ${r.kind}`);
  return r.message;
}

/** The reply survives JSON unchanged: no NaN, no Infinity, nothing a structured clone would keep and JSON would not. */
function expectPlain(x: unknown): void {
  expect(JSON.parse(JSON.stringify(x))).toEqual(x);
}

const plan = (() => {
  const r = loadSweep(SWEEP, repoHost);
  if (!r.ok) throw new Error('the bundled sweep does not load');
  return r.plan;
})();
const observation = { scrapeInterval: plan.scenario.world.scrape.interval, replicas: 1 };

describe('the power command: analytic figures', () => {
  it("for the sweep's scenario Canary, with the scenario's defaults, are analysePower's, minimumRate's and powerCurve's", () => {
    const report = power(new RunSession(repoHost));
    const inputs = powerInputsOf(plan.scenario);
    if ('error' in inputs) throw new Error(inputs.error);
    expect(report).toMatchObject({ sweep: 'checkout-thresholds', canary: 'shop/checkout', configuration: null, metrics: ['request-success-rate', 'request-duration'], successRate: true, floor: 99, notes: [] });
    // Defaults: the scenario's 60/s and 0.4 %, a regression twice what the 99 % floor allows, 1 % / 95 % targets.
    expect(report.defaults).toEqual({ rate: 60, healthy: inputs.healthy, regression: 0.02, regressionRule: 'twice what the 99 % floor allows (1 %)' });
    expect(report.inputs).toEqual({ rate: 60, healthy: inputs.healthy, regression: 0.02, maxFalseAbort: 0.01, minDetection: 0.95 });
    if ('error' in report.analytic) throw new Error(report.analytic.error);
    const a = report.analytic;
    expect(a.healthy).toEqual(plainPower(analysePower(inputs.model, 60, inputs.healthy)));
    expect(a.regressed).toEqual(plainPower(analysePower(inputs.model, 60, 0.02)));
    expect(a.healthy.rollback).toBeCloseTo(0.0189, 4);
    expect(a.minimum).toEqual(minimumRate(inputs.model, { healthy: inputs.healthy, regression: 0.02 }));
    expect(a.minimum.rate).toBeCloseTo(67, 0);
    // The curve reaches from a 20th of the least rate shown (60/s) to 10 times the largest (67/s), and is powerCurve's.
    const rates = curveRates([60, 60, a.minimum.rate]);
    expect(a.curve.map((p) => p.rate)).toEqual(rates);
    expect(rates[0]).toBeCloseTo(3, 12);
    expect(rates.at(-1)).toBeCloseTo(670.1, 0);
    expect(a.curve).toEqual(powerCurve(inputs.model, rates, inputs.healthy, 0.02));
    for (const i of [0, 20, 63]) expect(a.curve[i].falseAbort).toBeCloseTo(analysePower(inputs.model, rates[i], inputs.healthy).rollback, 14);
    // Every departure the model lists for these figures (both canaries), once each.
    // Both: overlapping windows, the first check extrapolated; the unseen first 5xx, more likely with fewer errors.
    expect(a.healthy.notes).toHaveLength(3);
    expect(a.regressed.notes.slice(0, 2)).toEqual(a.healthy.notes.slice(0, 2));
    expect(a.healthy.notes[2]).toMatch(/with 70 % probability a replica has no 5xx series/);
    expect(a.regressed.notes[2]).toMatch(/with 17 % probability a replica has no 5xx series/);
    expect(a.notes).toEqual([...a.healthy.notes.slice(0, 2), `the healthy canary: ${a.healthy.notes[2]}`, `the regression: ${a.regressed.notes[2]}`]);
    expect(a.notes[0]).toMatch(/correlated/);
    // A healthy canary that is never rolled back has no time "if rolled back": null, not NaN.
    expectPlain(report);
    expect(report.monteCarlo).toBeNull();
  });

  it("for a configuration of the sweep, are those of that configuration's Canary (its knob values applied)", () => {
    const session = new RunSession(repoHost);
    // Configuration 0: threshold 1 with a 98 % floor. Its first check at 10 % has no values: every canary is rolled back.
    const report = power(session, { configuration: 0 });
    expect(report.configuration).toEqual({ index: 0, label: 'threshold=1 request-success-rate.min=98' });
    expect(report.floor).toBe(98);
    expect(report.defaults.regression).toBeCloseTo(0.04, 15);
    expect(report.defaults.regressionRule).toBe('twice what the 98 % floor allows (2 %)');
    const model = powerModelOf(plan.canaries[0], observation);
    if ('error' in model || 'error' in report.analytic) throw new Error('no model');
    expect(model.schedule.threshold).toBe(1);
    expect(report.analytic.healthy).toEqual(plainPower(analysePower(model, 60, report.inputs.healthy)));
    expect(report.analytic.healthy.rollback).toBe(1);
    expect(report.analytic.healthy.stages[0].noValues).toEqual([true, false]);
    expect(report.analytic.minimum.rate).toBeNull();
    expect(report.analytic.minimum.reason).toMatch(/checks that can never find values .* roll back 100 % of healthy canaries/);
    // Configuration 7 (threshold 3, 99 %) is the scenario's Canary as written: the same figures.
    const same = power(session, { configuration: 7 });
    expect(same.configuration?.label).toBe('threshold=3 request-success-rate.min=99');
    expect(same.analytic).toEqual(power(session).analytic);
  });

  it('the inputs given replace the defaults, and change the figures', () => {
    const session = new RunSession(repoHost);
    const at60 = power(session);
    const at200 = power(session, { rate: 200, healthy: 0.002, regression: 0.03, targets: { maxFalseAbort: 0.05, minDetection: 0.9 } });
    expect(at200.inputs).toEqual({ rate: 200, healthy: 0.002, regression: 0.03, maxFalseAbort: 0.05, minDetection: 0.9 });
    expect(at200.defaults).toEqual(at60.defaults);
    const inputs = powerInputsOf(plan.scenario);
    if ('error' in inputs || 'error' in at200.analytic || 'error' in at60.analytic) throw new Error('no model');
    expect(at200.analytic.healthy.rollback).toBe(analysePower(inputs.model, 200, 0.002).rollback);
    expect(at200.analytic.healthy.rollback).not.toBe(at60.analytic.healthy.rollback);
    expect(at200.analytic.minimum).toEqual(minimumRate(inputs.model, { healthy: 0.002, regression: 0.03, maxFalseAbort: 0.05, minDetection: 0.9 }));
    // Back to the first inputs: the first figures, byte for byte.
    expect(JSON.stringify(power(session))).toBe(JSON.stringify(at60));
  });

  it("reads the editor's scenario text and the sweep's edited text", () => {
    // The editor's checkout with 1.2 % canary errors (past the 99 % floor), through an edited sweep.
    const scenario = { file: 'scenarios/checkout-canary.yaml', text: CHECKOUT_TEXT.replace('"500": 0.004', '"500": 0.012') };
    const text = (repoHost.readFile(SWEEP) ?? '').replace('values: [1, 2, 3, 5]', 'values: [3]');
    const report = power(new RunSession(repoHost), { text, scenario, configuration: 1 });
    expect(report.configuration?.label).toBe('threshold=3 request-success-rate.min=99');
    expect(report.defaults.healthy).toBeCloseTo(0.012, 15);
    if ('error' in report.analytic) throw new Error(report.analytic.error);
    expect(report.analytic.minimum).toMatchObject({ rate: null, reason: expect.stringMatching(/healthy error rate \(1\.2 %\) is not below what the floor allows \(1 %\)/) });
  });
});

describe('the power command: Monte Carlo', () => {
  it("is monteCarloPower's for the healthy and the regressed canary, the same in blocks or at once, in any session", () => {
    const q = { rate: 60, monteCarlo: { seeds: 12, seed: 3 } };
    const whole = power(new RunSession(repoHost), q);
    const mc = whole.monteCarlo;
    if (mc === null || 'error' in mc) throw new Error(`no Monte Carlo: ${JSON.stringify(mc)}`);
    expect(mc).toMatchObject({ seeds: 12, seed: 3, done: 12, mode: 'fast' });
    const canary = plan.canaries[7];
    const direct = (p: number) => plainMonteCarlo(monteCarloPower({ scenario: plan.scenario, canary, rate: 60, errorProbability: p, seeds: 12, seed: 3 }));
    expect(mc.healthy).toEqual(direct(whole.inputs.healthy));
    expect(mc.regressed).toEqual(direct(0.02));
    expect(mc.regressed.rollback.successes).toBe(12);
    expect(mc.healthy.stages.map((s) => s.weight)).toEqual([10, 20, 30, 40, 50]);
    expectPlain(whole);
    // In blocks of 5 in one session: each reply is over the runs so far; the last is the whole.
    const session = new RunSession(repoHost);
    const first = power(session, { ...q, monteCarlo: { ...q.monteCarlo, upTo: 5 } }).monteCarlo;
    if (first === null || 'error' in first) throw new Error('no Monte Carlo');
    expect(first.done).toBe(5);
    expect(first.healthy.runs).toBe(5);
    expect(first.healthy).toEqual(plainMonteCarlo(monteCarloPower({ scenario: plan.scenario, canary, rate: 60, errorProbability: whole.inputs.healthy, seeds: 5, seed: 3 })));
    power(session, { ...q, monteCarlo: { ...q.monteCarlo, upTo: 10 } });
    expect(JSON.stringify(power(session, q))).toBe(JSON.stringify(whole));
    // The runs kept are for those inputs only: another rate in the same session is what a fresh session says.
    const at90 = { rate: 90, monteCarlo: { seeds: 12, seed: 3 } };
    expect(JSON.stringify(power(session, at90))).toBe(JSON.stringify(power(new RunSession(repoHost), at90)));
    // Another first seed is other runs.
    const other = power(new RunSession(repoHost), { rate: 60, monteCarlo: { seeds: 12, seed: 500 } }).monteCarlo;
    if (other === null || 'error' in other) throw new Error('no Monte Carlo');
    expect(other.healthy.meanSeconds).not.toBe(mc.healthy.meanSeconds);
  });

  it('runs the whole analysis: a latency check the analytic model leaves out rolls back canaries it would promote', () => {
    // The checkout canary's p99 at 1.5 s: its p99 is far past the 500 ms bound, so the simulated rollbacks are all
    // the latency check's, while the analytic figures (success rate only) are unchanged.
    const slow = { file: 'scenarios/checkout-canary.yaml', text: CHECKOUT_TEXT.replace('      canary:\n        statusCodes:\n', '      canary:\n        latency:\n          p50: 300ms\n          p99: 1500ms\n        statusCodes:\n') };
    expect(slow.text).not.toBe(CHECKOUT_TEXT);
    const session = new RunSession(repoHost);
    const report = power(session, { scenario: slow, monteCarlo: { seeds: 6 } });
    const base = power(new RunSession(repoHost));
    expect(report.analytic).toEqual(base.analytic);
    if ('error' in report.analytic) throw new Error(report.analytic.error);
    expect(report.analytic.healthy.rollback).toBeLessThan(0.05);
    if (report.monteCarlo === null || 'error' in report.monteCarlo) throw new Error('no Monte Carlo');
    expect(report.monteCarlo.healthy.rollback.successes).toBe(6);
  });

  it('a Canary without a success-rate check has no analytic figures; the Monte Carlo still runs', () => {
    const text = CHECKOUT_TEXT.replace('      - name: request-success-rate\n        interval: 1m\n        thresholdRange:\n          min: 99\n', '');
    expect(text).not.toBe(CHECKOUT_TEXT);
    const sweep = (repoHost.readFile(SWEEP) ?? '').replace('    - field: metrics.request-success-rate.thresholdRange.min\n      values: [98, 99, 99.5]\n', '');
    expect(sweep).not.toBe(repoHost.readFile(SWEEP));
    const report = power(new RunSession(memoryHost({ 'scenarios/checkout-canary.yaml': text })), { text: sweep, monteCarlo: { seeds: 3 } });
    expect(report).toMatchObject({ metrics: ['request-duration'], successRate: false, floor: null });
    expect(report.analytic).toEqual({ error: 'the Canary shop/checkout has no request-success-rate check' });
    expect(report.defaults.regression).toBe(0.05);
    expect(report.defaults.regressionRule).toMatch(/no success-rate floor/);
    if (report.monteCarlo === null || 'error' in report.monteCarlo) throw new Error('no Monte Carlo');
    expect(report.monteCarlo.healthy.runs).toBe(3);
    expect(report.monteCarlo.healthy.stages).toEqual([]);
    expectPlain(report);
  });
});

describe('the power command: errors are replies', () => {
  it('says what is wrong with an input, and the session carries on', () => {
    const session = new RunSession(repoHost);
    const bad = (q: Omit<Power, 'kind' | 'file'>) => errorOf(session.handle({ kind: 'power', file: SWEEP, ...q }));
    expect(bad({ rate: 0 })).toBe('the request rate must be a number of requests per second above 0, got 0');
    expect(bad({ rate: -5 })).toBe('the request rate must be a number of requests per second above 0, got -5');
    expect(bad({ rate: Number.POSITIVE_INFINITY })).toMatch(/above 0, got Infinity/);
    expect(bad({ healthy: 1.5 })).toBe('the healthy error rate must be a probability from 0 to 1, got 1.5');
    expect(bad({ regression: -0.1 })).toBe("the regression's error rate must be a probability from 0 to 1, got -0.1");
    expect(bad({ targets: { maxFalseAbort: 0 } })).toBe('the false-abort target must be a probability between 0 and 1, got 0');
    expect(bad({ targets: { minDetection: 1 } })).toBe('the detection target must be a probability between 0 and 1, got 1');
    expect(bad({ monteCarlo: { seeds: 0 } })).toMatch(/seeds must be a whole number from 1/);
    expect(bad({ monteCarlo: { seeds: 10, upTo: 11 } })).toMatch(/upTo\) must be a whole number from 0 to its 10 seeds, got 11/);
    expect(bad({ configuration: 12 })).toBe('the sweep checkout-thresholds has configurations 0 to 11, not 12');
    expect(bad({ configuration: -1 })).toMatch(/the configuration must be the index/);
    expect(power(session).inputs.rate).toBe(60);
  });

  it('a sweep that does not load, or a scenario without a Canary, is an error reply', () => {
    const session = new RunSession(repoHost);
    expect(errorOf(session.handle({ kind: 'power', file: SWEEP, text: 'kind: Sweep\nspec: {}\n' }))).toMatch(/^the sweep does not load: /);
    expect(errorOf(session.handle({ kind: 'power', file: 'scenarios/sweeps/none.yaml' }))).toMatch(/^the sweep does not load: /);
    // No traffic reaches the Canary at the rate asked for when none reaches it at all: the Monte Carlo says so, the rest stands.
    const quiet = CHECKOUT_TEXT.replace(/rate: 60\b/, 'rate: 0');
    const r = power(new RunSession(memoryHost({ 'scenarios/checkout-canary.yaml': quiet })), { rate: 30, monteCarlo: { seeds: 2 } });
    expect(r.defaults.rate).toBe(0);
    expect(r.monteCarlo).toEqual({ error: 'no traffic reaches the Canary shop/checkout at the rollout: there is nothing to scale to 30/s' });
    expect('error' in r.analytic).toBe(false);
    expectPlain(r);
  });
});
