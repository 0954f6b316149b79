/**
 * The rule engine (simulation/slo/rule-engine.ts) against Prometheus' rule
 * manager semantics (rules/alerting.go, rules/recording.go, 2.42), on
 * hand-built stores: alert states and episodes, the ALERTS series and its
 * staleness markers, recording rules' labels, evaluation errors; and, over
 * random piecewise-constant error ratios, that a burn-rate alert is active
 * exactly when both of its windows' recorded ratios exceed the threshold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertEpisode, RuleEngine } from '../../simulation/slo/rule-engine';
import { type AlertingRule, type RecordingRule, ratioRecord, type RuleGroup, sloRuleGroups } from '../../simulation/slo/rules';
import { formatPromDuration } from '../../simulation/slo/spec';
import { SeriesStore } from '../../simulation/telemetry/tsdb';
import { START_MS, SyntheticCounters, syntheticSlo, timestamp } from '../support/slo';
import { samplesOf } from '../support/store';

const alert = (name: string, expr: string, forSeconds: number, labels: Record<string, string> = {}): AlertingRule => ({ alert: name, expr, for: forSeconds, labels, annotations: {} });
const record = (name: string, expr: string, labels: Record<string, string> = {}): RecordingRule => ({ record: name, expr, labels });
const group = (...rules: Array<AlertingRule | RecordingRule>): RuleGroup[] => [{ name: 'g', interval: 30, rules }];

/** A gauge `x{job}` the test sets before each evaluation, and the engine evaluated at that time. */
class Bench {
  readonly store = new SeriesStore();
  readonly engine: RuleEngine;
  constructor(groups: RuleGroup[]) {
    this.engine = new RuleEngine(this.store, groups, timestamp);
  }
  /** Writes x{job} = v for each entry (null: a staleness marker), then evaluates at t. */
  step(t: number, xs: Record<string, number | null>): void {
    for (const [job, v] of Object.entries(xs)) {
      const id = this.store.seriesId({ __name__: 'x', job });
      if (v === null) this.store.appendStale(id, timestamp(t));
      else this.store.append(id, timestamp(t), v);
    }
    this.engine.evaluate(t);
  }
  /** The ALERTS series' samples (ms → value or 'stale'), by alert state. */
  alerts(labels: Record<string, string>, state: 'pending' | 'firing') {
    return samplesOf(this.store, { __name__: 'ALERTS', ...labels, alertstate: state }).map(([ms, v]) => [(ms - START_MS) / 1000, v]);
  }
}

const episode = (e: AlertEpisode) => ({ activeAt: e.activeAt, firedAt: e.firedAt, endedAt: e.endedAt });

