import { readdirSync, readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analysePower, powerInputsOf } from '../../simulation/power/analytic';
import { powerFinding, powerLint } from '../../simulation/power/lint';
import { RunSession } from '../../simulation/run/session';
import { loadScenario, type LoadedScenario, type ScenarioHost } from '../../simulation/scenario/loader';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const disk: ScenarioHost = {
  readFile(p) {
    try {
      return readFileSync(resolve(root, p), 'utf8');
    } catch {
      return null;
    }
  },
};
/** The repository's files, with `file`'s text edited. */
const edited = (file: string, edit: (text: string) => string): ScenarioHost => ({ readFile: (p) => (p === file ? edit(disk.readFile(p) as string) : disk.readFile(p)) });

function load(file: string, host: ScenarioHost = disk): LoadedScenario {
  const r = loadScenario(file, host);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.scenario;
}

const LOW = 'scenarios/low-traffic-noise.yaml';
const CHECKOUT = 'scenarios/checkout-canary.yaml';

describe('the editor power warning', () => {
  it("warns on lesson 4's floor at its 6 requests/s, located at thresholdRange.min, with the model's figures and the least trustworthy rate", () => {
    const scenario = load(LOW);
    const ds = powerLint(scenario, disk);
    expect(ds).toHaveLength(1);
    const d = ds[0];
    expect(d.severity).toBe('warning');
    expect(d.file).toBe(LOW);
    expect(d.path).toBe('spec.analysis.metrics[0].thresholdRange.min');
    // The line and column are the floor's value in the file.
    const line = readFileSync(resolve(root, LOW), 'utf8').split('\n')[d.line - 1];
    expect(line.slice(d.column - 1)).toMatch(/^99\b/);
    expect(line).toMatch(/^\s+min: 99/);
    // The figures are the analytic model's for the scenario's own traffic and canary.
    const inputs = powerInputsOf(scenario);
    if ('error' in inputs) throw new Error(inputs.error);
    expect(inputs.rate).toBe(6);
    expect(inputs.healthy).toBe(0.005);
    const p = analysePower(inputs.model, 6, 0.005).rollback;
    expect(p).toBeGreaterThan(0.4);
    expect(d.message).toContain(`rolled back ${Number((100 * p).toPrecision(3))} % of the time by chance`);
    expect(d.message).toContain("at the scenario's 6 requests/s to billing/invoices");
    const least = /from ([\d.]+) requests\/s/.exec(d.message);
    expect(least).not.toBeNull();
    // Where the warning says the floor becomes trustworthy, it is (and 10 % below, it is not).
    const rate = Number(least?.[1]);
    const at = (r: number) => [analysePower(inputs.model, r, 0.005).rollback, analysePower(inputs.model, r, 0.02).rollback];
    const ok = (r: number) => at(r)[0] <= 0.01 && at(r)[1] >= 0.95;
    for (const f of [1, 1.01, 1.1, 1.5, 2]) expect(ok(rate * f), `${rate * f}/s`).toBe(true);
    // Within the 1 % tolerance below it, somewhere the targets fail (the bisection's lower end).
    expect(Array.from({ length: 60 }, (_, k) => rate / 1.0101 ** (k / 60)).some((r) => !ok(r))).toBe(true);
    expect(ok(rate / 1.5)).toBe(false);
  });

  it('goes away when the traffic is raised past the rate it names', () => {
    const host = edited(LOW, (t) => t.replace(/^(\s+)rate: 6$/m, '$1rate: 150'));
    expect(powerInputsOf(load(LOW, host))).toMatchObject({ rate: 150 });
    expect(powerLint(load(LOW, host), host)).toEqual([]);
  });

  it("stays quiet at checkout's 1.9 % false aborts, and speaks when asked for less", () => {
    const scenario = load(CHECKOUT);
    expect(powerLint(scenario, disk)).toEqual([]);
    const f = powerFinding(scenario);
    expect(f?.falseAbort.rollback).toBeCloseTo(0.0189, 3);
    const strict = powerLint(scenario, disk, { warnFalseAbort: 0.01 });
    expect(strict).toHaveLength(1);
    expect(strict[0].message).toContain('rolled back 1.9 % of the time by chance');
    expect(strict[0].message).toContain('from 67');
  });

  it('says when checks that find no values roll back every canary, whatever the traffic', () => {
    // A 30 s interval and a 1m window: the first check after the weight moves reads one scrape of the canary's series.
    const host = edited(CHECKOUT, (t) => t.replace(/^(\s+)threshold: 3$/m, '$1threshold: 1'));
    const ds = powerLint(load(CHECKOUT, host), host);
    expect(ds).toHaveLength(1);
    expect(ds[0].message).toContain('100 % of canaries are rolled back whatever their health');
    expect(ds[0].message).toContain('finds no values');
    expect(ds[0].message).toContain('no request rate makes it trustworthy');
  });

  it('warns when a regression twice what the floor allows is mostly missed', () => {
    // One stage, one check over a short window at 1 request/s: a 2 % canary seldom shows 2 errors in time.
    const host = edited(CHECKOUT, (t) => t.replace(/^(\s+)rate: 60$/m, '$1rate: 1'));
    const f = powerFinding(load(CHECKOUT, host));
    expect(f?.detection.rollback).toBeLessThan(0.9);
    const ds = powerLint(load(CHECKOUT, host), host);
    expect(ds).toHaveLength(1);
    expect(ds[0].message).toMatch(/a canary failing 2 % of requests \(twice what the 99 % floor allows\) is caught only [\d.]+ % of the time/);
  });

  it('says nothing where the model does not apply', () => {
    // Blue/green's preview host reaches the canary's pods straight: the checks count traffic the model does not.
    expect(powerFinding(load('scenarios/blue-green.yaml'))).toBeNull();
    // A canary that already fails as much as the floor allows is a regression, not a healthy canary.
    const host = edited(CHECKOUT, (t) => t.replace('"500": 0.004', '"500": 0.012'));
    expect(powerFinding(load(CHECKOUT, host))).toBeNull();
    // No success-rate check.
    const noFloor = edited(CHECKOUT, (t) => t.replace('name: request-success-rate', 'name: request-success-ratio'));
    expect(powerLint(load(CHECKOUT, noFloor), noFloor)).toEqual([]);
  });

  it("reaches the app's editor (the session's open reply; gameday validate: test/cli/cli.test.ts)", () => {
    const session = new RunSession(disk);
    const opened = session.handle({ kind: 'open', file: LOW });
    expect(opened.kind === 'opened' && opened.ok).toBe(true);
    if (opened.kind !== 'opened') return;
    expect(opened.diagnostics.filter((d) => d.path === 'spec.analysis.metrics[0].thresholdRange.min').map((d) => d.severity)).toEqual(['warning']);
    // The editor's buffer, not the file on disk, is what is judged.
    const fixed = session.handle({ kind: 'open', file: LOW, text: (disk.readFile(LOW) as string).replace(/^(\s+)rate: 6$/m, '$1rate: 150') });
    expect(fixed.kind === 'opened' && fixed.diagnostics).toEqual([]);
  });

  it('speaks, among the library, only for lesson 4 (the lesson about it)', () => {
    const files = readdirSync(resolve(root, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`);
    expect(files.length).toBeGreaterThanOrEqual(20);
    const warned = files.filter((f) => powerLint(load(f), disk).length > 0);
    expect(warned).toEqual([LOW]);
  });
});
