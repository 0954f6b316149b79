import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ArgoTemplate, parseAnalysisTemplate, parseAnalysisTemplates } from '../../simulation/judges/argo';
import { AnalysisRun, createAnalysisRun, evaluateAnalysis, isWorse, PHASE_ORDER, snapshot, type InstantQuery } from '../../simulation/judges/argo-run';
import { judgeConsecutive } from '../../simulation/judges/consecutive';
import { type ApiResponse, instantQuery } from '../../simulation/promql/engine';
import { Simulation } from '../../simulation/run/simulation';
import { type Diagnostic, formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { mustLoad, repoRoot } from '../support/scenario';
import { checkoutVariant } from '../support/sweep';

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const T0 = 1_767_225_600_000;
const S = 1000;
const M = 60 * S;

const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
const vec = (...values: number[]): ApiResponse => ({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [0, num(v)] })) } });
const scalar = (v: number): ApiResponse => ({ status: 'success', data: { resultType: 'scalar', result: [0, num(v)] } });
const failure = (error = 'boom'): ApiResponse => ({ status: 'error', errorType: 'execution', error });

/**
 * Answers per metric query, one letter per measurement: S → 1 (success), F → 0 (failure), I → 0.5 (neither, with
 * the conditions of {@link BOTH}), E → an error; past the end the last letter repeats. Records every query.
 */
function scripted(scripts: Record<string, string>): InstantQuery & { calls: Array<{ query: string; atMs: number }> } {
  const used = new Map<string, number>();
  const calls: Array<{ query: string; atMs: number }> = [];
  const f = ((query: string, atMs: number) => {
    calls.push({ query, atMs });
    const script = scripts[query] ?? scripts['*'];
    if (script === undefined) throw new Error(`no script for ${query}`);
    const i = used.get(query) ?? 0;
    used.set(query, i + 1);
    const letter = script[Math.min(i, script.length - 1)];
    return letter === 'E' ? failure() : vec(letter === 'S' ? 1 : letter === 'F' ? 0 : 0.5);
  }) as InstantQuery & { calls: Array<{ query: string; atMs: number }> };
  f.calls = calls;
  return f;
}

const BOTH = 'successCondition: result[0] > 0.9\nfailureCondition: result[0] < 0.1';
const SUCCESS = 'successCondition: result[0] > 0.9';

/** One metric's YAML (fields indented under it), with a Prometheus provider running `query`. */
function metric(name: string, fields: string, query = name): string {
  const body = fields
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `      ${l}`)
    .join('\n');
  return `    - name: ${name}
${body}${body ? '\n' : ''}      provider:
        prometheus:
          address: http://prometheus:9090
          query: ${query}
`;
}

function templateText(metrics: string, head = ''): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: t
  namespace: shop
