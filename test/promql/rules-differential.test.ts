import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantVector } from '../../simulation/promql/engine';
import { type AlertEpisode, type AlertState, RuleEngine } from '../../simulation/slo/rule-engine';
import { type AlertingRule, isAlertingRule, type RuleGroup, ruleFileYaml, sloRuleGroups } from '../../simulation/slo/rules';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { deployment, mustLoad, scenarioFile } from '../support/scenario';
import { compactSeriesValues, expandSeriesValues, hasPromtool, promtoolAsync, type SeriesPoint, seriesText } from '../support/slo-promtool';

/**
 * Differential proof that our RuleEngine evaluates the generated SLO rules
 * as Prometheus 2.42 does: the same input series go into our SeriesStore and
 * into a `promtool test rules` unit test (series notation, expanded from time
 * 0 = the Unix epoch); our engine evaluates the rule groups every 30 s from 0,
 * as promtool does, and the unit test promtool must pass is written from what
 * OUR engine produced: the firing alerts (labels, expanded annotations) at
 * many eval times (pending, firing, resolved, pending then dropped), every
 * recorded slo:* series, ALERTS (pending and firing) and ALERTS_FOR_STATE
 * (when each alert became active). promtool 2.42 compares sample values
 * exactly (reflect.DeepEqual), so values must agree to the last bit.
 */

const EVAL_S = 30; // evaluation_interval and every SLO's alerting.evaluationInterval
const INPUT_S = 60; // input series interval
const PER_MINUTE = 600; // requests per input interval (10 per second)

const SCENARIO = scenarioFile(
  `duration: 5m
traffic:
  - { name: t, target: api, rate: 1 }
services:
  api: { latency: { p50: 1ms, p99: 2ms } }
slos:
  # Bare counter selectors, windows with for (one not a multiple of the evaluation interval), odd user labels.
  - name: availability
    service: api
    objective: 99.9
    indicator:
      ratio:
        bad: http_requests_total{job="api",code=~"5.."}
        total: http_requests_total{job="api"}
    alerting:
      name: ApiErrorBudgetBurn
      evaluationInterval: 30s
      windows:
        - { severity: page, long: 1h, short: 5m, burnRate: 14.4, for: 2m }
        - { severity: page, long: 6h, short: 30m, burnRate: 6, for: 100s }
        - { severity: ticket, long: 1d, short: 2h, burnRate: 3 }
        - { severity: ticket, long: 3d, short: 6h, budgetConsumed: 10, for: 30m }
    labels:
      team: shop
      note: 'it''s "quoted": a b \\ c $x ü'
  # Sloth-style queries of good events, the workbook's windows (for 0).
  - name: success
    objective: 99.5
    indicator:
      ratio:
        good: sum(rate(http_requests_total{job="api",code!~"5.."}[{{ .window }}]))
        total: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting: { evaluationInterval: 30s }
  # A latency SLI over a calendar month (January 1970: 31 days).
  - name: latency
    service: api
    objective: 99
    window: month
    indicator:
      latency:
        histogram: http_request_duration_seconds
        selector: job="api"
        threshold: 300ms
    alerting:
      name: ApiLatencyBudgetBurn
      evaluationInterval: 30s
      windows:
        - { severity: page, long: 1h, short: 5m, burnRate: 14.4, for: 1m }
        - { severity: ticket, long: 6h, short: 30m, burnRate: 6, for: 20m }
`,
  deployment('api'),
);

const SLOS = mustLoad(SCENARIO).slos ?? [];
const GROUPS: RuleGroup[] = SLOS.flatMap((s) => sloRuleGroups(s, 0));
const ALERT_NAMES = [...new Set(SLOS.map((s) => s.alerting.name))];

/** What the input series do, per input interval `i` (the minute ending at i × 60 s). */
interface Situation {
  name: string;
  minutes: number;
  /** Share of the minute's requests that fail with 500. */
  errors: (i: number) => number;
  /** Share of the minute's requests slower than 300 ms. */
  slow: (i: number) => number;
  /** The process restarts: every counter starts again from 0 at this interval. */
  resetAt?: number;
  /** Intervals without a sample (a failed scrape), and one with a staleness marker. */
  gaps?: readonly number[];
  staleAt?: number;
}

