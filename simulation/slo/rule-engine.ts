import { instantVector, labelsKey, type Metric } from '../promql/engine';
import type { SeriesStore } from '../telemetry/tsdb';
import { type AlertingRule, isAlertingRule, type RecordingRule, type RuleGroup } from './rules';

/**
 * Prometheus' rule manager over the simulated store (Prometheus 2.42,
 * rules/manager.go and rules/alerting.go), evaluated at times the caller
 * chooses (the SLO runtime's kernel events):
 *
 * - groups are evaluated in order, the rules of a group in order, all at
 *   the same timestamp, so a rule reads what earlier rules wrote;
 * - a recording rule writes its result under its name with its labels
 *   (rule labels win); series it wrote last time and not now get a
 *   staleness marker, as Prometheus writes them;
 * - an alerting rule's result series (its metric name dropped, rule labels
 *   added) become alerts: new ones are pending from that evaluation, and
 *   fire at the first evaluation at least `for` after they became active
 *   (at once with `for: 0`); one missing from the result is resolved if it
 *   fired and forgotten if it was pending; one that comes back later is a
 *   new alert. `ALERTS{alertname, alertstate, …}` is written as Prometheus
 *   writes it, so PromQL (and Flagger's MetricTemplates) can read alerts.
 *
 * Evaluation errors are kept per rule (Prometheus logs them and counts
 * `prometheus_rule_evaluation_failures_total`); the rule's output is empty.
 */

export type AlertState = 'pending' | 'firing';

/** One alert from becoming active to its end: what the run record keeps. */
export interface AlertEpisode {
  alert: string;
  /** The alert's labels (rule labels plus the result's, without the metric name). */
  labels: Record<string, string>;
  /** Simulated seconds. */
  activeAt: number;
  firedAt: number | null;
  /** When it stopped: resolved after firing, or dropped while pending. */
  endedAt: number | null;
  /** The expression's value when it last was active. */
  value: number;
}

interface Live {
  episode: AlertEpisode;
  state: AlertState;
  seen: boolean;
}

interface RuleState {
  /** Series ids written at the last evaluation (recording: its output; alerting: its ALERTS series). */
  written: number[];
  /** Store ids of the series the rule writes (recording: by the result's labels; alerting: ALERTS by alert and state). */
  ids: Map<string, number>;
  /** Alerting rules: active alerts by label key. */
  active: Map<string, Live>;
  lastError: string | null;
  failures: number;
}

export class RuleEngine {
  /** Every alert episode, in the order they became active. */
  readonly episodes: AlertEpisode[] = [];
  /** Evaluation errors: rule, time, message (first of each distinct message per rule). */
  readonly errors: Array<{ rule: string; t: number; error: string }> = [];
  private readonly states: RuleState[][];
  /** The value each recording rule wrote at the last evaluation (its last sample; NaN: none), by record name. */
  readonly latest = new Map<string, number>();

  constructor(
    private readonly store: SeriesStore,
    readonly groups: readonly RuleGroup[],
    /** Store timestamp (Unix ms) of simulated seconds. */
    private readonly timestamp: (t: number) => number,
    /**
     * Adjusts a recording rule's value before it is written (the SLO runtime
     * adds the history before the run to windows that reach back before it);
     * null: values are written as evaluated.
     */
    private readonly adjust: ((rule: RecordingRule, value: number, t: number) => number) | null = null,
  ) {
    this.states = groups.map((g) => g.rules.map(() => ({ written: [], ids: new Map(), active: new Map(), lastError: null, failures: 0 })));
  }

  /** Evaluates every group at simulated time `t`. */
  evaluate(t: number): void {
    const ms = this.timestamp(t);
    this.groups.forEach((g, gi) =>
      g.rules.forEach((r, ri) => {
        const st = this.states[gi][ri];
        if (isAlertingRule(r)) this.alerting(r, st, t, ms);
        else this.recording(r, st, t, ms);
      }),
    );
  }