describe('alerting rules: Prometheus states', () => {
  it('pending at the first evaluation that finds the series, firing once `for` has passed, resolved when it stops, a new episode when it comes back', () => {
    const b = new Bench(group(alert('High', 'x > 1', 60, { severity: 'page' })));
    b.step(0, { a: 0 });
    expect(b.engine.episodes).toEqual([]);
    b.step(30, { a: 2 });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 30, firedAt: null, endedAt: null }]);
    expect(b.engine.episodes[0].labels).toEqual({ alertname: 'High', job: 'a', severity: 'page' });
    expect(b.engine.episodes[0].value).toBe(2);
    expect(b.engine.activeAlerts().map((a) => a.state)).toEqual(['pending']);
    b.step(60, { a: 3 }); // 30 s active < for
    expect(b.engine.activeAlerts().map((a) => a.state)).toEqual(['pending']);
    b.step(90, { a: 3 }); // 60 s active ≥ for: fires
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 30, firedAt: 90, endedAt: null }]);
    expect(b.engine.episodes[0].value).toBe(3);
    b.step(120, { a: 5 });
    b.step(150, { a: 0 }); // stops: resolved
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 30, firedAt: 90, endedAt: 150 }]);
    expect(b.engine.activeAlerts()).toEqual([]);
    b.step(180, { a: 2 }); // back: a new episode, pending again
    expect(b.engine.episodes.map(episode)).toEqual([
      { activeAt: 30, firedAt: 90, endedAt: 150 },
      { activeAt: 180, firedAt: null, endedAt: null },
    ]);
    // ALERTS{alertstate="pending"} while pending, a staleness marker when it turns firing or ends;
    // ALERTS{alertstate="firing"} while firing, stale from the evaluation it resolved at.
    const labels = { alertname: 'High', job: 'a', severity: 'page' };
    expect(b.alerts(labels, 'pending')).toEqual([
      [30, 1],
      [60, 1],
      [90, 'stale'],
      [180, 1],
    ]);
    expect(b.alerts(labels, 'firing')).toEqual([
      [90, 1],
      [120, 1],
      [150, 'stale'],
    ]);
  });

  it('a pending alert whose condition stops is dropped: endedAt set, never fired, no firing series', () => {
    const b = new Bench(group(alert('High', 'x > 1', 120)));
    b.step(0, { a: 2 });
    b.step(30, { a: 2 });
    b.step(60, { a: 0 });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: null, endedAt: 60 }]);
    expect(b.alerts({ alertname: 'High', job: 'a' }, 'pending')).toEqual([
      [0, 1],
      [30, 1],
      [60, 'stale'],
    ]);
    expect(b.store.findSeries({ __name__: 'ALERTS', alertname: 'High', job: 'a', alertstate: 'firing' })).toBe(-1);
  });

  it('`for: 0` fires at the first evaluation that finds it; a series that vanishes (stale) resolves it', () => {
    const b = new Bench(group(alert('Now', 'x > 1', 0)));
    b.step(0, { a: 5 });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: 0, endedAt: null }]);
    expect(b.store.findSeries({ __name__: 'ALERTS', alertname: 'Now', job: 'a', alertstate: 'pending' })).toBe(-1);
    b.step(30, { a: null });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: 0, endedAt: 30 }]);
    expect(b.alerts({ alertname: 'Now', job: 'a' }, 'firing')).toEqual([
      [0, 1],
      [30, 'stale'],
    ]);
  });

  it('each result series is its own alert; a `for` exactly met fires (active time ≥ for)', () => {
    const b = new Bench(group(alert('High', 'x > 1', 30)));
    b.step(0, { a: 2, b: 0 });
    b.step(30, { a: 2, b: 2 });
    b.step(60, { a: 2, b: 2 });
    expect(b.engine.episodes.map((e) => [e.labels.job, e.activeAt, e.firedAt])).toEqual([
      ['a', 0, 30],
      ['b', 30, 60],
    ]);
  });

  it('an evaluation error keeps the alerts as they are; an invalid expression is an error, not a crash', () => {
    const b = new Bench(group(alert('High', 'x > 1', 0), alert('Broken', 'sum(x', 0), record('r:bad', 'rate(x)')));
    b.step(0, { a: 2 });
    expect(() => b.step(30, { a: 2 })).not.toThrow();
    expect(b.engine.episodes.map((e) => e.alert)).toEqual(['High']);
    // First of each distinct message per rule: the second evaluation adds nothing.
    expect(b.engine.errors.map((e) => [e.rule, e.t])).toEqual([
      ['Broken', 0],
      ['r:bad', 0],
    ]);
    expect(b.engine.errors[0].error).toMatch(/unclosed|expected|unexpected/i);
    expect(b.engine.errors[1].error).toMatch(/range vector|matrix|expected type/i);
    expect(b.store.findSeries({ __name__: 'r:bad' })).toBe(-1);
  });

  it('an alerting rule whose query fails keeps its alerts as they are (Prometheus returns before touching them)', () => {
    // One-to-one matching fails while y has two series for job a ("duplicate series for the match group").
    const b = new Bench(group(alert('Sum', '(x + on(job) y) > 1', 60)));
    const y = (k: string) => b.store.seriesId({ __name__: 'y', job: 'a', k });
    b.store.append(y('1'), timestamp(0), 0);
    b.step(0, { a: 2 });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: null, endedAt: null }]);
    b.store.append(y('1'), timestamp(30), 0);
    b.store.append(y('2'), timestamp(30), 0);
    b.step(30, { a: 2 });
    expect(b.engine.errors.map((e) => [e.rule, e.t])).toEqual([['Sum', 30]]);
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: null, endedAt: null }]);
    expect(b.engine.activeAlerts().map((a) => a.state)).toEqual(['pending']);
    // The query works again: the same episode, active since 0, fires now that `for` has passed.
    b.store.append(y('1'), timestamp(60), 0);
    b.store.appendStale(y('2'), timestamp(60));
    b.step(60, { a: 2 });
    expect(b.engine.episodes.map(episode)).toEqual([{ activeAt: 0, firedAt: 60, endedAt: null }]);
  });
});