const between = (from: number, to: number, v: number) => (i: number) => (i > from && i <= to ? v : 0);

const SITUATIONS: Situation[] = [
  { name: '1% errors from 20m to 2h', minutes: 150, errors: between(20, 120, 0.01), slow: () => 0 },
  { name: '2% errors from 20m to 1h50m, 20% slow from 20m to 1h20m', minutes: 150, errors: between(20, 110, 0.02), slow: between(20, 80, 0.2) },
  { name: '10% errors from 20m to 50m, 2% slow from 50m to 1h20m', minutes: 120, errors: between(20, 50, 0.1), slow: between(50, 80, 0.02) },
  { name: '100% errors and all slow from 20m to 30m', minutes: 120, errors: between(20, 30, 1), slow: between(20, 30, 1) },
  { name: 'short spikes: 100% errors and all slow for 1m at 30m, 3m at 1h', minutes: 100, errors: (i) => (i === 31 || (i > 60 && i <= 63) ? 1 : 0), slow: (i) => (i === 31 || (i > 60 && i <= 63) ? 1 : 0) },
  {
    name: '5% errors from 20m to 1h20m across a restart at 40m, a scrape gap at 1h and a staleness marker, 30% slow from 30m to 50m',
    minutes: 100,
    errors: between(20, 80, 0.05),
    slow: between(30, 50, 0.3),
    resetAt: 40,
    gaps: [59, 60, 61, 62],
    staleAt: 58,
  },
];

interface InputSeries {
  labels: Record<string, string>;
  values: string;
}

/** The input series of a situation in promtool's notation. */
function inputSeries(s: Situation): InputSeries[] {
  const counters = {
    ok: [] as number[],
    err: [] as number[],
    fast: [] as number[],
    good: [] as number[],
    all: [] as number[],
  };
  const acc = { ok: 0, err: 0, fast: 0, good: 0, all: 0 };
  for (let i = 0; i <= s.minutes; i++) {
    if (i === s.resetAt) for (const k of Object.keys(acc) as Array<keyof typeof acc>) acc[k] = 0;
    if (i > 0) {
      const err = Math.round(PER_MINUTE * s.errors(i));
      const slow = Math.round(PER_MINUTE * s.slow(i));
      acc.ok += PER_MINUTE - err;
      acc.err += err;
      acc.good += PER_MINUTE - slow;
      acc.fast += Math.floor((PER_MINUTE - slow) / 2);
      acc.all += PER_MINUTE;
    }
    for (const k of Object.keys(acc) as Array<keyof typeof acc>) counters[k].push(acc[k]);
  }
  const points = (xs: number[]): SeriesPoint[] => xs.map((v, i) => (s.gaps?.includes(i) ? null : i === s.staleAt ? 'stale' : v));
  const series = (labels: Record<string, string>, xs: number[]): InputSeries => ({ labels, values: compactSeriesValues(points(xs)) });
  const bucket = 'http_request_duration_seconds_bucket';
  return [
    series({ __name__: 'http_requests_total', job: 'api', code: '200' }, counters.ok),
    series({ __name__: 'http_requests_total', job: 'api', code: '500' }, counters.err),
    series({ __name__: bucket, job: 'api', le: '0.1' }, counters.fast),
    series({ __name__: bucket, job: 'api', le: '0.3' }, counters.good),
    series({ __name__: bucket, job: 'api', le: '+Inf' }, counters.all),
    series({ __name__: 'http_request_duration_seconds_count', job: 'api' }, counters.all),
  ];
}

interface Snapshot {
  labels: Record<string, string>;
  state: AlertState;
  activeAt: number;
}

interface OurRun {
  store: SeriesStore;
  episodes: AlertEpisode[];
  errors: RuleEngine['errors'];
  /** Active alerts after the evaluation at each time. */
  active: Map<number, Snapshot[]>;
  end: number;
}