  private query(rule: string, expr: string, st: RuleState, t: number, ms: number): Array<{ metric: Metric; value: number }> | null {
    const r = instantVector(this.store, expr, ms);
    if (r.ok) {
      st.lastError = null;
      return r.samples;
    }
    st.failures++;
    if (st.lastError !== r.error) this.errors.push({ rule, t, error: r.error });
    st.lastError = r.error;
    return null;
  }

  private recording(r: RecordingRule, st: RuleState, t: number, ms: number): void {
    const samples = this.query(r.record, r.expr, st, t, ms);
    // A failed evaluation writes nothing and marks nothing stale (Prometheus returns before both): the last
    // values stay visible for the lookback.
    if (samples === null) {
      this.latest.set(r.record, NaN);
      return;
    }
    const ids: number[] = [];
    const seen = new Set<number>();
    for (const s of samples) {
      const key = labelsKey(s.metric);
      let id = st.ids.get(key);
      if (id === undefined) {
        id = this.store.seriesId({ ...withoutName(s.metric), ...r.labels, __name__: r.record });
        st.ids.set(key, id);
      }
      if (seen.has(id)) {
        this.fail(r.record, st, t, 'vector contains metrics with the same labelset after applying rule labels');
        this.latest.set(r.record, NaN);
        return;
      }
      seen.add(id);
      ids.push(id);
    }
    let last = NaN;
    const adjust = this.adjust;
    ids.forEach((id, i) => {
      last = adjust ? adjust(r, samples[i].value, t) : samples[i].value;
      this.store.append(id, ms, last);
    });
    this.latest.set(r.record, last);
    this.stale(st.written, ids, ms);
    st.written = ids;
  }

  private alerting(r: AlertingRule, st: RuleState, t: number, ms: number): void {
    const samples = this.query(r.alert, r.expr, st, t, ms);
    // An evaluation error keeps the alerts as they are and writes no ALERTS samples and no staleness markers
    // (Prometheus returns before all three).
    if (samples === null) return;
    for (const live of st.active.values()) live.seen = false;
    {
      for (const s of samples) {
        const labels: Record<string, string> = { ...withoutName(s.metric), ...r.labels };
        const key = labelsKey(labels);
        const live = st.active.get(key);
        if (live) {
          live.seen = true;
          live.episode.value = s.value;
          continue;
        }
        const episode: AlertEpisode = { alert: r.alert, labels: { alertname: r.alert, ...labels }, activeAt: t, firedAt: null, endedAt: null, value: s.value };
        this.episodes.push(episode);
        st.active.set(key, { episode, state: 'pending', seen: true });
      }
    }
    const written: number[] = [];
    for (const [key, live] of [...st.active]) {
      if (!live.seen) {
        live.episode.endedAt = t;
        st.active.delete(key);
        continue;
      }
      if (live.state === 'pending' && t - live.episode.activeAt >= r.for - 1e-9) {
        live.state = 'firing';
        live.episode.firedAt = t;
      }
      const alertKey = `${key}\u0002${live.state}`;
      let id = st.ids.get(alertKey);
      if (id === undefined) {
        id = this.store.seriesId({ ...live.episode.labels, __name__: 'ALERTS', alertstate: live.state });
        st.ids.set(alertKey, id);
      }
      this.store.append(id, ms, 1);
      written.push(id);
    }
    this.stale(st.written, written, ms);
    st.written = written;
  }

  private fail(rule: string, st: RuleState, t: number, error: string): void {
    st.failures++;
    if (st.lastError !== error) this.errors.push({ rule, t, error });
    st.lastError = error;
  }

  /** Staleness markers for series written before and not now. */
  private stale(before: readonly number[], now: readonly number[], ms: number): void {
    if (before.length === 0) return;
    const keep = new Set(now);
    for (const id of before) if (!keep.has(id)) this.store.appendStale(id, ms);
  }

  /** Alerts active now, with their state. */
  activeAlerts(): Array<{ episode: AlertEpisode; state: AlertState }> {
    return this.states.flatMap((g) => g.flatMap((st) => [...st.active.values()].map((l) => ({ episode: l.episode, state: l.state }))));
  }
}

function withoutName(m: Metric): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m)) if (k !== '__name__') out[k] = m[k];
  return out;
}
