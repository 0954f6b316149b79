import type { Kernel } from '../kernel/kernel';
import type { RandomStreams, Rng } from '../kernel/random';
import type { FastEngine } from '../model/fast';
import type { World } from '../model/world';
import { NO_VALUES_FOUND } from '../rollout/prometheus';
import type { ProviderResult } from '../rollout/types';
import type { FlaggerFaults } from '../run/flagger';
import type { ScrapeFaults, Scraper } from '../telemetry/scraper';
import type { RateProfile } from '../traffic/profile';
import type { ActiveFault, FaultHandler } from './engine';
import type { FaultType } from './spec';

/**
 * Faults on what the operators and Flagger see and on the load
 * (docs/faults.md):
 *
 * - `metrics-outage`: every query of Flagger's metric providers (builtin
 *   checks, inline queries, MetricTemplates, the availability probe) fails
 *   while active. Mode `error`: the provider's request fails, with
 *   {@link METRICS_OUTAGE_ERROR} (an illustrative Go HTTP client error, as
 *   Flagger's Prometheus provider wraps it: `request failed: …`); mode
 *   `no-data`: the answer is empty ("no values found"). During a ramp, a
 *   query fails with probability = intensity.
 * - `scrape-failure`: each scrape of the job (every job when null) fails
 *   with probability percent × intensity, as the scraper's own failures do
 *   (up 0, the target's series marked stale).
 * - `scrape-delay`: each scrape of the job happens `delay` × intensity late;
 *   its samples carry the late time. The next scrape keeps its slot (or
 *   follows at once when the delay exceeds the interval).
 * - `router-reject`: Flagger's router updates (SetRoutes) fail with the
 *   fault's message while active: the weights stay; Flagger emits it as a
 *   Warning and ends the tick.
 * - `reload-storm`: every `interval` while active (the first one `interval`
 *   after the window opens), Traefik reloads its configuration and rebuilds
 *   every replica's handlers (schedulers, circuit breakers) even when
 *   nothing changed; reloads are throttled as any change is.
 * - `traffic-spike`: the stream's rate × (1 + (multiplier − 1) × intensity).
 *   Exact mode: a spike (multiplier > 1) adds a second Poisson process of
 *   the excess rate, drawn from the fault's stream (`faults/<name>/traffic`)
 *   with the rate held for at most a second between draws (exact for
 *   constant rates, the profile followed at 1 s resolution otherwise, and
 *   the stream's overdispersion factor carried over); a dip (multiplier < 1)
 *   thins the stream's arrivals, keeping each with that probability. The
 *   stream's own arrival draws are unchanged. Several spikes on one stream
 *   add their excesses; dips multiply. Fast mode: the stream's expected
 *   counts are multiplied by the product of the factors. Load-generator
 *   streams (Flagger's load tests) are not affected.
 */

const OBSERVABILITY_TYPES = ['metrics-outage', 'scrape-failure', 'scrape-delay', 'router-reject', 'reload-storm', 'traffic-spike'] as const satisfies readonly FaultType[];

/** What the provider answers during an `error` metrics outage: illustrative of a refused connection to Prometheus. */
export const METRICS_OUTAGE_ERROR = 'request failed: Post "http://prometheus:9090/api/v1/query": dial tcp 10.96.0.10:9090: connect: connection refused';

/** Seconds a traffic spike's excess rate is held before it is read again from the profile. */
const SPIKE_STEP = 1;

interface Live {
  fault: ActiveFault;
  rng: Rng;
  /** Scrape faults: the job (null: every job). */
  job: string | null;
  /** Traffic faults: the stream's index (-1: unknown or a load generator). */
  stream: number;
  profile: RateProfile | null;
}

export interface ObservabilityHooks {
  scraper: Scraper;
  /** Fast mode's engine (traffic faults multiply its expected counts), or null in exact mode. */
  fast: FastEngine | null;
}