/** Loads the input series (as promtool expands them) into a store and runs our RuleEngine every EVAL_S from 0. */
function runOurs(s: Situation, input: InputSeries[]): OurRun {
  const store = new SeriesStore();
  for (const series of input) {
    const id = store.seriesId(series.labels);
    expandSeriesValues(series.values).forEach((p, k) => {
      if (p === 'stale') store.appendStale(id, k * INPUT_S * 1000);
      else if (p !== null) store.append(id, k * INPUT_S * 1000, p);
    });
  }
  const engine = new RuleEngine(store, GROUPS, (t) => t * 1000);
  const active = new Map<number, Snapshot[]>();
  const end = s.minutes * 60;
  for (let t = 0; t <= end; t += EVAL_S) {
    engine.evaluate(t);
    active.set(
      t,
      engine.activeAlerts().map((a) => ({ labels: { ...a.episode.labels }, state: a.state, activeAt: a.episode.activeAt })),
    );
  }
  return { store, episodes: engine.episodes, errors: engine.errors, active, end };
}

/** The alerting rule an alert came from: in its SLO's alert group, with its name and rule labels. */
function ruleOf(labels: Record<string, string>): AlertingRule {
  const group = GROUPS.find((g) => g.name === `sloth-slo-alerts-${labels.sloth_id}`);
  const rules = (group?.rules ?? []).filter(isAlertingRule).filter((r) => r.alert === labels.alertname && Object.entries(r.labels).every(([k, v]) => labels[k] === v));
  if (rules.length !== 1) throw new Error(`${rules.length} rules match alert ${JSON.stringify(labels)}`);
  return rules[0];
}

/**
 * An annotation as Prometheus expands it: the rules use only
 * `{{$labels.name}}` (text/template, a missing label is empty); anything
 * else would need a template engine, so it throws.
 */
function expand(template: string, labels: Record<string, string>): string {
  const out = template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => labels[k] ?? '');
  if (out.includes('{{')) throw new Error(`cannot expand ${JSON.stringify(template)}`);
  return out;
}

const without = (labels: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(labels).filter(([k]) => !names.includes(k)));

/** Eval times worth a check: every 30 minutes, and around each alert's becoming active, firing and end. */
function checkTimes(run: OurRun): number[] {
  const times = new Set<number>();
  for (let t = 0; t <= run.end; t += 1800) times.add(t);
  for (const e of run.episodes) {
    for (const at of [e.activeAt, e.firedAt, e.endedAt]) {
      if (at === null) continue;
      for (const t of [at - EVAL_S, at, at + EVAL_S]) if (t >= 0 && t <= run.end) times.add(t);
    }
  }
  times.add(run.end);
  return [...times].sort((a, b) => a - b);
}

const duration = (s: number) => `${s}s`;

interface ExpSample {
  labels: string;
  value: number;
}

interface UnitTest {
  rule_files: string[];
  evaluation_interval: string;
  group_eval_order: string[];
  tests: Array<{
    interval: string;
    input_series: Array<{ series: string; values: string }>;
    alert_rule_test: Array<{ eval_time: string; alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }>;
    promql_expr_test: Array<{ expr: string; eval_time: string; exp_samples: ExpSample[] }>;
  }>;
}