spec:
${head}  metrics:
${metrics}`;
}

function mustParse(text: string, file = 'analysis.yaml'): ArgoTemplate {
  const r = parseAnalysisTemplate(file, text);
  if (!r.template) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.template;
}

/** Runs one template over [T0, T0 + until] with scripted answers. */
function run(metrics: string, scripts: Record<string, string>, until = 30 * M, opts: { head?: string; args?: Record<string, string>; terminateAtEnd?: boolean } = {}) {
  const query = scripted(scripts);
  const r = evaluateAnalysis(mustParse(templateText(metrics, opts.head)), { startMs: T0, endMs: T0 + until, query, args: opts.args, terminateAtEnd: opts.terminateAtEnd });
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return { ...r.result, calls: query.calls };
}

const at = (ms: number) => (ms - T0) / S;
const phasesOf = (r: { measurements: Array<{ phase: string }> }) => r.measurements.map((m) => m.phase[0]).join('');

/** Line and column (1-based) of `needle`'s occurrence number `nth` (0-based) in `text`, plus `offset` characters. */
function where(text: string, needle: string, offset = 0, nth = 0): { line: number; column: number } {
  let i = text.indexOf(needle);
  for (let k = 0; k < nth && i >= 0; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, i + offset);
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function only(ds: Diagnostic[], severity: Diagnostic['severity'] = 'error'): Diagnostic {
  const xs = ds.filter((d) => d.severity === severity);
  expect(xs, ds.map(formatDiagnostic).join('\n')).toHaveLength(1);
  return xs[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------------------------

describe('one measurement: the conditions classify it (evaluate.go)', () => {
  const once = (fields: string, answer: ApiResponse) => {
    const r = evaluateAnalysis(mustParse(templateText(metric('m', fields))), { startMs: T0, endMs: T0, query: () => answer });
    if (!r.ok) throw new Error(r.message);
    return r.result.measurements[0];
  };

  it('success condition only: Failed when it is false', () => {
    expect(once(SUCCESS, vec(0.95))).toMatchObject({ phase: 'Successful', value: '[0.95]', message: '' });
    expect(once(SUCCESS, vec(0.5))).toMatchObject({ phase: 'Failed', value: '[0.5]', detail: 'successCondition result[0] > 0.9 is false for [0.5]' });
  });

  it('failure condition only: Successful when it is false', () => {
    expect(once('failureCondition: result[0] < 0.1', vec(0.5)).phase).toBe('Successful');
    expect(once('failureCondition: result[0] < 0.1', vec(0.05)).phase).toBe('Failed');
  });

  it('both: Inconclusive when neither holds; Failed when both hold', () => {
    expect(once(BOTH, vec(0.5)).phase).toBe('Inconclusive');
    expect(once('successCondition: result[0] > 0.1\nfailureCondition: result[0] < 0.9', vec(0.5)).phase).toBe('Failed');
  });

  it('no condition: Successful (the pinned engine code; its docs say Inconclusive)', () => {
    expect(once('', vec(0.5)).phase).toBe('Successful');
  });

  it("reads Prometheus' answers as Argo's provider does", () => {
    expect(once('successCondition: result >= 0.5', scalar(0.75))).toMatchObject({ phase: 'Successful', value: '0.75', result: 0.75 });
    expect(once(SUCCESS, vec(0.25, 1))).toMatchObject({ phase: 'Failed', value: '[0.25,1]', result: [0.25, 1] });
    expect(once(SUCCESS, vec(NaN))).toMatchObject({ phase: 'Failed', value: '[NaN]' });
    expect(once(SUCCESS, vec(1e-7)).value).toBe('[0.0000001]');
    expect(once(SUCCESS, { status: 'success', data: { resultType: 'matrix', result: [] } })).toMatchObject({ phase: 'Error', message: 'Prometheus metric type not supported' });
    expect(once(SUCCESS, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input' })).toMatchObject({
      phase: 'Error',
      message: 'bad_data: 1:5: parse error: unexpected end of input',
    });
  });

  it('an empty vector makes result[0] an Error, not a failure', () => {
    expect(once(SUCCESS, vec())).toMatchObject({ phase: 'Error', message: 'index out of range: 0 (array length is 0)', value: '[]' });
    expect(once('successCondition: len(result) == 0 || result[0] > 0.9', vec()).phase).toBe('Successful');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Metric limits
// ---------------------------------------------------------------------------------------------------------------

describe('failureLimit: the metric fails when failures exceed it', () => {
  const fields = `interval: 1m\ncount: 5\nfailureLimit: 2\n${SUCCESS}`;

  it('exactly failureLimit failures: still running, then Successful when the count is reached', () => {
    const r = run(metric('m', fields), { m: 'FFSSS' });
    expect(phasesOf(r)).toBe('FFSSS');
    expect(r.phase).toBe('Successful');
    expect(at(r.decidedAtMs as number)).toBe(240);
    expect(r.metrics[0]).toMatchObject({ phase: 'Successful', failed: 2, successful: 3, count: 5 });
    expect(r.metrics[0].reason).toBe('count (5) reached, failed (2) within failureLimit (2)');
    expect(r.message).toBe('');
    // After two failures the metric was still Running.
    expect(r.history.filter((h) => h.metric === 'm').map((h) => [at(h.atMs), h.to])).toEqual([
      [0, 'Running'],
      [240, 'Successful'],
    ]);
  });

  it('one more failure: Failed at that measurement, with Argo’s message', () => {
    const r = run(metric('m', fields), { m: 'FFF' });
    expect(phasesOf(r)).toBe('FFF');
    expect(r.phase).toBe('Failed');
    expect(at(r.decidedAtMs as number)).toBe(120);
    expect(r.message).toBe('Metric "m" assessed Failed due to failed (3) > failureLimit (2)');
  });

  it('failures need not be consecutive: F S F S F fails at the third', () => {
    const r = run(metric('m', `interval: 1m\ncount: 10\nfailureLimit: 2\n${SUCCESS}`), { m: 'FSFSF' });
    expect(r.phase).toBe('Failed');
    expect(at(r.decidedAtMs as number)).toBe(240);
  });

  it('defaults to 0: the first failure fails the metric', () => {
    const r = run(metric('m', `interval: 1m\ncount: 5\n${SUCCESS}`), { m: 'SF' });
    expect(r.phase).toBe('Failed');
    expect(at(r.decidedAtMs as number)).toBe(60);
    expect(r.message).toBe('Metric "m" assessed Failed due to failed (1) > failureLimit (0)');
  });
});

describe('consecutiveErrorLimit: errors in a row', () => {
  it('defaults to 4: the fifth error in a row is an Error, each retried 10 s after the last', () => {
    const r = run(metric('m', `interval: 1m\ncount: 3\n${SUCCESS}`), { m: 'E' });
    expect(r.measurements.map((m) => at(m.atMs))).toEqual([0, 10, 20, 30, 40]);
    expect(r.phase).toBe('Error');
    expect(at(r.decidedAtMs as number)).toBe(40);
    expect(r.message).toBe('Metric "m" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: execution: boom"');
    expect(r.metrics[0]).toMatchObject({ error: 5, count: 0, consecutiveError: 5 });
  });

  it('a measurement without error resets the count: errors interleaved with successes never reach the limit', () => {
    const r = run(metric('m', `interval: 1m\ncount: 3\n${SUCCESS}`), { m: 'EEEESEEEESS' });
    expect(phasesOf(r)).toBe('EEEESEEEES' + 'S');
    // Errors are retried after 10 s, successes wait the interval.
    expect(r.measurements.map((m) => at(m.atMs))).toEqual([0, 10, 20, 30, 40, 100, 110, 120, 130, 140, 200]);
    expect(r.phase).toBe('Successful');
    expect(r.metrics[0]).toMatchObject({ error: 8, count: 3, consecutiveError: 0 });
  });

  it('0 tolerates no error', () => {
    const r = run(metric('m', `interval: 1m\ncount: 3\nconsecutiveErrorLimit: 0\n${SUCCESS}`), { m: 'SE' });
    expect(r.phase).toBe('Error');
    expect(at(r.decidedAtMs as number)).toBe(60);
  });

  it('errors do not count towards count: a single measurement is retried until it is not an error', () => {
    const r = run(metric('m', SUCCESS), { m: 'EES' });
    expect(r.measurements.map((m) => [at(m.atMs), m.phase])).toEqual([
      [0, 'Error'],
      [10, 'Error'],
      [20, 'Successful'],
    ]);
    expect(r.phase).toBe('Successful');
  });
});

describe('inconclusiveLimit', () => {
  it('defaults to 0: one inconclusive measurement makes the metric and the run Inconclusive', () => {
    const r = run(metric('m', `interval: 1m\ncount: 3\n${BOTH}`), { m: 'SI' });
    expect(r.phase).toBe('Inconclusive');
    expect(r.message).toBe('Metric "m" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)');
  });

  it('tolerates up to the limit', () => {
    expect(run(metric('m', `interval: 1m\ncount: 3\ninconclusiveLimit: 1\n${BOTH}`), { m: 'ISS' }).phase).toBe('Successful');
    const r = run(metric('m', `interval: 1m\ncount: 3\ninconclusiveLimit: 1\n${BOTH}`), { m: 'II' });
    expect(r.phase).toBe('Inconclusive');
    expect(at(r.decidedAtMs as number)).toBe(60);
  });
});

describe('consecutiveSuccessLimit and failureLimit -1 (v1.8)', () => {
  it('succeeds at the limit of successes in a row, failures in between tolerated when failureLimit is -1', () => {
    const r = run(metric('m', `interval: 1m\nfailureLimit: -1\nconsecutiveSuccessLimit: 2\n${SUCCESS}`), { m: 'FSFFSS' });
    expect(r.phase).toBe('Successful');
    expect(at(r.decidedAtMs as number)).toBe(300);
    expect(r.metrics[0].reason).toBe('consecutive successes (2) reached consecutiveSuccessLimit (2)');
  });

  it('count reached without the streak: Failed when failureLimit is off, Inconclusive when it is on', () => {
    expect(run(metric('m', `interval: 1m\ncount: 4\nfailureLimit: -1\nconsecutiveSuccessLimit: 2\n${SUCCESS}`), { m: 'SFSF' }).phase).toBe('Failed');
    expect(run(metric('m', `interval: 1m\ncount: 4\nfailureLimit: 3\nconsecutiveSuccessLimit: 2\n${SUCCESS}`), { m: 'SFSF' }).phase).toBe('Inconclusive');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------------------------------

describe('the schedule: initialDelay, interval, count', () => {
  it('first at start + initialDelay, then every interval, until count', () => {
    const r = run(metric('m', `initialDelay: 2m\ninterval: 30s\ncount: 4\n${SUCCESS}`), { m: 'S' });
    expect(r.measurements.map((m) => at(m.atMs))).toEqual([120, 150, 180, 210]);
    expect(r.phase).toBe('Successful');
    expect(at(r.decidedAtMs as number)).toBe(210);
  });

  it('without interval or count: one measurement, and the run is decided at once', () => {
    const r = run(metric('m', SUCCESS), { m: 'S' });
    expect(r.measurements).toHaveLength(1);
    expect(r.decidedAtMs).toBe(T0);
  });

  it('with an interval and no count: indefinitely, until terminated', () => {
    const r = run(metric('m', `interval: 1m\n${SUCCESS}`), { m: 'S' }, 10 * M);
    expect(r.measurements).toHaveLength(11);
    expect(r.phase).toBe('Running');
    const t = run(metric('m', `interval: 1m\n${SUCCESS}`), { m: 'S' }, 10 * M, { terminateAtEnd: true });
    expect(t).toMatchObject({ phase: 'Successful', message: 'Run Terminated' });
    expect(at(t.decidedAtMs as number)).toBe(600);
  });

  it('a terminated run succeeds within its limits, failures and all', () => {
    const t = run(metric('m', `interval: 1m\nfailureLimit: 5\n${SUCCESS}`), { m: 'F' }, 3 * M, { terminateAtEnd: true });
    expect(t).toMatchObject({ phase: 'Successful', message: 'Run Terminated' });
    expect(t.metrics[0]).toMatchObject({ phase: 'Successful', failed: 4 });
  });

  it('advancing in slices gives the same run as evaluating at once', () => {
    const metrics = metric('a', `interval: 45s\ncount: 6\nfailureLimit: 1\n${SUCCESS}`) + metric('b', `initialDelay: 20s\ninterval: 1m\ncount: 4\n${BOTH}\ninconclusiveLimit: 2`);
    const scripts = { a: 'SFSES', b: 'SISS' };
    const whole = run(metrics, scripts, 10 * M);
    const created = createAnalysisRun(mustParse(templateText(metrics)), { startMs: T0, query: scripted(scripts) });
    if (!created.ok) throw new Error(created.message);
    const sliced: AnalysisRun = created.run;
    for (let t = 0; t <= 10 * M; t += 7 * S) sliced.advanceTo(T0 + t);
    sliced.advanceTo(T0 + 10 * M);
    const { measurements, metrics: ms, phase, decidedAtMs, history } = snapshot(sliced);
    expect({ measurements, ms, phase, decidedAtMs, history }).toEqual({ measurements: whole.measurements, ms: whole.metrics, phase: whole.phase, decidedAtMs: whole.decidedAtMs, history: whole.history });
    expect(whole.phase).toBe('Successful');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

describe("the run: the worst metric phase (Successful < Running < Pending < Inconclusive < Error < Failed)", () => {
  it('ranks phases as Argo does', () => {
    expect(PHASE_ORDER).toEqual(['Successful', 'Running', 'Pending', 'Inconclusive', 'Error', 'Failed']);
    expect(isWorse('Error', 'Failed')).toBe(true);
    expect(isWorse('Failed', 'Error')).toBe(false);
    expect(isWorse('Inconclusive', 'Error')).toBe(true);
  });

  it('a failing metric ends the run: the others stop and succeed within their limits', () => {
    const r = run(metric('a', `interval: 1m\ncount: 10\n${SUCCESS}`) + metric('b', `interval: 1m\ncount: 10\n${SUCCESS}`), { a: 'SSF', b: 'S' });
    expect(r.phase).toBe('Failed');
    expect(at(r.decidedAtMs as number)).toBe(120);
    expect(r.metrics.map((m) => [m.name, m.phase, m.measurements.length])).toEqual([
      ['a', 'Failed', 3],
      ['b', 'Successful', 3],
    ]);
    expect(r.metrics[1].reason).toBe('the run ended while the metric was running, within its limits');
    expect(r.message).toBe('Metric "a" assessed Failed due to failed (1) > failureLimit (0)');
  });

  it('Error outranks Inconclusive, Failed outranks Error', () => {
    const ie = run(metric('a', BOTH) + metric('b', `consecutiveErrorLimit: 0\n${SUCCESS}`), { a: 'I', b: 'E' });
    expect(ie.metrics.map((m) => m.phase)).toEqual(['Inconclusive', 'Error']);
    expect(ie.phase).toBe('Error');
    const ef = run(metric('a', `consecutiveErrorLimit: 0\n${SUCCESS}`) + metric('b', SUCCESS), { a: 'E', b: 'F' });
    expect(ef.phase).toBe('Failed');
    expect(ef.message).toBe('Metric "b" assessed Failed due to failed (1) > failureLimit (0)');
  });

  it('waits for every metric: Successful only when all completed', () => {
    const r = run(metric('a', SUCCESS) + metric('b', `initialDelay: 5m\n${SUCCESS}`), { a: 'S', b: 'S' });
    expect(r.history.filter((h) => h.metric === null).map((h) => [at(h.atMs), h.to])).toEqual([
      [0, 'Running'],
      [300, 'Successful'],
    ]);
  });

  it('a metric still in its initial delay when another fails is never measured', () => {
    const r = run(metric('a', SUCCESS) + metric('b', `initialDelay: 5m\n${SUCCESS}`), { a: 'F', b: 'S' });
    expect(r.phase).toBe('Failed');
    expect(r.decidedAtMs).toBe(T0);
    expect(r.metrics[1]).toMatchObject({ phase: 'Pending', measurements: [] });
    expect(r.calls.map((c) => c.query)).toEqual(['a']);
  });

  it('dry-run metrics are measured but left out of the phase, and summarised apart', () => {
    const r = run(metric('a', `interval: 1m\ncount: 2\n${SUCCESS}`) + metric('b', `interval: 1m\ncount: 2\n${SUCCESS}`), { a: 'F', b: 'S' }, 30 * M, { head: '  dryRun:\n    - metricName: ^a$\n' });
    expect(r.phase).toBe('Successful');
    expect(r.metrics[0]).toMatchObject({ phase: 'Failed', dryRun: true, message: 'Metric assessed Failed due to failed (1) > failureLimit (0)' });
    expect(r.summaries).toEqual({ run: { count: 1, successful: 1, failed: 0, inconclusive: 0, error: 0 }, dryRun: { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 } });
  });

  it('keeps every measurement, and says how many Argo would retain (default 10)', () => {
    const r = run(metric('a', `interval: 1m\ncount: 12\n${SUCCESS}`) + metric('b', `interval: 1m\ncount: 12\n${SUCCESS}`), { a: 'S', b: 'S' }, 30 * M, { head: '  measurementRetention:\n    - metricName: b\n      limit: 3\n' });
    expect(r.metrics.map((m) => [m.measurements.length, m.retention])).toEqual([
      [12, 10],
      [12, 3],
    ]);
  });
});

describe('arguments: {{args.name}} in queries, conditions and counts', () => {
  const text = templateText(
    `    - name: rate
      interval: 1m
      count: "{{args.checks}}"
      successCondition: "result[0] >= {{ args.floor }}"
      provider:
        prometheus:
          address: http://prometheus:9090
          query: sum(rate(traefik_service_requests_total{service=~"{{args.service}}"}[1m]))