export class ObservabilityFaultHandler implements FaultHandler, FlaggerFaults, ScrapeFaults {
  readonly types = OBSERVABILITY_TYPES;
  /** Active faults, in declaration order. */
  private live: Live[] = [];
  /** Per fault index (ActiveFault.index): its live state while active. */
  private readonly byIndex: Array<Live | null> = [];
  /** Per fault index: a generation that invalidates pending events (reloads, spike arrivals) when the fault closes or its intensity changes. */
  private readonly gens: number[] = [];
  private readonly evReload: number;
  private readonly evSpike: number;
  private readonly outages: Live[] = [];
  private readonly rejects: Live[] = [];
  private readonly scrapeFaults: Live[] = [];
  /** Per stream, the dips thinning it. */
  private dips: Live[][] = [];
  private readonly noData: ProviderResult = { ok: false, noValues: true, error: NO_VALUES_FOUND };
  private readonly refused: ProviderResult = { ok: false, noValues: false, error: METRICS_OUTAGE_ERROR };

  constructor(
    private readonly world: World,
    private readonly kernel: Kernel,
    private readonly rng: RandomStreams,
    private readonly hooks: ObservabilityHooks,
  ) {
    this.evReload = kernel.register('fault-reload', (i, gen) => this.onReload(i, gen));
    this.evSpike = kernel.register('fault-spike', (i, gen) => this.onSpike(i, gen));
  }

  apply(fault: ActiveFault, intensity: number): void {
    let l = this.byIndex[fault.index] ?? null;
    const p = fault.spec.params;
    const i = fault.index;
    if (intensity > 0 && l === null) {
      l = this.resolve(fault);
      this.byIndex[i] = l;
      this.gens[i] = (this.gens[i] ?? 0) + 1;
      this.live.push(l);
      this.live.sort((a, b) => a.fault.index - b.fault.index);
      if (p.type === 'reload-storm') this.kernel.at(this.kernel.now + p.interval, this.evReload, i, this.gens[i]);
    } else if (intensity === 0 && l !== null) {
      this.gens[i]++;
      this.byIndex[i] = null;
      this.live = this.live.filter((x) => x !== l);
    }
    if (p.type === 'traffic-spike') this.traffic(fault, l, intensity);
    this.reindex();
  }

  private resolve(fault: ActiveFault): Live {
    const t = fault.spec.target;
    let stream = -1;
    let profile: RateProfile | null = null;
    if (t.kind === 'stream') {
      stream = this.world.spec.streams.findIndex((s) => s.name === t.stream);
      if (stream >= 0 && this.world.spec.streams[stream].loadTest) stream = -1;
      // The stream's own profile: its random bursts and weekly cycle included.
      if (stream >= 0) profile = this.world.internals().streams[stream].process.profile;
    }
    return { fault, rng: this.rng.stream(`faults/${fault.spec.name}/${fault.spec.params.type}`), job: t.kind === 'scrape' ? t.job : null, stream, profile };
  }

  private reindex(): void {
    const kinds = (type: FaultType) => this.live.filter((l) => l.fault.spec.params.type === type);
    this.outages.length = 0;
    this.outages.push(...kinds('metrics-outage'));
    this.rejects.length = 0;
    this.rejects.push(...kinds('router-reject'));
    this.scrapeFaults.length = 0;
    this.scrapeFaults.push(...this.live.filter((l) => l.fault.spec.params.type === 'scrape-failure' || l.fault.spec.params.type === 'scrape-delay'));
    this.hooks.scraper.faults = this.scrapeFaults.length > 0 ? this : null;
    this.dips = this.world.spec.streams.map(() => []);
    let thinning = false;
    for (const l of kinds('traffic-spike')) {
      if (l.stream >= 0 && (l.fault.spec.params as { multiplier: number }).multiplier < 1) {
        this.dips[l.stream].push(l);
        thinning = true;
      }
    }
    if (this.hooks.fast === null) this.world.arrivalFilter = thinning ? this.keep : null;
  }

  // ---- Flagger ---------------------------------------------------------------

  providerFault(): ProviderResult | null {
    for (const l of this.outages) {
      const x = l.fault.intensity;
      if (x < 1 && l.rng.uniform() >= x) continue;
      return (l.fault.spec.params as { mode: string }).mode === 'no-data' ? this.noData : this.refused;
    }
    return null;
  }

  /** The metrics outage in force now, if any (no randomness drawn: for explanations). */
  activeOutage(): { name: string; mode: string } | null {
    const l = this.outages[0];
    return l ? { name: l.fault.spec.name, mode: (l.fault.spec.params as { mode: string }).mode } : null;
  }