/** The promtool unit test of a situation, expecting what our engine produced. */
function unitTest(input: InputSeries[], run: OurRun): { test: UnitTest; nan: number } {
  const times = checkTimes(run);
  const alertTests: UnitTest['tests'][number]['alert_rule_test'] = [];
  for (const t of times) {
    const firing = (run.active.get(t) ?? []).filter((a) => a.state === 'firing');
    for (const name of ALERT_NAMES) {
      alertTests.push({
        eval_time: duration(t),
        alertname: name,
        exp_alerts: firing
          .filter((a) => a.labels.alertname === name)
          .map((a) => {
            const rule = ruleOf(a.labels);
            return { exp_labels: without(a.labels, 'alertname'), exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, a.labels)])) };
          }),
      });
    }
  }
  const exprTests: UnitTest['tests'][number]['promql_expr_test'] = [];
  let nan = 0;
  for (const t of times) {
    for (const expr of ['{__name__=~"slo:.+"}', 'ALERTS']) {
      const r = instantVector(run.store, expr, t * 1000);
      if (!r.ok) throw new Error(`${expr} at ${t}: ${r.error}`);
      // promtool compares with reflect.DeepEqual: NaN never equals NaN, so such a sample cannot be expected.
      if (r.samples.some((x) => Number.isNaN(x.value))) {
        nan++;
        continue;
      }
      exprTests.push({ expr, eval_time: duration(t), exp_samples: r.samples.map((x) => ({ labels: seriesText(x.metric), value: x.value })) });
    }
    // Prometheus writes ALERTS_FOR_STATE (the time an alert became active); our engine keeps it in its episodes.
    exprTests.push({
      expr: 'ALERTS_FOR_STATE',
      eval_time: duration(t),
      exp_samples: (run.active.get(t) ?? []).map((a) => ({ labels: seriesText({ ...a.labels, __name__: 'ALERTS_FOR_STATE' }), value: a.activeAt })),
    });
  }
  return {
    nan,
    test: {
      rule_files: ['rules.yml'],
      evaluation_interval: duration(EVAL_S),
      group_eval_order: GROUPS.map((g) => g.name),
      tests: [
        {
          interval: duration(INPUT_S),
          input_series: input.map((s) => ({ series: seriesText(s.labels), values: s.values })),
          alert_rule_test: alertTests,
          promql_expr_test: exprTests,
        },
      ],
    },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes the rule file and the unit test (as JSON, which YAML reads) to a fresh directory and runs promtool test rules. */
function promtoolTest(test: UnitTest): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-slo-rules-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'rules.yml'), ruleFileYaml(GROUPS, ['SLO rules under differential test']));
  writeFileSync(join(dir, 'test.yml'), JSON.stringify(test, null, 1));
  return promtoolAsync(['test', 'rules', 'test.yml'], dir);
}

const runs = new Map<string, { input: InputSeries[]; run: OurRun }>();
function situation(name: string) {
  let r = runs.get(name);
  if (!r) {
    const s = SITUATIONS.find((x) => x.name === name) as Situation;
    const input = inputSeries(s);
    r = { input, run: runOurs(s, input) };
    runs.set(name, r);
  }
  return r;
}

/** Episodes of one alert window of an SLO (its long window). */
const episodesOf = (run: OurRun, slo: string, long: string) => run.episodes.filter((e) => e.labels.sloth_slo === slo && e.labels.long_window === long);

describe('the input series notation and our engine over it', () => {
  it('expands promtool notation as Prometheus 2.42 does, and the compact notation round-trips', () => {
    expect(expandSeriesValues('1+1x2 _x2 5x1 stale 7 _ 0.5-0.25x2 -3')).toEqual([1, 2, 3, null, null, 5, 5, 'stale', 7, null, 0.5, 0.25, 0, -3]);
    const points: SeriesPoint[] = [0, 600, 1200, 1800, 1800, 1800, null, null, 'stale', 5, 4, 3, 10];
    expect(compactSeriesValues(points)).toBe('0+600x3 1800x1 _x2 stale 5-1x2 10');
    expect(expandSeriesValues(compactSeriesValues(points))).toEqual(points);
    expect(() => expandSeriesValues('1e3')).toThrow(/unsupported series item/);
  });

  it('compiles the three SLOs: 4 + 4 + 2 alert windows, a 31-day month, evaluated every 30 s', () => {
    expect(GROUPS.map((g) => g.interval)).toEqual(Array(9).fill(EVAL_S));
    expect(SLOS.map((s) => [s.name, s.alerting.windows.length])).toEqual([
      ['availability', 4],
      ['success', 4],
      ['latency', 2],
    ]);
    expect(GROUPS).toHaveLength(9);
    expect(ruleFileYaml(GROUPS)).toContain('record: "slo:sli_error:ratio_rate31d"');
    expect(SLOS[0].alerting.windows.map((w) => [w.burnRate, w.for])).toEqual([
      [14.4, 120],
      [6, 100],
      [3, 0],
      [1, 1800],
    ]);
  });

  it('covers every alert path: pending then firing, firing then resolved, pending then dropped, for not a multiple of the interval', () => {
    const all = SITUATIONS.map((s) => situation(s.name).run);
    for (const run of all) expect(run.errors).toEqual([]);
    const episodes = all.flatMap((r) => r.episodes);
    // Firing after its for (2m, or 100 s rounded up to the next evaluation), then resolved.
    const full = situation('100% errors and all slow from 20m to 30m').run;
    const page1h = episodesOf(full, 'availability', '1h');
    expect(page1h).toHaveLength(1);
    expect(page1h[0].firedAt! - page1h[0].activeAt).toBe(120);
    expect(page1h[0].endedAt).not.toBeNull();
    const page6h = episodesOf(full, 'availability', '6h');
    expect(page6h[0].firedAt! - page6h[0].activeAt).toBe(120);
    expect(episodesOf(full, 'latency', '1h')[0].firedAt! - episodesOf(full, 'latency', '1h')[0].activeAt).toBe(60);
    // for: 0 fires at the evaluation that finds it.
    expect(episodes.filter((e) => e.labels.sloth_slo === 'success' && e.firedAt !== null).every((e) => e.firedAt === e.activeAt)).toBe(true);
    // Pending and dropped without firing; resolved after firing.
    expect(episodes.some((e) => e.firedAt === null && e.endedAt !== null)).toBe(true);
    expect(episodes.filter((e) => e.firedAt !== null && e.endedAt !== null).length).toBeGreaterThan(5);
    // 1% errors: above 6×, 3× and 1× the 0.1% budget, under 14.4×.
    const one = situation('1% errors from 20m to 2h').run;
    expect(episodesOf(one, 'availability', '1h')).toEqual([]);
    expect(episodesOf(one, 'availability', '6h').some((e) => e.firedAt !== null)).toBe(true);
  });
});

