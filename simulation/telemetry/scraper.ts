import type { Kernel } from '../kernel/kernel';
import { Rng } from '../kernel/random';
import { formatBound, type MetricSeries, type MetricsRegistry } from './registry';
import type { Labels, SeriesStore } from './tsdb';

/** How Prometheus scrapes the simulated targets. Times in seconds. */
export interface ScrapeSpec {
  interval: number;
  /** Uniform jitter of each scrape around its slot, ± this many seconds (< interval / 2). */
  jitter: number;
  /** Probability that a scrape fails (up = 0 and the target's series go stale). */
  failureProbability: number;
  /** Wall-clock time of simulated time 0, in Unix milliseconds (timestamps of samples). */
  startMs: number;
  /**
   * Noise (docs/noise.md): probability that a successful scrape's samples are
   * lost (up is still 1; the target's series have no sample at that scrape,
   * and no staleness marker). Absent or 0: off.
   */
  missingSamples?: number;
  /** Noise: with `probability` a scrape lands `delay` seconds late (its samples carry the later timestamp). Absent: off. */
  lateSamples?: { probability: number; delay: number };
}

export interface ScrapeTarget {
  job: string;
  instance: string;
  /** More target labels (service discovery's, e.g. namespace and pod). */
  labels?: Readonly<Record<string, string>>;
  /** The process's registry; replaced when the process restarts (its counters start again from zero). */
  registry: MetricsRegistry;
  /** False while the process does not answer (the scrape fails: up = 0, series stale). */
  reachable?: () => boolean;
  /** Called before each scrape (fast mode settles its traffic). */
  beforeScrape?: () => void;
  /** Called after each successful scrape, e.g. to drop series of removed services. */
  afterScrape?: () => void;
}

/** Fault hooks on scrapes (simulation/faults/observability.ts); the scraper's own draws are unaffected. */
export interface ScrapeFaults {
  /** Whether this scrape of a target of `job` fails (as a failed scrape: up 0, series stale). */
  fails(job: string): boolean;
  /** Seconds this scrape of a target of `job` happens late (0: on time). */
  delay(job: string): number;
}

/**
 * Prometheus' scrape loop over the simulated targets. Each target is scraped
 * every interval at its own fixed offset inside the interval (Prometheus
 * derives it from a hash of the target; here from the target's index, spread
 * evenly), plus optional jitter. A scrape stores every series of the target
 * with the target labels `job` and `instance`, and `up`. Series that vanish
 * from the target, and all series of a failed scrape, get Prometheus'
 * staleness marker, so instant queries stop seeing them at once.
 */
export class Scraper {
  private readonly evScrape: number;
  private readonly targets: ScrapeTarget[] = [];
  private readonly upIds: number[] = [];
  /** Per target, the store ids written by its last successful scrape. */
  private readonly lastIds: Int32Array[] = [];
  /** Per target, the owner token of the series' cached store ids (see MetricSeries.storeOwner). */
  private readonly owners: object[] = [];
  /** Each target's own labels (job, instance and its own) and their JSON, made at its first series. */
  private readonly ownLabels = new WeakMap<ScrapeTarget, { labels: Record<string, string>; key: string }>();
  private readonly active: boolean[] = [];
  private readonly offsets: number[] = [];
  private seen = new Int32Array(1024);
  private epoch = 0;
  readonly scrapes: number[] = [];
  private readonly lastMs: number[] = [];
  readonly failures: number[] = [];
  /** Fault hooks (scrape-failure, scrape-delay); null without such faults. */
  faults: ScrapeFaults | null = null;
  private readonly evLateScrape: number;
  /** Noise draws (missing and late samples), from their own stream "<scrape stream>/noise"; null when both are off. */
  private readonly noiseRng: Rng | null;
  /** Scrapes whose samples were lost (missingSamples), per target. */
  readonly missing: number[] = [];
  /** Scrapes that landed late (lateSamples), per target. */
  readonly late: number[] = [];

  constructor(
    private readonly kernel: Kernel,
    private readonly store: SeriesStore,
    targets: readonly ScrapeTarget[],
    private readonly spec: ScrapeSpec,
    private readonly rng: Rng,
  ) {
    this.evScrape = kernel.register('scrape', (i, k) => this.scrape(i, k));
    this.evLateScrape = kernel.register('scrape-late', (i, k) => this.scrapeNow(i, k));
    this.noiseRng = (spec.missingSamples ?? 0) > 0 || (spec.lateSamples?.probability ?? 0) > 0 ? new Rng(`${rng.seedKey}/noise`) : null;
    store.defineFamily('up', 'gauge', 'Whether the last scrape of the target succeeded.');
    // The targets known from the start are spread evenly over the interval.
    targets.forEach((t, i) => this.addTarget(t, (spec.interval * i) / Math.max(1, targets.length)));
  }

