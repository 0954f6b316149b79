import { describe, expect, it } from 'vitest';
import type { PowerReport } from '../../simulation/power/lab';
import { RunSession } from '../../simulation/run/session';
import {
  checkOrdinal,
  defaultOf,
  fieldText,
  monteCarloSteps,
  parseField,
  perSecond,
  powerCommand,
  probability,
  rateTicks,
  simulated,
  tickText,
  verdict,
} from '../../renderer/views/tuning/power';
import { repoHost } from '../support/scenario';

/** The power panel's helpers (renderer/views/tuning/power.ts): its inputs, the command they make, its blocks and its wording. */

const SWEEP = 'scenarios/sweeps/checkout-thresholds.yaml';

describe('the power panel', () => {
  it('reads rates in requests per second and the rest in percent, refusing what the query would', () => {
    expect(parseField('rate', '60')).toEqual({ value: 60 });
    expect(parseField('rate', ' 1e3 ')).toEqual({ value: 1000 });
    expect(parseField('rate', '0')).toEqual({ error: 'Request rate: enter a number of requests per second above 0' });
    expect(parseField('rate', '-3')).toHaveProperty('error');
    expect(parseField('rate', '')).toHaveProperty('error');
    expect(parseField('rate', 'abc')).toHaveProperty('error');
    expect(parseField('healthy', '0.4')).toEqual({ value: 0.004 });
    expect(parseField('healthy', '0.4 %')).toEqual({ value: 0.004 });
    expect(parseField('healthy', '0')).toEqual({ value: 0 });
    expect(parseField('regression', '100')).toEqual({ value: 1 });
    expect(parseField('regression', '101')).toEqual({ error: "Regression's error rate: enter a percentage from 0 to 100" });
    expect(parseField('maxFalseAbort', '0')).toEqual({ error: 'Max false aborts: enter a percentage between 0 and 100' });
    expect(parseField('minDetection', '95')).toEqual({ value: 0.95 });
    expect(parseField('minDetection', '100')).toHaveProperty('error');
    // Written back as typed: 4 significant digits, no float noise.
    expect(fieldText('healthy', 0.004)).toBe('0.4');
    expect(fieldText('regression', 0.02)).toBe('2');
    expect(fieldText('rate', 67.01001316660907)).toBe('67.01');
    expect(fieldText('minDetection', 0.95)).toBe('95');
  });

  it("makes the session's command: only what was typed, the targets together, the configuration when one is selected", () => {
    const request = { file: SWEEP, text: 't', scenario: { file: 'scenarios/checkout-canary.yaml', text: 's' } };
    expect(powerCommand(request, null, {})).toEqual({ kind: 'power', ...request });
    expect(powerCommand(request, 3, { rate: 30, minDetection: 0.9 })).toEqual({ kind: 'power', ...request, configuration: 3, rate: 30, targets: { minDetection: 0.9 } });
    expect(powerCommand({ file: SWEEP }, 0, { healthy: 0.001, regression: 0.05, maxFalseAbort: 0.02 })).toEqual({
      kind: 'power',
      file: SWEEP,
      configuration: 0,
      healthy: 0.001,
      regression: 0.05,
      targets: { maxFalseAbort: 0.02 },
    });
  });

  it("shows the scenario's values until one is typed, from the session's report", () => {
    const r = new RunSession(repoHost).handle(powerCommand({ file: SWEEP }, null, {}));
    if (r.kind !== 'power') throw new Error(JSON.stringify(r));
    const report: PowerReport = r.report;
    expect(defaultOf('rate', report)).toBe(60);
    expect(defaultOf('regression', report)).toBe(0.02);
    expect(defaultOf('maxFalseAbort', null)).toBe(0.01);
    expect(defaultOf('rate', null)).toBeNull();
    expect(verdict(report)).toEqual({ ok: false, text: 'not trustworthy: false aborts 1.89 % > 1 %' });
    const r2 = new RunSession(repoHost).handle(powerCommand({ file: SWEEP }, null, { rate: 180 }));
    if (r2.kind !== 'power') throw new Error(JSON.stringify(r2));
    expect(verdict(r2.report)).toEqual({ ok: true, text: 'both targets hold' });
    expect(verdict({ ...report, analytic: { error: 'no check' } })).toBeNull();
  });

  it('runs a Monte Carlo in about 20 blocks of at least 10 runs, the last one all of them', () => {
    expect(monteCarloSteps(200)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
    expect(monteCarloSteps(5)).toEqual([5]);
    expect(monteCarloSteps(25)).toEqual([10, 20, 25]);
    const big = monteCarloSteps(20_000);
    expect(big).toHaveLength(20);
    expect(big.at(-1)).toBe(20_000);
  });

  it('writes probabilities, intervals, rates and ticks', () => {
    expect(probability(0.018864399)).toBe('1.89 %');
    expect(probability(0.99999998)).toBe('> 99.99 %');
    expect(probability(3e-8)).toBe('< 0.01 %');
    expect(probability(0)).toBe('0 %');
    expect(probability(1)).toBe('100 %');
    expect(probability(null)).toBe('—');
    expect(simulated({ successes: 7, trials: 200, rate: 0.035, low: 0.017055541999030185, high: 0.07047061155955467 })).toBe('3.5 % [1.71–7.05 %]');
    expect(simulated({ successes: 0, trials: 0, rate: null, low: 0, high: 1 })).toBe('—');
    expect(perSecond(67.01)).toBe('67 req/s');
    expect(perSecond(1234.5)).toBe('1,230 req/s');
    expect(perSecond(0.0512)).toBe('0.05 req/s');
    expect(checkOrdinal(0, false)).toBe('1st');
    expect(checkOrdinal(1, true)).toBe('2nd+');
    expect(checkOrdinal(10, false)).toBe('11th');
    expect(rateTicks(3, 670)).toEqual([5, 10, 20, 50, 100, 200, 500]);
    expect(rateTicks(0.01, 1e6)).toEqual([0.01, 0.1, 1, 10, 100, 1000, 10000, 100000, 1000000]);
    expect(tickText(5000)).toBe('5k');
    expect(tickText(2e6)).toBe('2M');
    expect(tickText(0.05)).toBe('0.05');
  });
});