/** A copy of the unit test with one firing alert left out and one recorded value one ulp off. */
function mutated(test: UnitTest): { test: UnitTest; alertname: string; expr: string } {
  const copy = structuredClone(test);
  const group = copy.tests[0];
  const alert = group.alert_rule_test.find((a) => a.exp_alerts.length > 0);
  const inUnit = (x: ExpSample) => x.value > 0 && x.value < 1;
  const sample = group.promql_expr_test.find((e) => e.exp_samples.some(inUnit));
  if (!alert || !sample) throw new Error('nothing to mutate');
  alert.exp_alerts.pop();
  const target = sample.exp_samples.find(inUnit) as ExpSample;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, target.value);
  bits.setBigUint64(0, bits.getBigUint64(0) + 1n);
  target.value = bits.getFloat64(0);
  return { test: copy, alertname: alert.alertname, expr: sample.expr };
}

// Fails (does not skip) in CI when promtool is missing. promtool runs for every situation start at once (each takes a second or two).
describe.skipIf(!hasPromtool && !process.env.CI)('our RuleEngine against promtool test rules (Prometheus 2.42; needs promtool on PATH: Debian package prometheus)', () => {
  const tests = new Map<string, { test: UnitTest; nan: number }>();
  const results = new Map<string, Promise<{ code: number; out: string }>>();
  const MUTANT = '100% errors and all slow from 20m to 30m';
  let mutant: ReturnType<typeof mutated>;
  beforeAll(() => {
    for (const s of SITUATIONS) {
      const { input, run } = situation(s.name);
      const t = unitTest(input, run);
      tests.set(s.name, t);
      results.set(s.name, promtoolTest(t.test));
    }
    mutant = mutated((tests.get(MUTANT) as { test: UnitTest }).test);
    results.set('mutant', promtoolTest(mutant.test));
  });

  it.each(SITUATIONS.map((s) => s.name))('%s: promtool agrees with every alert, recorded value and ALERTS sample of our engine', async (name) => {
    const { test, nan } = tests.get(name) as { test: UnitTest; nan: number };
    expect(nan).toBe(0);
    const group = test.tests[0];
    expect(group.alert_rule_test.some((a) => a.exp_alerts.length > 0)).toBe(true);
    expect(group.promql_expr_test.filter((e) => e.exp_samples.length > 0).length).toBeGreaterThan(20);
    const r = await results.get(name);
    expect(r?.out).toContain('SUCCESS');
    expect(r?.code, r?.out).toBe(0);
  }, 30_000);

  it('the check has teeth: one firing alert left out, or one recorded value one ulp off, fails promtool', async () => {
    const r = await results.get('mutant');
    expect(r?.code).not.toBe(0);
    expect(r?.out).toContain(`alertname: ${mutant.alertname}, time: `);
    expect(r?.out).toContain(`expr: ${JSON.stringify(mutant.expr)}, time: `);
    expect(r?.out).not.toContain('SUCCESS');
  }, 30_000);
});