  /**
   * Starts scraping a target (service discovery found it). Without an
   * offset, the target's offset inside the interval comes from a hash of its
   * instance, as Prometheus spreads its targets.
   */
  addTarget(target: ScrapeTarget, offset = (fnv1a(target.instance) / 2 ** 32) * this.spec.interval): number {
    const i = this.targets.length;
    this.targets.push(target);
    this.upIds.push(this.store.seriesId({ ...this.targetLabels(target), __name__: 'up' }));
    this.lastIds.push(new Int32Array(0));
    this.owners.push({});
    this.active.push(true);
    this.offsets.push(offset);
    this.scrapes.push(0);
    this.failures.push(0);
    this.missing.push(0);
    this.late.push(0);
    this.lastMs.push(-Infinity);
    // The first slot at or after now.
    const k = Math.max(0, Math.ceil((this.kernel.now - offset) / this.spec.interval - 1e-9));
    this.schedule(i, k);
    return i;
  }

  /** Stops scraping a target (it disappeared): its series, and up, go stale now. */
  removeTarget(i: number): void {
    if (!this.active[i]) return;
    this.active[i] = false;
    const tMs = Math.max(this.timestamp(this.kernel.now), this.lastMs[i] + 1);
    const last = this.lastIds[i];
    for (let j = 0; j < last.length; j++) this.store.appendStale(last[j], tMs);
    this.store.appendStale(this.upIds[i], tMs);
    this.lastIds[i] = new Int32Array(0);
  }

  /** The labels a target adds to every series: job, instance and service discovery's. */
  private targetLabels(t: ScrapeTarget): Record<string, string> {
    return { ...t.labels, job: t.job, instance: t.instance };
  }

  private schedule(i: number, k: number): void {
    const base = this.offsets[i] + k * this.spec.interval;
    const jitter = this.spec.jitter > 0 ? (this.rng.uniform() * 2 - 1) * this.spec.jitter : 0;
    this.kernel.at(Math.max(this.kernel.now, base + jitter), this.evScrape, i, k);
  }

  /** Milliseconds timestamp of simulated time t. */
  timestamp(t: number): number {
    return this.spec.startMs + Math.round(t * 1000);
  }

  private scrape(i: number, k: number): void {
    if (!this.active[i]) return;
    // Fault hook (scrape-delay): the scrape happens late; the next one keeps its slot (or follows at once).
    if (this.faults !== null) {
      const late = this.faults.delay(this.targets[i].job);
      if (late > 0) {
        this.kernel.at(this.kernel.now + late, this.evLateScrape, i, k);
        return;
      }
    }
    // Noise (lateSamples): the scrape lands late, as a delayed scrape does.
    const lateSamples = this.spec.lateSamples;
    if (this.noiseRng !== null && lateSamples !== undefined && lateSamples.probability > 0 && this.noiseRng.uniform() < lateSamples.probability) {
      this.late[i]++;
      this.kernel.at(this.kernel.now + lateSamples.delay, this.evLateScrape, i, k);
      return;
    }
    this.scrapeNow(i, k);
  }

  private scrapeNow(i: number, k: number): void {
    if (!this.active[i]) return;
    const target = this.targets[i];
    target.beforeScrape?.();
    // Strictly increasing per target, even when jitter brings two scrapes within a millisecond.
    const tMs = Math.max(this.timestamp(this.kernel.now), this.lastMs[i] + 1);
    this.lastMs[i] = tMs;
    const failed =
      (this.spec.failureProbability > 0 && this.rng.uniform() < this.spec.failureProbability) ||
      (target.reachable !== undefined && !target.reachable()) ||
      // Fault hook (scrape-failure): drawn from the fault's own stream, after the scraper's draw.
      (this.faults !== null && this.faults.fails(target.job));
    this.scrapes[i]++;
    this.store.append(this.upIds[i], tMs, failed ? 0 : 1);
    const last = this.lastIds[i];
    // Noise (missingSamples): the target answered (up 1) but its samples are lost: no sample, no staleness marker.
    const missingSamples = this.spec.missingSamples ?? 0;
    if (!failed && missingSamples > 0 && (this.noiseRng as Rng).uniform() < missingSamples) {
      this.missing[i]++;
      this.schedule(i, k + 1);
      return;
    }
    if (failed) {
      this.failures[i]++;
      for (let j = 0; j < last.length; j++) this.store.appendStale(last[j], tMs);
      this.lastIds[i] = new Int32Array(0);
    } else {
      this.epoch++;
      const ids: number[] = [];
      for (const f of target.registry.families) {
        if (f.type === 'histogram') this.store.defineFamily(f.name, 'histogram', f.help);
        else this.store.defineFamily(f.name, f.type, f.help);
        for (const s of f.series) this.writeSeries(s, i, tMs, ids);
      }
      for (let j = 0; j < last.length; j++) if (this.seen[last[j]] !== this.epoch) this.store.appendStale(last[j], tMs);
      this.lastIds[i] = Int32Array.from(ids);
    }
    // A failed scrape never reached the process: Traefik did not export, so it deletes nothing yet.
    if (!failed) target.afterScrape?.();
    this.schedule(i, k + 1);
  }

