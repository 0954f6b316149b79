import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadReplayCanary } from '../../simulation/replay/canary';
import { applyOverrides, describeFailures, dryRun, parseOverrides, replay, samplesBefore } from '../../simulation/replay/dry-run';
import { parseEvents } from '../../simulation/replay/events';
import { neededSelectors } from '../../simulation/replay/selectors';
import { reconstructTimeline, type Timeline } from '../../simulation/replay/timeline';
import type { CanarySpec, MetricTemplateSpec } from '../../simulation/rollout/types';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { clock, podinfoStore } from '../fixtures/replay/podinfo-rollout';
import { repoHost } from '../support/scenario';

/**
 * The hand-computed replay (test/fixtures/replay/podinfo-rollout.ts).
 *
 * Flagger's request-success-rate at a tick T is
 *   sum(rate(bucket{code!~"5..",le="+Inf"}[1m])) / sum(rate(bucket{le="+Inf"}[1m])) * 100
 * over the samples in [T − 1m, T] that Prometheus holds when Flagger asks:
 * the scrapes at T − 60 s, T − 45 s, T − 30 s and T − 15 s (the scrape at T
 * comes after the query). Both series are scraped together, so rate()'s
 * extrapolation scales numerator and denominator alike and the ratio is the
 * share of non-5xx answers among the canary's requests in the three 15 s
 * intervals ending at T − 45 s, T − 30 s and T − 15 s:
 *
 *   12:03  weight 25: 3 × 100 requests, errors 1 + 0 + 1 = 2  → 100 × (1 − 2/300) = 99.333…  pass (≥ 99)
 *   12:04  weight 50: 3 × 200 requests, errors 3 + 4 + 2 = 9  → 100 × (1 − 9/600) = 98.5      fail
 *   12:05  weight 50: 600 requests,      errors 2 + 3 + 2 = 7  → 100 × (1 − 7/600) = 98.833…  fail
 *   12:06  weight 50: 600 requests,      errors 1 + 1 + 1 = 3  → 100 × (1 − 3/600) = 99.5      pass
 *   12:07  weight 50: 600 requests,      errors 0 + 1 + 0 = 1  → 100 × (1 − 1/600) = 99.833…  pass
 *
 * (The interval ending at 12:03:00, with 1 error at 12:04:00, is in no
 * window: each window starts at the scrape at T − 60 s.)
 *
 * The Canary as written (threshold 3): 12:02 start (weight 25, no checks);
 * 12:03 pass → 50; 12:04 fail (1); 12:05 fail (2); 12:06 pass at the
 * maximum weight → promoted at 12:06 with 2 failed checks — what happened.
 * threshold 2: 12:06 starts with 2 failed checks ≥ 2 → rolled back at 12:06,
 * before its check. min 98: every check passes; 12:04 is at the maximum
 * weight → promoted at 12:04. min 99.5 with threshold 5: 12:03 fails
 * (99.33 < 99.5), so the weight stays 25; 12:04 and 12:05 fail (3 failed
 * checks); 12:06 reads exactly 99.5, which passes (a bound is inclusive) →
 * 50; 12:07 passes at the maximum → promoted at 12:07, one tick after the
 * recorded promotion, on the last tick the recording still has canary
 * traffic for.
 */

const RATE = {
  '12:03': 100 * (1 - 2 / 300),
  '12:04': 100 * (1 - 9 / 600),
  '12:05': 100 * (1 - 7 / 600),
  '12:06': 100 * (1 - 3 / 600),
  '12:07': 100 * (1 - 1 / 600),
};

function load(): { canary: CanarySpec; templates: MetricTemplateSpec[] } {
  const r = loadReplayCanary('test/fixtures/replay/podinfo-canary.yaml', [], repoHost);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r;
}

/** The recorded timeline, as Flagger's events give it: ticks every minute from 12:02 to 12:07. */
function timeline(store = podinfoStore()): Timeline {
  const { canary } = load();
  const t = reconstructTimeline(store, canary);
  if ('error' in t) throw new Error(t.error);
  return t;
}

