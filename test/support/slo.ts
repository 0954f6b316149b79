import { Kernel } from '../../simulation/kernel/kernel';
import type { Version } from '../../simulation/model/spec';
import { type SloPorts, SloRuntime } from '../../simulation/slo/runtime';
import { defaultWindows, errorBudgetOf, type SloSpec } from '../../simulation/slo/spec';
import { type Labels, SeriesStore } from '../../simulation/telemetry/tsdb';

/** Unix ms of simulated second 0 in the synthetic stores (a 31-day month, irrelevant to rolling windows). */
export const START_MS = Date.UTC(2024, 0, 1);
export const timestamp = (t: number) => START_MS + Math.round(t * 1000);

export const DAY = 86_400;
export const PERIOD_30D = 30 * DAY;

/** The synthetic SLI: two counters, every request and the failed ones. */
export const TOTAL_METRIC = 'app_requests_total';
export const BAD_METRIC = 'app_errors_total';

/**
 * A ratio SLO over the synthetic counters, 30 days rolling, the workbook's
 * four windows, no policy; `over` replaces top-level fields.
 */
export function syntheticSlo(over: Partial<SloSpec> = {}): SloSpec {
  const objective = over.objective ?? 99.9;
  const seconds = over.window?.kind === 'rolling' ? over.window.seconds : PERIOD_30D;
  return {
    name: 'availability',
    service: 'api',
    ruleService: 'api',
    description: '',
    objective,
    errorBudget: errorBudgetOf(objective),
    window: { kind: 'rolling', seconds },
    indicator: { kind: 'ratio', bad: `sum(rate(${BAD_METRIC}[{{ .window }}]))`, good: null, total: `sum(rate(${TOTAL_METRIC}[{{ .window }}]))` },
    budget: { consumedAtStart: 0, requestRate: null },
    alerting: { name: 'ErrorBudgetBurn', evaluationInterval: 30, windows: defaultWindows(seconds) },
    policy: null,
    labels: {},
    ...over,
  };
}

/**
 * Cumulative `total` and `bad` counters written into a store, one sample
 * of each every `scrape` seconds: `rate` requests per second, of which the
 * share `ratioAt(t)` (for the scrape interval ending at t) are bad. The
 * counters start at large offsets so that a window holding only a clean
 * history never meets Prometheus' counter zero-point limit on
 * extrapolation, which would treat `bad` and `total` differently.
 */
export class SyntheticCounters {
  readonly totalId: number;
  readonly badId: number;
  total = 1e6;
  bad = 1e3;
  /** Time of the last sample written. */
  t = -Infinity;

  constructor(
    readonly store: SeriesStore,
    readonly rate: number,
    readonly scrape: number,
  ) {
    this.totalId = store.seriesId({ __name__: TOTAL_METRIC });
    this.badId = store.seriesId({ __name__: BAD_METRIC });
  }

  /** Writes the sample at t (the first one only sets the offsets). */
  sample(t: number, ratio: number): void {
    if (this.t !== -Infinity) {
      const n = this.rate * (t - this.t);
      this.total += n;
      this.bad += n * ratio;
    }
    this.t = t;
    this.store.append(this.totalId, timestamp(t), this.total);
    this.store.append(this.badId, timestamp(t), this.bad);
  }

  /** Writes every sample on the scrape grid up to `until` (inclusive). */
  fill(until: number, ratioAt: (t: number) => number): void {
    let t = this.t === -Infinity ? 0 : this.t + this.scrape;
    for (; t <= until + 1e-9; t += this.scrape) this.sample(t, ratioAt(t));
  }
}

/** Where the synthetic SLI's events come from: a version of the SLO's service, or the edge (no version). */
export type Source = 'primary' | 'canary' | 'edge';
export const SOURCES: readonly Source[] = ['primary', 'canary', 'edge'];

/**
 * An SloRuntime over a synthetic store, driven by its own kernel. The SLI's
 * counters (`app_requests_total{source}`, `app_errors_total{source}`) have
 * one series per source; each scrape adds `rates[source]` per second. The
 * runtime attributes a series by its `source` label (primary, canary; the
 * edge's series belong to no version), as the simulation attributes
 * Traefik's series by service. Active faults are whatever the test sets.
 */