  private writeSeries(s: MetricSeries, i: number, tMs: number, ids: number[]): void {
    const f = s.family;
    // The cache belongs to one target of one scraper: another scraper (or store) must not reuse its ids.
    if (s.storeIds === null || s.storeOwner !== this.owners[i]) {
      s.storeIds = this.idsFor(s, this.targets[i]);
      s.storeOwner = this.owners[i];
    }
    const sids = s.storeIds;
    if (f.type === 'histogram') {
      let cum = 0;
      const n = s.bucketCounts.length;
      for (let b = 0; b < n; b++) {
        cum += s.bucketCounts[b];
        this.put(sids[b], tMs, cum, ids);
      }
      this.put(sids[n], tMs, s.value, ids);
      this.put(sids[n + 1], tMs, s.count, ids);
    } else this.put(sids[0], tMs, s.value, ids);
  }

  private put(id: number, tMs: number, v: number, ids: number[]): void {
    this.store.append(id, tMs, v);
    if (id >= this.seen.length) {
      const bigger = new Int32Array(Math.max(id + 1, this.seen.length * 2));
      bigger.set(this.seen);
      this.seen = bigger;
    }
    this.seen[id] = this.epoch;
    ids.push(id);
  }

  private idsFor(s: MetricSeries, target: ScrapeTarget): Int32Array {
    let own = this.ownLabels.get(target);
    if (own === undefined) {
      const labels = this.targetLabels(target);
      this.ownLabels.set(target, (own = { labels, key: JSON.stringify(labels) }));
    }
    const sets = labelSetsFor(s, own.labels, own.key);
    const ids = new Int32Array(sets.length);
    for (let j = 0; j < sets.length; j++) ids[j] = this.store.seriesId(sets[j]);
    return ids;
  }
}

/**
 * The label sets a series is stored under (one per bucket, sum and count for
 * a histogram), by everything they depend on. Every run of a sweep scrapes
 * the same series from the same targets; the sets are frozen and shared, so
 * they are built once, and the store, which remembers the canonical form of a
 * frozen label set, canonicalises each once too. Bounded: cleared when full.
 */
const labelSetCache = new Map<string, readonly Labels[]>();
const LABEL_SET_CACHE_SIZE = 1024;

function labelSetsFor(s: MetricSeries, own: Readonly<Record<string, string>>, ownKey: string): readonly Labels[] {
  const f = s.family;
  // Bounds as the `le` values they become (distinct numbers give distinct texts). NUL separates the parts: no
  // type, name or bound text holds one, and JSON escapes it.
  const key = `${f.type}\u0000${f.name}\u0000${boundsText(f.buckets)}\u0000${ownKey}\u0000${JSON.stringify(s.labels)}`;
  let sets = labelSetCache.get(key);
  if (sets === undefined) {
    sets = buildLabelSets(s, own);
    if (labelSetCache.size >= LABEL_SET_CACHE_SIZE) labelSetCache.clear();
    labelSetCache.set(key, sets);
  }
  return sets;
}

/** A histogram's bounds as `le` texts, once per bounds list (families share their spec's list). */
const boundsTexts = new WeakMap<readonly number[], string>();
function boundsText(buckets: readonly number[]): string {
  let t = boundsTexts.get(buckets);
  if (t === undefined) boundsTexts.set(buckets, (t = buckets.map(formatBound).join(' ')));
  return t;
}

function buildLabelSets(s: MetricSeries, own: Readonly<Record<string, string>>): readonly Labels[] {
  const f = s.family;
  // honor_labels: false (Prometheus' default): scraped labels that clash with
  // the target labels are kept as exported_<name>.
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(s.labels)) base[name in own ? `exported_${name}` : name] = value;
  Object.assign(base, own);
  if (f.type === 'histogram') {
    const sets: Labels[] = [];
    const bounds = [...f.buckets, Infinity];
    for (const b of bounds) sets.push(Object.freeze({ ...base, __name__: `${f.name}_bucket`, le: formatBound(b) }));
    sets.push(Object.freeze({ ...base, __name__: `${f.name}_sum` }));
    sets.push(Object.freeze({ ...base, __name__: `${f.name}_count` }));
    return sets;
  }
  const name = f.type === 'counter' ? `${f.name}_total` : f.name;
  return [Object.freeze({ ...base, __name__: name })];
}

/** FNV-1a, 32 bits, of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