  routerFault(): string | null {
    return this.rejects.length > 0 ? (this.rejects[0].fault.spec.params as { message: string }).message : null;
  }

  // ---- scrapes ---------------------------------------------------------------

  fails(job: string): boolean {
    for (const l of this.scrapeFaults) {
      const p = l.fault.spec.params;
      if (p.type !== 'scrape-failure' || (l.job !== null && l.job !== job)) continue;
      if (l.rng.uniform() * 100 < p.percent * l.fault.intensity) return true;
    }
    return false;
  }

  delay(job: string): number {
    let d = 0;
    for (const l of this.scrapeFaults) {
      const p = l.fault.spec.params;
      if (p.type !== 'scrape-delay' || (l.job !== null && l.job !== job)) continue;
      d = Math.max(d, p.delay * l.fault.intensity);
    }
    return d;
  }

  // ---- Traefik -----------------------------------------------------------------

  private onReload(i: number, gen: number): void {
    const l = this.byIndex[i];
    if (!l || this.gens[i] !== gen) return;
    this.world.proxy?.forceReload();
    this.kernel.at(this.kernel.now + (l.fault.spec.params as { interval: number }).interval, this.evReload, i, gen);
  }

  // ---- traffic -------------------------------------------------------------------

  private traffic(fault: ActiveFault, l: Live | null, intensity: number): void {
    const fast = this.hooks.fast;
    if (fast !== null) {
      // Settle the traffic so far at the old rate, then set the new factor.
      fast.flush();
      // As in exact mode: spikes add their excess rates; dips thin everything, spikes included.
      const excess = new Float64Array(fast.trafficFactor.length);
      const thin = new Float64Array(fast.trafficFactor.length).fill(1);
      for (const x of this.live) {
        const p = x.fault.spec.params;
        if (p.type !== 'traffic-spike' || x.stream < 0) continue;
        const f = (p.multiplier - 1) * x.fault.intensity;
        if (p.multiplier > 1) excess[x.stream] += f;
        else thin[x.stream] *= 1 + f;
      }
      for (let i = 0; i < excess.length; i++) fast.trafficFactor[i] = (1 + excess[i]) * thin[i];
      return;
    }
    if (l === null || l.stream < 0 || intensity === 0) return;
    if ((fault.spec.params as { multiplier: number }).multiplier <= 1) return;
    // A new excess rate from now: restart the spike's arrival clock (memoryless).
    this.gens[fault.index]++;
    this.nextSpike(l);
  }

  private readonly keep = (streamIndex: number): boolean => {
    const dips = this.dips[streamIndex];
    for (let i = 0; i < dips.length; i++) {
      const l = dips[i];
      const factor = 1 + ((l.fault.spec.params as { multiplier: number }).multiplier - 1) * l.fault.intensity;
      if (l.rng.uniform() >= factor) return false;
    }
    return true;
  };

  /** Schedules the spike's next arrival, or a fresh look at the rate a step later. */
  private nextSpike(l: Live): void {
    const now = this.kernel.now;
    const m = (l.fault.spec.params as { multiplier: number }).multiplier;
    const gamma = this.world.internals().streams[l.stream].process.currentMultiplier;
    const rate = (m - 1) * l.fault.intensity * (l.profile as RateProfile).rate(now) * gamma;
    const dt = rate > 0 ? l.rng.exponential(rate) : Infinity;
    const gen = this.gens[l.fault.index];
    if (dt > SPIKE_STEP) this.kernel.at(now + SPIKE_STEP, this.evSpike, l.fault.index, -1 - gen);
    else this.kernel.at(now + dt, this.evSpike, l.fault.index, gen);
  }

  /** gen ≥ 0: an arrival; −1 − gen: only a fresh look at the rate. */
  private onSpike(i: number, g: number): void {
    const l = this.byIndex[i];
    const gen = g >= 0 ? g : -1 - g;
    if (!l || this.gens[i] !== gen) return;
    // A spike's extra arrivals are thinned by the stream's dips like its own.
    if (g >= 0 && this.keep(l.stream)) this.world.injectArrival(l.stream);
    this.nextSpike(l);
  }
}