describe('recording rules', () => {
  it('write the result under the record name, rule labels overriding the result labels; later rules read it at the same time', () => {
    const b = new Bench(group(record('job:x:double', 'x * 2', { job: 'override', team: 'sre' }), record('job:x:plus1', 'job:x:double + 1')));
    b.step(0, { a: 3 });
    expect(samplesOf(b.store, { __name__: 'job:x:double', job: 'override', team: 'sre' })).toEqual([[START_MS, 6]]);
    expect(samplesOf(b.store, { __name__: 'job:x:plus1', job: 'override', team: 'sre' })).toEqual([[START_MS, 7]]);
    expect(b.engine.latest.get('job:x:double')).toBe(6);
  });

  it('a series they wrote before and not now gets a staleness marker', () => {
    const b = new Bench(group(record('x:copy', 'x')));
    b.step(0, { a: 1, b: 2 });
    b.step(30, { a: 1, b: null });
    expect(samplesOf(b.store, { __name__: 'x:copy', job: 'b' })).toEqual([
      [START_MS, 2],
      [START_MS + 30_000, 'stale'],
    ]);
    expect(samplesOf(b.store, { __name__: 'x:copy', job: 'a' })).toEqual([
      [START_MS, 1],
      [START_MS + 30_000, 1],
    ]);
  });

  it('a duplicate labelset after the rule labels is an evaluation error: recorded in errors, no samples written', () => {
    const b = new Bench(group(record('x:flat', 'x', { job: 'same' }), record('x:sum', 'sum(x)')));
    b.step(0, { a: 1, b: 2 });
    expect(b.engine.errors).toEqual([{ rule: 'x:flat', t: 0, error: 'vector contains metrics with the same labelset after applying rule labels' }]);
    const id = b.store.findSeries({ __name__: 'x:flat', job: 'same' });
    expect(id < 0 ? 0 : b.store.count(id)).toBe(0);
    expect(Number.isNaN(b.engine.latest.get('x:flat'))).toBe(true);
    // The other rules of the group still run.
    expect(samplesOf(b.store, { __name__: 'x:sum' })).toEqual([[START_MS, 3]]);
    // Once the duplicate is gone the rule writes again.
    b.step(30, { a: 1, b: null });
    expect(samplesOf(b.store, { __name__: 'x:flat', job: 'same' })).toEqual([[START_MS + 30_000, 1]]);
  });
});

describe('recording rules: an evaluation error writes nothing', () => {
  // Prometheus (rules/manager.go, Group.Eval): when rule.Eval returns an error the group logs it and returns
  // before the staleness loop, so the rule's series from the previous evaluation get no staleness marker (and
  // stay in seriesInPreviousEval); they remain visible to instant queries for the 5 m lookback.
  it('a duplicate labelset after the rule labels leaves the previous series alone (no staleness marker)', () => {
    const b = new Bench(group(record('x:flat', 'x', { job: 'same' })));
    b.step(0, { a: 1 });
    b.step(30, { a: 1, b: 2 }); // now two series collapse to one labelset: an error
    expect(b.engine.errors.map((e) => [e.rule, e.t])).toEqual([['x:flat', 30]]);
    expect(samplesOf(b.store, { __name__: 'x:flat', job: 'same' })).toEqual([[START_MS, 1]]);
  });

  it('a query error leaves the previous series alone (no staleness marker)', () => {
    const b = new Bench(group(record('x:plus', 'x + on(job) y')));
    const y = (k: string) => b.store.seriesId({ __name__: 'y', job: 'a', k });
    b.store.append(y('1'), timestamp(0), 10);
    b.step(0, { a: 1 });
    b.store.append(y('1'), timestamp(30), 10);
    b.store.append(y('2'), timestamp(30), 20); // duplicate match group on the right: the query fails
    b.step(30, { a: 1 });
    expect(b.engine.errors.map((e) => [e.rule, e.t])).toEqual([['x:plus', 30]]);
    expect(samplesOf(b.store, { __name__: 'x:plus', job: 'a' })).toEqual([[START_MS, 11]]);
  });
});