`,
    `  args:
    - name: service
    - name: floor
      value: "0.5"
    - name: checks
      value: "2"
    - name: token
      valueFrom:
        secretKeyRef: { name: prom, key: token }
`,
  );

  it('substitutes supplied values and the template’s defaults', () => {
    const seen: string[] = [];
    const r = evaluateAnalysis(mustParse(text), {
      startMs: T0,
      endMs: T0 + 10 * M,
      args: { service: 'shop-checkout-canary-.*', floor: '0.8', token: 'x' },
      query: (q) => {
        seen.push(q);
        return vec(0.7);
      },
    });
    if (!r.ok) throw new Error(r.message);
    expect(seen[0]).toBe('sum(rate(traefik_service_requests_total{service=~"shop-checkout-canary-.*"}[1m]))');
    // 0.7 < 0.8 (the supplied floor, not the default 0.5): Failed at the first of two measurements.
    expect(r.result.phase).toBe('Failed');
    const ok = evaluateAnalysis(mustParse(text), { startMs: T0, endMs: T0 + 10 * M, args: { service: 's', token: 'x' }, query: () => vec(0.7) });
    expect(ok.ok && [ok.result.phase, ok.result.measurements.length]).toEqual(['Successful', 2]);
  });

  it('refuses a run whose arguments are not all resolved, located at the argument', () => {
    const r = createAnalysisRun(mustParse(text), { startMs: T0, query: () => vec(1) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe('args.service was not resolved');
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    expect(errors).toContain(`analysis.yaml:${where(text, '- name: service').line}:7: spec.args[0]: args.service was not resolved: the template gives it no value, so the run must`);
    expect(errors).toContain(
      `analysis.yaml:${where(text, '- name: token').line}:7: spec.args[3]: args.token takes its value from secretKeyRef prom/token, which the simulator cannot read: supply its value with the run's arguments`,
    );
  });

  it('warns about arguments the template does not declare', () => {
    const r = createAnalysisRun(mustParse(text), { startMs: T0, query: () => vec(1), args: { service: 's', token: 't', servce: 'x' } });
    expect(r.ok).toBe(true);
    expect(only(r.diagnostics, 'warning').message).toBe('argument servce is not declared by the template: ignored');
  });

  it('locates an error found only once the arguments are known', () => {
    const create = (floor: string) => createAnalysisRun(mustParse(text), { startMs: T0, query: () => vec(1), args: { service: 's', token: 't', floor } });
    // Inside the argument's value: at the placeholder.
    // (The character counts in the condition as written, where the placeholder starts at 14.)
    const inside = create('0.5 @ 1');
    expect(inside.ok).toBe(false);
    if (inside.ok) return;
    expect(only(inside.diagnostics)).toMatchObject({ ...where(text, '{{ args.floor }}'), path: 'spec.metrics[0].successCondition', message: 'unexpected character "@" (at character 14 of the condition)' });
    // At the end of the expression: the end of the condition as written.
    const end = create('0.5 &&');
    expect(!end.ok && only(end.diagnostics)).toMatchObject({ ...where(text, '{{ args.floor }}', '{{ args.floor }}'.length), message: expect.stringMatching(/^unexpected end of the expression/) });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The parser's located diagnostics
// ---------------------------------------------------------------------------------------------------------------

describe('AnalysisTemplate YAML: every mistake located', () => {
  const errorOf = (text: string) => only(parseAnalysisTemplates('analysis.yaml', text).diagnostics);

  it('reads a valid template with its fields and defaults', () => {
    const text = readFileSync(resolve(repoRoot, 'test/fixtures/argo/success-rate.yaml'), 'utf8');
    const r = parseAnalysisTemplate('test/fixtures/argo/success-rate.yaml', text);
    expect(r.diagnostics).toEqual([]);
    const t = r.template as ArgoTemplate;
    expect(t).toMatchObject({ kind: 'AnalysisTemplate', name: 'success-rate', namespace: 'shop' });
    expect(t.args.map((a) => [a.name, a.value])).toEqual([
      ['service', null],
      ['floor', '0.99'],
    ]);
    expect(t.metrics[0]).toMatchObject({ name: 'success-rate', count: { value: 8 }, failureLimit: { value: 1 }, consecutiveErrorLimit: null });
    expect(t.metrics[0].provider?.query.value).toContain('traefik_service_requests_total');
  });

  it('YAML syntax', () => {
    const d = errorOf('apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: { name: t\n');
    expect(d.message).toMatch(/^YAML: /);
    expect(d.line).toBeGreaterThan(0);
  });

  it('apiVersion and kind', () => {
    const text = templateText(metric('m', SUCCESS)).replace('argoproj.io/v1alpha1', 'argoproj.io/v1');
    expect(errorOf(text)).toMatchObject({ line: 1, column: 13, path: 'apiVersion', message: 'expected apiVersion argoproj.io/v1alpha1, found string "argoproj.io/v1"' });
    const other = parseAnalysisTemplates('x.yaml', 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: { name: r }\n---\n' + templateText(metric('m', SUCCESS)));
    expect(other.templates).toHaveLength(1);
    expect(only(other.diagnostics, 'warning')).toMatchObject({ line: 2, column: 7, message: 'Rollout is not an AnalysisTemplate: skipped' });
  });

  it('unknown fields, with the likely one', () => {
    const text = templateText(metric('m', `interval: 1m\nfailureLimits: 2\n${SUCCESS}`));
    expect(errorOf(text)).toMatchObject({ ...where(text, 'failureLimits'), path: 'spec.metrics[0].failureLimits', message: 'unknown field "failureLimits" (did you mean "failureLimit"?)' });
  });

  it('types: an argument value must be a string', () => {
    const text = templateText(metric('m', SUCCESS), '  args:\n    - name: floor\n      value: 0.99\n');
    expect(errorOf(text)).toMatchObject({ ...where(text, '0.99'), path: 'spec.args[0].value', message: 'expected the value as a string (Kubernetes rejects other types: quote it, e.g. "0.99"), found number 0.99' });
  });

  it('no metrics', () => {
    const text = 'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n  metrics: []\n';
    expect(errorOf(text)).toMatchObject({ line: 6, column: 12, path: 'spec.metrics', message: 'no metrics specified' });
  });

  it('a duplicate metric name', () => {
    const text = templateText(metric('m', SUCCESS) + metric('m', SUCCESS, 'up'));
    expect(errorOf(text)).toMatchObject({ ...where(text, '- name: m', 8, 1), path: 'spec.metrics[1].name', message: "metrics[1]: duplicate name 'm'" });
  });

  it('count > 1 without an interval; count below failureLimit', () => {
    const text = templateText(metric('m', `count: 3\n${SUCCESS}`));
    expect(errorOf(text)).toMatchObject({ ...where(text, '3'), path: 'spec.metrics[0].count', message: 'metrics[0]: interval must be specified when count > 1' });
    const below = templateText(metric('m', `interval: 1m\ncount: 2\nfailureLimit: 3\n${SUCCESS}`));
    expect(errorOf(below).message).toBe('metrics[0]: count must be >= failureLimit (count 2, failureLimit 3)');
  });

  it('a bad duration', () => {
    const text = templateText(metric('m', `interval: 5 minutes\n${SUCCESS}`));
    expect(errorOf(text)).toMatchObject({ ...where(text, '5 minutes'), path: 'spec.metrics[0].interval', message: 'metrics[0]: invalid interval string: invalid duration "5 minutes"' });
  });

  it('limits out of range, and failureLimit -1 with nothing to decide', () => {
    expect(errorOf(templateText(metric('m', `failureLimit: -2\n${SUCCESS}`))).message).toBe('metrics[0]: failureLimit must be >= -1 (-1 turns the failure limit off)');
    expect(errorOf(templateText(metric('m', `consecutiveErrorLimit: -1\n${SUCCESS}`))).message).toBe('metrics[0]: consecutiveErrorLimit must be >= 0');
    expect(errorOf(templateText(metric('m', `interval: 1m\nfailureLimit: -1\n${SUCCESS}`))).message).toMatch(/^metrics\[0\]: failureLimit -1 turns the failure limit off, so the metric needs consecutiveSuccessLimit/);
  });

  it('providers: none, two, or one the simulator does not run', () => {
    const none = templateText('    - name: m\n      successCondition: result[0] > 1\n      provider: {}\n');
    expect(errorOf(none)).toMatchObject({ path: 'spec.metrics[0].provider', message: 'metrics[0]: no provider specified (the simulator runs prometheus)' });
    const web = templateText('    - name: m\n      provider:\n        web:\n          url: http://x\n');
    expect(errorOf(web)).toMatchObject({ ...where(web, 'web:'), path: 'spec.metrics[0].provider.web', message: 'the web provider is not supported by the simulator: only prometheus, answered by the simulated Prometheus' });
    const two = templateText('    - name: m\n      provider:\n        prometheus: { query: up }\n        datadog: { query: x }\n');
    expect(errorOf(two).message).toBe('metrics[0]: multiple providers specified (prometheus, datadog)');
  });

  it('an argument used but not declared', () => {
    const text = templateText(metric('m', SUCCESS, 'up{job="{{args.job}}"}'));
    expect(errorOf(text)).toMatchObject({ ...where(text, 'up{job'), path: 'spec.metrics[0].provider.prometheus.query', message: 'failed to resolve {{args.job}}: the template declares no argument job' });
  });

  it('a dryRun rule that matches no metric', () => {
    const text = templateText(metric('m', SUCCESS), '  dryRun:\n    - metricName: latency\n');
    expect(errorOf(text)).toMatchObject({ ...where(text, 'latency'), message: "dryRun[0]: Rule didn't match any metric name(s)" });
  });

  describe('condition syntax, down to the character, whatever the scalar style', () => {
    it('plain', () => {
      const text = templateText(metric('m', 'successCondition: result[0] >= 0.95 &&& true'));
      expect(errorOf(text)).toMatchObject({ ...where(text, 'result[0] >= 0.95 &&&', 20), path: 'spec.metrics[0].successCondition', message: 'unexpected character "&" (at character 21 of the condition)' });
    });

    it('double-quoted, with escapes before the error', () => {
      const text = templateText(metric('m', 'successCondition: "result[0] >= 0.95 && \\"a\\" == \\"a\\" &&& true"'));
      const d = errorOf(text);
      expect(d).toMatchObject(where(text, '&&& true', 2));
      // The character counts in the condition as YAML reads it (escapes resolved).
      expect(d.message).toBe('unexpected character "&" (at character 35 of the condition)');
    });

    it('folded block over two lines', () => {
      const text = templateText(metric('m', 'failureCondition: >-\n  len(result) > 0 &&\n  result[0] <\n'));
      const d = errorOf(text);
      expect(d).toMatchObject({ line: where(text, 'result[0] <').line, path: 'spec.metrics[0].failureCondition' });
      expect(d.message).toMatch(/^unexpected end of the expression/);
    });

    it('literal block: the offending token on its own line', () => {
      const text = templateText(metric('m', 'successCondition: |\n  len(result) == 0 ||\n    reslt[0] > 0.9\n'));
      expect(errorOf(text)).toMatchObject({ ...where(text, 'reslt'), message: 'unknown name reslt (did you mean result?) (at character 23 of the condition)' });
    });

    it('an unknown function', () => {
      const text = templateText(metric('m', 'successCondition: isNan(result[0]) == false'));
      expect(errorOf(text)).toMatchObject({ ...where(text, 'isNan'), message: 'unknown function isNan (did you mean isNaN?) (at character 1 of the condition)' });
    });
  });

  it('warns when a condition cannot compile against what the query returns', () => {
    const text = templateText(metric('m', 'successCondition: result >= 0.95', 'sum(rate(http_requests_total[1m]))'));
    const r = parseAnalysisTemplates('analysis.yaml', text);
    expect(r.templates).toHaveLength(1);
    expect(only(r.diagnostics, 'warning')).toMatchObject({
      ...where(text, 'result >= 0.95'),
      message: 'every measurement will be an Error: invalid operation: >= (mismatched types []float64 and float64) (the query returns an instant vector: result is the list of its values, e.g. result[0])',
    });
    const scalarQuery = templateText(metric('m', 'successCondition: result >= 0.95', 'scalar(sum(rate(http_requests_total[1m])))'));
    expect(parseAnalysisTemplates('analysis.yaml', scalarQuery).diagnostics).toEqual([]);
  });

  it('warns about queries Argo’s provider cannot use, and addresses that are not URLs', () => {
    const range = parseAnalysisTemplates('a.yaml', templateText(metric('m', SUCCESS, 'http_requests_total[5m]')));
    expect(only(range.diagnostics, 'warning').message).toMatch(/returns a range vector, which Argo's Prometheus provider does not take/);
    const bad = parseAnalysisTemplates('a.yaml', templateText(metric('m', SUCCESS, 'sum(rate(x[1m])')));
    expect(only(bad.diagnostics, 'warning').message).toMatch(/^Prometheus rejects this query \(bad_data: /);
    const addr = templateText(metric('m', SUCCESS)).replace('http://prometheus:9090', 'prometheus:9090');
    const r = evaluateAnalysis(mustParse(addr), { startMs: T0, endMs: T0, query: () => vec(1) });
    expect(r.ok && r.result.measurements[0]).toMatchObject({ phase: 'Error', message: 'prometheus address is not is url format' });
  });

  it('formats as file:line:column: path: message', () => {
    const text = templateText(metric('m', `interval: 1m\nfailureLimits: 2\n${SUCCESS}`));
    const { line, column } = where(text, 'failureLimits');
    expect(formatDiagnostic(errorOf(text))).toBe(`analysis.yaml:${line}:${column}: spec.metrics[0].failureLimits: unknown field "failureLimits" (did you mean "failureLimit"?)`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// On a real simulation
// ---------------------------------------------------------------------------------------------------------------

describe('the Argo judge beside Flagger on the checkout canary', () => {
  const template = mustParse(readFileSync(resolve(repoRoot, 'test/fixtures/argo/success-rate.yaml'), 'utf8'), 'success-rate.yaml');
  /** Flagger's TraefikService sends canary traffic through this Kubernetes Service (see rollout/explain.ts). */
  const service = 'shop-checkout-canary-[0-9a-zA-Z-]+@kubernetescrd';

  function judge(scenarioText: string) {
    const scenario = mustLoad({ 'scenario.yaml': scenarioText });
    const sim = new Simulation(scenario);
    const deployAt = scenario.document.spec.rollout?.at as number;
    const created = createAnalysisRun(template, { startMs: sim.timestamp(deployAt), args: { service }, query: (q, t) => instantQuery(sim.store, q, t) });
    if (!created.ok) throw new Error(created.diagnostics.map(formatDiagnostic).join('\n'));
    // Alongside the simulation: advance both in 15 s slices.
    for (let t = 0; t <= sim.endTime; t += 15) {
      sim.advanceTo(t);
      created.run.advanceTo(sim.timestamp(t));
    }
    const result = sim.result();
    // After the fact, over the whole run, the answers are the same.
    const replay = evaluateAnalysis(template, { startMs: sim.timestamp(deployAt), endMs: sim.timestamp(sim.endTime), args: { service }, query: (q, t) => instantQuery(sim.store, q, t) });
    return { run: created.run, result, replay, sim, deployAt };
  }

  it('succeeds on the healthy canary (0.4 % errors), like Flagger, which promotes', () => {
    const { run: r, result, replay, sim } = judge(readFileSync(resolve(repoRoot, 'scenarios/checkout-canary.yaml'), 'utf8'));
    expect(result.outcome?.promoted).toBe(true);
    expect(r.phase).toBe('Successful');
    const ms = r.measurements();
    expect(ms).toHaveLength(8);
    // First at the deploy (1m) + initialDelay 1m, every 30 s.
    expect(ms.map((m) => (m.atMs - sim.timestamp(0)) / S)).toEqual([120, 150, 180, 210, 240, 270, 300, 330]);
    expect(ms.every((m) => Array.isArray(m.result) && m.result.length === 1)).toBe(true);
    expect(Math.min(...ms.map((m) => (m.result as number[])[0]))).toBeGreaterThan(0.99);
    expect(replay.ok && replay.result.measurements).toEqual(ms);
    // The consecutive variant agrees with Flagger here.
    expect(judgeConsecutive(result, 3).headline?.verdict).toBe('neither');
  });

  it('fails on a canary that fails 5 % of requests, like Flagger, which rolls back', () => {
    const { run: r, result, replay, sim } = judge(checkoutVariant({ canaryErrors: 5 }));
    expect(result.outcome).toMatchObject({ phase: 'Failed', promoted: false });
    expect(r.phase).toBe('Failed');
    expect(r.message).toBe('Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)');
    const ms = r.measurements();
    expect(ms.map((m) => m.phase)).toEqual(['Failed', 'Failed']);
    expect((ms[0].result as number[])[0]).toBeLessThan(0.99);
    // Decided at the second measurement, 2.5 minutes into the run.
    expect(((r.decidedAtMs as number) - sim.timestamp(0)) / S).toBe(150);
    expect(replay.ok && replay.result.phase).toBe('Failed');
    const consecutive = judgeConsecutive(result, 3);
    expect(consecutive.headline?.verdict).toBe('both-rolled-back');
  });
});