const ticksOf = (run: ReturnType<typeof dryRun>) => run.ticks.map((t) => ({ t: new Date(t.tMs).toISOString().slice(11, 16), phase: t.phase, weight: t.canaryWeight, failed: t.failedChecks, values: t.checks.map((c) => c.value) }));

describe('the hand-computed replay', () => {
  const store = podinfoStore();
  const { canary, templates } = load();
  /** A dry run of the recording with candidate settings (`shown`: the settings the run lists as its own). */
  const candidate = (settings: string[], shown: string[] = []) => {
    const c = applyOverrides(canary, parseOverrides(settings).overrides);
    if (!c.ok) throw new Error(c.errors.join());
    return dryRun('candidate', shown, c.canary, templates, store, timeline(store));
  };

  it('reads each tick\'s success rate as computed by hand, and promotes at 12:06 after 2 failed checks', () => {
    const run = dryRun('as written', [], canary, templates, store, timeline(store));
    const checks = run.ticks.filter((t) => t.checks.length > 0);
    expect(checks.map((t) => new Date(t.tMs).toISOString().slice(11, 16))).toEqual(['12:03', '12:04', '12:05', '12:06']);
    for (const t of checks) {
      const hhmm = new Date(t.tMs).toISOString().slice(11, 16) as keyof typeof RATE;
      expect(t.checks).toHaveLength(1);
      expect(t.checks[0].metric).toBe('request-success-rate');
      expect(t.checks[0].value).toBeCloseTo(RATE[hhmm], 10);
      expect(t.checks[0].min).toBe(99);
    }
    expect(checks.map((t) => t.checks[0].ok)).toEqual([true, false, false, true]);
    expect(ticksOf(run).map(({ t, phase, weight, failed }) => [t, phase, weight, failed])).toEqual([
      ['12:02', 'Progressing', 25, 0],
      ['12:03', 'Progressing', 50, 0],
      ['12:04', 'Progressing', 50, 1],
      ['12:05', 'Progressing', 50, 2],
      ['12:06', 'Promoting', 50, 2],
      ['12:07', 'Finalising', 0, 2],
      ['12:08', 'Succeeded', 0, 2],
    ]);
    expect(run.ticks[0].events.map((e) => e.message)).toEqual(['Starting canary analysis for podinfo.test', 'Advance podinfo.test canary weight 25']);
    expect(run.ticks[2].events.map((e) => e.message)).toEqual(['Halt podinfo.test advancement success rate 98.50% < 99%']);
    expect(run.ticks[3].events.map((e) => e.message)).toEqual(['Halt podinfo.test advancement success rate 98.83% < 99%']);
    expect(run.outcome).toMatchObject({ result: 'promoted', atMs: clock('12:06:00'), failedChecks: 2, reason: 'Copying podinfo.test template spec to podinfo-primary.test', phase: 'Succeeded' });
    expect(run.failures.map((f) => [f.metric, f.op, f.bound])).toEqual([
      ['request-success-rate', '<', 99],
      ['request-success-rate', '<', 99],
    ]);
    expect(run.ticks.map((t) => t.recordedWeight)).toEqual([0, 25, 50, 50, 50, 50, 0]);
  });

  it('with threshold 2 rolls back at 12:06, before that tick\'s check, after two readings below 99', () => {
    const run = candidate(['analysis.threshold=2'], ['analysis.threshold=2']);
    expect(ticksOf(run).map(({ t, phase, failed }) => [t, phase, failed])).toEqual([
      ['12:02', 'Progressing', 0],
      ['12:03', 'Progressing', 0],
      ['12:04', 'Progressing', 1],
      ['12:05', 'Progressing', 2],
      ['12:06', 'Failed', 0],
    ]);
    expect(run.ticks[4].checks).toEqual([]);
    expect(run.outcome).toMatchObject({ result: 'rolled-back', atMs: clock('12:06:00'), failedChecks: 2, canaryWeight: 50, reason: 'Rolling back podinfo.test failed checks threshold reached 2' });
    expect(describeFailures(run.failures)).toBe('request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00)');
  });

  it('with min 98 passes every check and promotes at 12:04, the first check at the maximum weight', () => {
    const run = candidate(['metrics.request-success-rate.thresholdRange.min=98']);
    expect(run.outcome).toMatchObject({ result: 'promoted', atMs: clock('12:04:00'), failedChecks: 0 });
    expect(run.ticks.slice(1, 3).map((t) => t.checks[0].value)).toEqual([expect.closeTo(RATE['12:03'], 10), expect.closeTo(RATE['12:04'], 10)]);
  });

  it('with min 99.5 and threshold 5: equality with the bound passes, the weight lags the recording, and it promotes at 12:07', () => {
    const run = candidate(['metrics.request-success-rate.thresholdRange.min=99.5', 'analysis.threshold=5']);
    expect(ticksOf(run).map(({ t, phase, weight, failed }) => [t, phase, weight, failed])).toEqual([
      ['12:02', 'Progressing', 25, 0],
      ['12:03', 'Progressing', 25, 1],
      ['12:04', 'Progressing', 25, 2],
      ['12:05', 'Progressing', 25, 3],
      ['12:06', 'Progressing', 50, 3],
      ['12:07', 'Promoting', 50, 3],
      ['12:08', 'Finalising', 0, 3],
      ['12:09', 'Succeeded', 0, 3],
    ]);
    expect(run.ticks[4].checks[0]).toMatchObject({ value: 99.5, min: 99.5, ok: true });
    expect(run.ticks[5].checks[0].value).toBeCloseTo(RATE['12:07'], 10);
    // The recording had the canary at 50 while this candidate held it at 25: the checks read the recorded traffic.
    expect(run.ticks.slice(1, 5).map((t) => [t.recordedWeight, t.canaryWeight])).toEqual([
      [25, 25],
      [50, 25],
      [50, 25],
      [50, 50],
    ]);
    expect(run.outcome).toMatchObject({ result: 'promoted', atMs: clock('12:07:00'), failedChecks: 3 });
  });

  it('stays undecided when the recorded analysis ends first', () => {
    const run = candidate(['metrics.request-success-rate.thresholdRange.min=99.9', 'analysis.threshold=10']);
    expect(run.outcome).toMatchObject({ result: 'undecided', atMs: null, canaryWeight: 25, failedChecks: 5, lastTickMs: clock('12:07:00') });
    expect(run.ticks.at(-1)?.tMs).toBe(clock('12:07:00'));
  });

  it('compares with what Flagger\'s events say happened', () => {
    const events = parseEvents('podinfo-describe.txt', readFileSync('test/fixtures/replay/podinfo-describe.txt', 'utf8'));
    const r = replay({ canary, templates, store, events, overrides: ['analysis.threshold=2'] });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.result.timeline.source).toBe('events');
    expect(r.result.actual).toMatchObject({ source: 'events', outcome: 'promoted', decidedAtMs: clock('12:06:00'), endMs: clock('12:07:00'), failedChecks: 2 });
    expect(r.result.comparison).toEqual([
      "actual (Flagger's events): promoted at 12:06:00 (Copying podinfo.test template spec to podinfo-primary.test) after 2 failed checks",
      'the Canary as written: promoted at 12:06:00 after 2 failed checks: request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00) — as happened',
      'with analysis.threshold=2: rolled back at 12:06:00 (Rolling back podinfo.test failed checks threshold reached 2) after 2 failed checks: request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00) — differs from what happened (promoted)',
    ]);
    // The ages (9m, 8m, …) were counted from the moment that puts "Starting canary analysis" where the traffic starts.
    expect(r.result.warnings.some((w) => w.includes('counted from 12:10:00'))).toBe(true);
  });

  it('runs on the events alone when the data has no Traefik request counters; their ages then need the time they were printed', () => {
    // The same recording without traefik_service_requests_total: only what the builtin check reads.
    const bucketsOnly = new SeriesStore();
    for (let id = 0; id < store.seriesCount; id++) {
      const labels = store.labels(id);
      if (labels.__name__ !== 'traefik_service_request_duration_seconds_bucket') continue;
      const copy = bucketsOnly.seriesId(labels);
      const s = store.samples(id);
      for (let i = 0; i < s.n; i++) bucketsOnly.append(copy, s.t[i], s.v[i]);
    }
    const events = parseEvents('podinfo-get-events.txt', readFileSync('test/fixtures/replay/podinfo-get-events.txt', 'utf8'));
    const unanchored = replay({ canary, templates, store: bucketsOnly, events });
    expect(unanchored.ok).toBe(false);
    if (!unanchored.ok) expect(unanchored.errors[0]).toMatch(/^the events have ages \(as kubectl prints them\) but nothing to count them from: give the time they were printed \(--events-at\), or data in which Traefik's rates show the analysis \(no Traefik request counters/);
    const r = replay({ canary, templates, store: bucketsOnly, events, eventsAtMs: clock('12:10:00') });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.result.trafficTimeline).toBeNull();
    expect(r.result.timeline).toMatchObject({ source: 'events', startMs: clock('12:02:00'), endMs: clock('12:07:00') });
    expect(r.result.runs[0].ticks.flatMap((t) => t.checks.map((c) => c.value))).toEqual([RATE['12:03'], RATE['12:04'], RATE['12:05'], RATE['12:06']].map((v) => expect.closeTo(v, 10)));
    expect(r.result.comparison[1]).toContain('— as happened');
    // Without the events there is nothing to replay.
    const none = replay({ canary, templates, store: bucketsOnly });
    expect(none.ok).toBe(false);
  });

  it('without events, says the traffic cannot tell a promotion from a rollback at the maximum weight here', () => {
    const r = replay({ canary, templates, store });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.result.timeline.source).toBe('traffic');
    expect(r.result.actual?.outcome).toBe('promoted-or-rolled-back');
    expect(r.result.comparison[1]).toBe('the Canary as written: promoted at 12:06:00 after 2 failed checks: request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00) — consistent with the traffic');
  });

  it('refuses settings that name no knob or do not fit the Canary', () => {
    expect(parseOverrides(['analysis.treshold=2', 'threshold']).errors).toEqual([
      expect.stringContaining('"analysis.treshold" is not a knob'),
      expect.stringContaining('"threshold": expected knob=value'),
    ]);
    const r = replay({ canary, templates, store, overrides: ['metrics.request-duration.thresholdRange.max=500', 'analysis.threshold=0'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        'metrics.request-duration.thresholdRange.max=500: the Canary has no metric named request-duration',
        'analysis.threshold=0: threshold must be at least 1 (failed checks before the rollback)',
      ]);
    }
  });

  it('evaluates a MetricTemplate metric after the builtin ones, rendered as Flagger renders it', () => {
    const t = loadReplayCanary('test/fixtures/replay/podinfo-canary-template.yaml', ['test/fixtures/replay/error-count-template.yaml'], repoHost);
    if (!t.ok) throw new Error(JSON.stringify(t.diagnostics));
    // The template's provider address is not contacted: a warning, located.
    expect(t.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity}`)).toEqual(['test/fixtures/replay/error-count-template.yaml:11:14: warning']);
    const run = dryRun('as written', [], t.canary, t.templates, store, timeline(store));
    const errors = run.ticks.flatMap((x) => x.checks.filter((c) => c.metric === 'errors').map((c) => [new Date(x.tMs).toISOString().slice(11, 16), c.value, c.ok]));
    // increase() over [T − 1m, T] holds the samples at T − 60 s … T − 15 s (45 s) and extrapolates to the window's
    // 60 s (the last sample is 15 s from its end, within 1.1 × the 15 s spacing): the canary's errors × 60/45.
    // 12:04 and 12:05 are not evaluated: the builtin check failed first and ended the tick's analysis.
    expect(errors).toEqual([
      ['12:03', expect.closeTo((2 * 60) / 45, 10), true],
      ['12:06', expect.closeTo((3 * 60) / 45, 10), true],
    ]);
    expect(run.ticks[1].checks.map((c) => [c.metric, c.kind, c.query])).toEqual([
      ['request-success-rate', 'builtin', expect.stringContaining('sum( rate( traefik_service_request_duration_seconds_bucket{')],
      // YAML's `|` keeps the last line break; Flagger collapses whitespace runs but does not trim.
      ['errors', 'template', 'sum( increase( traefik_service_requests_total{ service=~"test-podinfo-canary-.*", code=~"5.." }[1m] ) ) '],
    ]);
    expect(run.outcome).toMatchObject({ result: 'promoted', atMs: clock('12:06:00') });
    // With a stricter bound the template decides: 12:03 reads 2.67 errors > 2.
    const strict = applyOverrides(t.canary, parseOverrides(['metrics.errors.thresholdRange.max=2']).overrides);
    if (!strict.ok) throw new Error(strict.errors.join());
    const r = dryRun('candidate', [], strict.canary, t.templates, store, timeline(store));
    expect(r.ticks[1].events.map((e) => e.message)).toEqual(['Halt podinfo.test advancement errors 2.67 > 2']);
    expect(describeFailures(r.failures)).toBe('errors 2.67 > 2 at 12:03:00; request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00)');
    expect(r.outcome).toMatchObject({ result: 'rolled-back', atMs: clock('12:06:00'), failedChecks: 3 });
  });

  it('finds the series the Canary\'s queries read, and how far back', () => {
    const t = loadReplayCanary('test/fixtures/replay/podinfo-canary-template.yaml', ['test/fixtures/replay/error-count-template.yaml'], repoHost);
    if (!t.ok) throw new Error(JSON.stringify(t.diagnostics));
    const n = neededSelectors(t.canary, t.templates);
    expect(n.problems).toEqual([]);
    // The builtin query's two selectors: the one without code!~"5.." selects them all.
    expect(n.selectors.map((x) => [x.selector, x.lookbackMs, x.usedBy])).toEqual([
      ['traefik_service_request_duration_seconds_bucket{le="+Inf",service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}', 60_000, ['request-success-rate']],
      ['traefik_service_requests_total{code=~"5..",service=~"test-podinfo-canary-.*"}', 60_000, ['errors']],
      ['traefik_service_requests_total{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}', 0, ['timeline']],
      ['traefik_service_request_duration_seconds_count{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}', 0, ['timeline']],
    ]);
    const yaml = readFileSync('test/fixtures/replay/podinfo-canary.yaml', 'utf8').replace(
      '          min: 99\n',
      "          min: 99\n      - name: odd\n        query: max_over_time(rate(foo_total{job='a'}[2m])[10m:1m]) + on() bar offset 1h\n        thresholdRange: { max: 1 }\n      - name: broken\n        query: 'rate(foo_total[1m]'\n",
    );
    const c = loadReplayCanary('c.yaml', [], { readFile: (p) => (p === 'c.yaml' ? yaml : null) });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const m = neededSelectors(c.canary, []);
    expect(m.selectors.filter((x) => x.usedBy.includes('odd')).map((x) => [x.selector, x.lookbackMs])).toEqual([
      ['foo_total{job="a"}', 12 * 60_000],
      ['bar', 65 * 60_000],
    ]);
    expect(m.problems).toEqual(['broken: the query does not parse (unclosed left parenthesis at 18): rate(foo_total[1m]']);
  });

  it('hides the samples at and after a tick from its queries', () => {
    const view = samplesBefore(store, clock('12:03:00'));
    const id = store.findSeries({ __name__: 'traefik_service_requests_total', instance: 'traefik-0:9100', job: 'traefik', method: 'GET', protocol: 'http', code: '500', service: 'test-podinfo-canary-9898@kubernetescrd' });
    expect(store.count(id)).toBe(33);
    expect(view.count(id)).toBe(4); // 12:02:00, :15, :30, :45
    expect(view.lowerBound(id, clock('12:09:00'))).toBe(4);
    expect(view.samples(id).n).toBe(4);
    expect(view.labels(id)).toBe(store.labels(id));
    expect(view.seriesCount).toBe(store.seriesCount);
  });
});