export class SloHarness {
  readonly kernel = new Kernel();
  readonly store = new SeriesStore();
  readonly runtime: SloRuntime;
  /** Requests and bad responses per second from each source now. */
  readonly rates: Record<Source, { requests: number; bad: number }> = { primary: { requests: 0, bad: 0 }, canary: { requests: 0, bad: 0 }, edge: { requests: 0, bad: 0 } };
  /** The counters' values (they start at offsets, see SyntheticCounters). */
  readonly counts: Record<Source, { requests: number; bad: number }> = { primary: { requests: 1e6, bad: 1e3 }, canary: { requests: 1e6, bad: 1e3 }, edge: { requests: 1e6, bad: 1e3 } };
  /** Requests and bad responses since the start (exact). */
  readonly sent: Record<Source, { requests: number; bad: number }> = { primary: { requests: 0, bad: 0 }, canary: { requests: 0, bad: 0 }, edge: { requests: 0, bad: 0 } };
  /** Active fault spans [start, end) by name, as the tests switch faults on and off. */
  private readonly spans = new Map<string, Array<[number, number]>>();
  private current: string[] = [];

  /** The faults active from now on (the runtime asks which were active during each evaluation interval). */
  set faults(names: string[]) {
    const now = this.kernel.now;
    for (const f of this.current) if (!names.includes(f)) (this.spans.get(f)?.at(-1) as [number, number])[1] = now;
    for (const f of names) {
      if (this.current.includes(f)) continue;
      if (!this.spans.has(f)) this.spans.set(f, []);
      this.spans.get(f)?.push([now, Infinity]);
    }
    this.current = [...names];
  }

  get faults(): string[] {
    return [...this.current];
  }
  /** False: the service has no Canary, so no series belongs to a version. */
  versioned = true;
  private readonly ids: Record<Source, { requests: number; bad: number }>;
  private last = 0;

  /**
   * Scrapes every `scrape` seconds up to `horizon`, all scheduled before the
   * runtime schedules anything: events at the same time run in scheduling
   * order, so a scrape at an evaluation's time lands before it.
   */
  constructor(specs: readonly SloSpec[], opts: { scrape: number; horizon: number }) {
    const id = (name: string, source: Source) => this.store.seriesId({ __name__: name, source });
    this.ids = { primary: { requests: id(TOTAL_METRIC, 'primary'), bad: id(BAD_METRIC, 'primary') }, canary: { requests: id(TOTAL_METRIC, 'canary'), bad: id(BAD_METRIC, 'canary') }, edge: { requests: id(TOTAL_METRIC, 'edge'), bad: id(BAD_METRIC, 'edge') } };
    const scrapeKind = this.kernel.register('scrape', () => this.scrape());
    this.write(0);
    for (let k = 1; k * opts.scrape <= opts.horizon + 1e-9; k++) this.kernel.at(k * opts.scrape, scrapeKind);
    const classify = (l: Labels): Version | null => (l.source === 'primary' || l.source === 'canary' ? l.source : null);
    const ports: SloPorts = {
      kernel: this.kernel,
      store: this.store,
      timestamp,
      scrapeInterval: opts.scrape,
      settle: () => {},
      versionOf: () => (this.versioned ? classify : null),
      faultsActiveDuring: (t0, t1) => [...this.spans].filter(([, spans]) => spans.some(([a, b]) => a <= t1 && b > t0)).map(([name]) => name),
    };
    this.runtime = new SloRuntime(specs, ports);
  }

  /** Sets every source's rates at once (absent sources: none). */
  set(rates: Partial<Record<Source, { requests: number; bad: number }>>): void {
    for (const s of SOURCES) this.rates[s] = rates[s] ?? { requests: 0, bad: 0 };
  }

  private scrape(): void {
    const dt = this.kernel.now - this.last;
    for (const s of SOURCES) {
      for (const k of ['requests', 'bad'] as const) {
        this.counts[s][k] += this.rates[s][k] * dt;
        this.sent[s][k] += this.rates[s][k] * dt;
      }
    }
    this.write(this.kernel.now);
  }

  private write(t: number): void {
    this.last = t;
    for (const s of SOURCES) {
      this.store.append(this.ids[s].requests, timestamp(t), this.counts[s].requests);
      this.store.append(this.ids[s].bad, timestamp(t), this.counts[s].bad);
    }
  }

  runUntil(t: number): void {
    this.kernel.runUntil(t);
  }

  result(name = 'availability') {
    const r = this.runtime.results().find((x) => x.name === name);
    if (!r) throw new Error(`no SLO ${name}`);
    return r;
  }
}