describe('property: a burn-rate alert is active exactly when both windows are above the threshold', () => {
  // Short windows so that random histories cross them quickly: 99 % (budget 0.01), 14.4× over 10m/1m and
  // 6× over 30m/2m30s, `for: 0`; counters scraped every 15 s at 10 requests/s, rules evaluated every 30 s.
  const spec = syntheticSlo({
    objective: 99,
    alerting: {
      name: 'ErrorBudgetBurn',
      evaluationInterval: 30,
      windows: [
        { severity: 'page', burnRate: 14.4, long: 600, short: 60, for: 0 },
        { severity: 'ticket', burnRate: 6, long: 1800, short: 150, for: 0 },
      ],
    },
  });
  const groups = sloRuleGroups(spec, START_MS);
  // Ratios around both thresholds (0.144, 0.06) and at them, plus arbitrary ones.
  const ratio = fc.oneof(fc.constantFrom(0, 0.01, 0.06, 0.07, 0.144, 0.15, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));
  const segments = fc.array(fc.record({ ratio, scrapes: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 12 });

  it('never fires while either recorded ratio is ≤ burnRate × budget; always active while both are above', () => {
    // Evaluations seen per case, so that the property is not vacuous.
    const seen = { both: 0, onlyLong: 0, onlyShort: 0, neither: 0 };
    fc.assert(
      fc.property(segments, (segs) => {
        const store = new SeriesStore();
        const counters = new SyntheticCounters(store, 10, 15);
        // Segment k covers its scrapes; the ratio of the interval ending at a scrape is its segment's.
        const ends: number[] = [];
        let end = 0;
        for (const s of segs) ends.push((end += s.scrapes * 15));
        const ratioAt = (t: number) => {
          const k = ends.findIndex((e) => t <= e);
          return segs[k < 0 ? segs.length - 1 : k].ratio;
        };
        const horizon = end + 1800; // and a tail at the last ratio
        counters.fill(horizon, ratioAt);
        const engine = new RuleEngine(store, groups, timestamp);
        for (let t = 30; t <= horizon; t += 30) {
          engine.evaluate(t);
          const active = engine.activeAlerts();
          for (const w of spec.alerting.windows) {
            const threshold = w.burnRate * spec.errorBudget;
            const shortV = engine.latest.get(ratioRecord(formatPromDuration(w.short))) ?? NaN;
            const longV = engine.latest.get(ratioRecord(formatPromDuration(w.long))) ?? NaN;
            const mine = active.filter((a) => a.episode.labels.long_window === formatPromDuration(w.long));
            expect(mine.length).toBeLessThanOrEqual(1);
            seen[shortV > threshold ? (longV > threshold ? 'both' : 'onlyShort') : longV > threshold ? 'onlyLong' : 'neither']++;
            if (shortV > threshold && longV > threshold) {
              expect(mine.map((a) => a.state), `t=${t} ${w.burnRate}×`).toEqual(['firing']);
            } else {
              expect(mine, `t=${t} ${w.burnRate}×: short ${shortV}, long ${longV}`).toEqual([]);
            }
          }
        }
        expect(engine.errors).toEqual([]);
        // Every episode fired at once (for: 0) and no two episodes of one alert overlap.
        for (const w of spec.alerting.windows) {
          const eps = engine.episodes.filter((e) => e.labels.long_window === formatPromDuration(w.long));
          for (const e of eps) expect(e.firedAt).toBe(e.activeAt);
          for (let i = 1; i < eps.length; i++) expect(eps[i].activeAt).toBeGreaterThan(eps[i - 1].endedAt as number);
        }
      }),
      { numRuns: 60, seed: 20_240_101 },
    );
    // A burst the long window still remembers after the short one has recovered (onlyLong), and the start
    // of a burst before the long window catches up (onlyShort), both occur.
    expect(Object.values(seen).every((n) => n > 100)).toBe(true);
  });
});
