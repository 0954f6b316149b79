import type { Kernel } from '../kernel/kernel';
import type { RandomStreams, Rng } from '../kernel/random';
import type { LeafBatch, TraefikProxy } from '../routing/traefik';
import type { RequestMetrics } from '../telemetry/request-metrics';
import { binomial, multinomial, poisson } from '../stats/sampling';
import type { RateProfile } from '../traffic/profile';
import { Sampler, scaledSpec } from './distributions';
import type { WorldSpec } from './spec';
import { latencyPoints, type LatencyPoints, singlePoint } from './stats';
import { POD_READY, POD_TERMINATING, type Behaviour, type Pod, type World } from './world';

const ZERO = singlePoint(0);

/** Below this probability of waiting, queueing is left out. */
const NEGLIGIBLE_WAIT = 1e-4;

interface QueueState {
  /** Probability that a request waits (Erlang C), per pod. */
  pWait: number;
  /** Rate of the exponential wait when it waits. */
  theta: number;
  /** Deterministic wait from a backlog when the pods are overloaded. */
  backlog: number;
  /** Requests that reached this revision's pods in the current interval, and their service time. */
  arrivals: number;
  serviceSum: number;
  serviceSq: number;
  /** Of the arrivals, those Traefik balanced round-robin over the pods (smoother than Poisson). */
  balanced: number;
  /** Smoothed arrival rate per pod (exponential moving average over QUEUE_MEMORY seconds). */
  lambda: number;
}

/** Time constant of the smoothed load the queue model uses, seconds. */
const QUEUE_MEMORY = 30;

/** One revision's latency distribution cut into histogram cells, under one timeout (aggregate path). */
interface LatencyTable {
  /** The full distribution (with its tail, scaled to the pod's speed); the cells below are its body's. */
  sampler: Sampler;
  /** P(timeout): the latency exceeds it. */
  pTimeout: number;
  /** Cell probabilities given no timeout, and given a timeout (cells between the union of bounds; +Inf last). */
  cellsBelow: Float64Array;
  cellsAbove: Float64Array;
  /** Cell → bucket index in Traefik's layout and in the app's. */
  toTraefik: Int32Array;
  toApp: Int32Array;
  /** Traefik bucket of a request that times out (its latency is the timeout). */
  timeoutBucket: number;
  mean: number;
  variance: number;
  /** Moments of the pod-side latency of requests that time out. */
  meanAbove: number;
  varianceAbove: number;
  /** Latencies below the timeout, for the summaries. */
  points: LatencyPoints;
  /** The timeout as a latency. */
  timeoutPoint: LatencyPoints;
}

/**
 * Latency tables by the revision's latency spec, then by pod speed, timeout
 * and bucket bounds. A table is a pure function of these (its sampler keeps
 * no state: draws take the caller's stream) and is only read, so the runs of
 * a sweep, which share the compiled specs, compute each table once. Bounded
 * per spec (cleared when full); a spec's tables go with it.
 */
const sharedTables = new WeakMap<object, Map<string, LatencyTable>>();
const SHARED_TABLES_PER_SPEC = 64;

/** Where a group of requests is recorded. */
interface Sinks {
  service: RequestMetrics | null;
  entryPoint: RequestMetrics | null;
  router: RequestMetrics | null;
  method: number;
  /** World stream index whose clients get the responses (-1: none, e.g. mirrored copies). */
  stream: number;
}

/**
 * Fast mode: traffic in aggregate. Instead of one event per request, each
 * interval between two observations (a scrape, a configuration apply, a pod
 * change, a series record) draws how many requests each stream sent
 * (Poisson, or gamma-Poisson per overdispersion window) and routes them all
 * at once through the same Traefik handlers (the EDF and mirroring
 * schedules run once per request, without events). At each pod revision the
 * outcomes are drawn from the same distributions as exact mode:
 *
 * - a revision without dependencies whose pods are not queueing gets its
 *   status counts from a multinomial over its status mix, its timeouts from
 *   the latency CDF at the timeout, and its histogram bucket counts from a
 *   multinomial over the CDF between bucket bounds; the latency sum is drawn
 *   from its normal approximation (central limit);
 * - anything else (dependency calls, queueing) draws each request's path
 *   without events: queue wait, service time, each dependency call through
 *   kube-proxy's random endpoint choice, timeouts and failure propagation.
 *
 * Queueing is approximated per pod as M/M/c with c = concurrency, using the
 * arrival rate (smoothed over 30 s) and service times of the previous
 * interval (Erlang C for the
 * probability of waiting, an exponential wait of rate cμ − λ), corrected
 * for non-Poisson arrivals and non-exponential service by Allen–Cunneen's
 * factor (ca² + cs²)/2 on the wait; an
 * overloaded pod (λ ≥ cμ) accumulates a fluid backlog that every request
 * waits behind. Queue timeouts answer 503 as in exact mode.
 */
export class FastEngine {
  private last = 0;
  private readonly profiles: RateProfile[];
  private readonly trafficRngs: Rng[];
  private readonly dispersionRngs: Rng[];
  private readonly window: Float64Array;
  private readonly multiplier: Float64Array;
  /** Fault hook (traffic-spike): per stream, a factor on its expected count (1 without faults; set after a flush). */
  readonly trafficFactor: Float64Array;
  private readonly rng: Rng;
  private readonly queues: QueueState[];
  /** Per revision, its latency tables by timeout. */
  private readonly tables: Array<Map<number, LatencyTable>>;
  /** Noise (podVariation, slowPods): per pod id whose speed is not 1, its own tables by timeout. */
  private readonly podTables = new Map<number, Map<number, LatencyTable>>();
  private readonly batches: LeafBatch[] = [];
  private readonly scratch: Float64Array;
  private readonly buckets: Float64Array;
  private cells = new Float64Array(16);
  private appBuckets = new Float64Array(16);
  private readonly bounds: readonly number[];
  private readonly replicaSplit: Float64Array;
  private readonly replicaProbs: Float64Array;
  // The per-request path's result.
  private sStatus = 0;
  private sLatency = 0;

  constructor(
    private readonly spec: WorldSpec,
    private readonly world: World,
    private readonly proxy: TraefikProxy | null,
    private readonly kernel: Kernel,
    rng: RandomStreams,
  ) {
    // The world's own profiles: the same random bursts (noise) as exact mode would draw.
    this.profiles = world.internals().streams.map((s) => s.process.profile);
    this.trafficRngs = spec.streams.map((s) => rng.stream(`fast/traffic/${s.name}`));
    this.dispersionRngs = spec.streams.map((s) => rng.stream(`fast/traffic/${s.name}/dispersion`));
    this.window = new Float64Array(spec.streams.length).fill(-1);
    this.multiplier = new Float64Array(spec.streams.length).fill(1);
    this.trafficFactor = new Float64Array(spec.streams.length).fill(1);
    this.rng = rng.stream('fast/outcomes');
    this.tables = world.internals().behaviours.map(() => new Map());
    this.queues = world.internals().behaviours.map(() => ({ pWait: 0, theta: 0, backlog: 0, arrivals: 0, serviceSum: 0, serviceSq: 0, balanced: 0, lambda: 0 }));
    this.bounds = spec.traefik?.metrics.buckets ?? [];
    this.buckets = new Float64Array(this.bounds.length + 1);
    this.scratch = new Float64Array(64);
    const replicas = spec.traefik?.replicas ?? 1;
    this.replicaSplit = new Float64Array(replicas + 1);
    this.replicaProbs = new Float64Array(replicas - 1).fill(1 / replicas);
    world.beforeChange = () => this.flush();
    if (proxy) proxy.beforeApply = () => this.flush();
  }

  /** Draws and delivers the traffic of [last flush, now). */
  flush(): void {
    const t1 = this.kernel.now;
    const t0 = this.last;
    if (!(t1 > t0)) return;
    this.last = t1;
    this.updateQueues(t1 - t0);
    const { streams } = this.world.internals();
    for (let i = 0; i < streams.length; i++) {
      const n = this.drawCount(i, t0, t1);
      if (n === 0) continue;
      if (streams[i].service >= 0) this.inCluster(i, n);
      else this.throughTraefik(i, n);
    }
  }

  // ---- traffic ---------------------------------------------------------------

  private drawCount(i: number, t0: number, t1: number): number {
    if (this.spec.streams[i].loadTest) return poisson(this.trafficRngs[i], this.world.loadExpected(i, t0, t1));
    const profile = this.profiles[i];
    const od = this.spec.streams[i].overdispersion;
    // × 1 without a traffic fault: the same numbers as ever.
    if (!od) return poisson(this.trafficRngs[i], profile.expectedCount(t0, t1) * this.trafficFactor[i]);
    // One gamma factor per overdispersion window, as exact mode draws them.
    let mean = 0;
    let a = t0;
    while (a < t1) {
      const w = Math.floor(a / od.window);
      const b = Math.min(t1, (w + 1) * od.window);
      if (this.window[i] !== w) {
        this.window[i] = w;
        const shape = 1 / od.dispersion;
        this.multiplier[i] = this.dispersionRngs[i].gamma(shape, 1 / shape);
      }
      mean += profile.expectedCount(a, b) * this.multiplier[i];
      a = b;
    }
    return poisson(this.trafficRngs[i], mean * this.trafficFactor[i]);
  }

  private inCluster(i: number, n: number): void {
    const { streams, services, pods } = this.world.internals();
    const stream = streams[i];
    const svc = services[stream.service];
    svc.requests += n;
    if (svc.count === 0) {
      svc.unavailable += n;
      stream.stats.recordMany(503, n, ZERO);
      return;
    }
    // kube-proxy: each request to a ready endpoint chosen at random.
    let left = n;
    for (let e = 0; e < svc.count && left > 0; e++) {
      const k = e === svc.count - 1 ? left : binomial(this.rng, left, 1 / (svc.count - e));
      left -= k;
      if (k > 0) this.atPod(pods[svc.endpoints[e]], k, stream.timeout, { service: null, entryPoint: null, router: null, method: 0, stream: i });
    }
  }

  private throughTraefik(i: number, n: number): void {
    const proxy = this.proxy as TraefikProxy;
    const { streams, pods, proxyStreamOf } = this.world.internals();
    const ps = proxyStreamOf[i];
    const replicas = this.replicaSplit.length - 1;
    if (replicas === 1) this.replicaSplit[0] = n;
    else multinomial(this.rng, n, this.replicaProbs, this.replicaSplit);
    for (let r = 0; r < replicas; r++) {
      const nr = this.replicaSplit[r];
      if (nr === 0) continue;
      const m = proxy.metricsFor(ps, r);
      const noServer = proxy.routeMany(ps, nr, r, this.batches);
      if (proxy.routerOf(ps, r) === null) {
        this.zeroLatency(404, nr, m.entryPoint, null, m.method, i);
        continue;
      }
      if (noServer > 0) this.zeroLatency(503, noServer, m.entryPoint, m.router, m.method, i);
      for (const batch of this.batches) {
        const service = proxy.serviceMetrics(r, batch.label);
        for (let j = 0; j < batch.servers.length; j++) {
          for (let copy = 0; copy < 2; copy++) {
            const mirror = copy === 1;
            const k = mirror ? batch.mirrored[j] : batch.counts[j];
            if (k === 0) continue;
            const pod = pods[batch.servers[j]];
            const sinks: Sinks = mirror ? { service, entryPoint: null, router: null, method: m.method, stream: -1 } : { service, entryPoint: m.entryPoint, router: m.router, method: m.method, stream: i };
            if (pod.state !== POD_READY && pod.state !== POD_TERMINATING) {
              // Connection refused: the proxy answers 502 at once.
              service?.recordMany(502, m.method, k, this.zeroBuckets(k), 0);
              if (!mirror) this.zeroLatency(502, k, m.entryPoint, m.router, m.method, i);
              continue;
            }
            this.atPod(pod, k, streams[i].timeout, sinks);
          }
        }
      }
    }
  }

  private zeroBuckets(k: number): Float64Array {
    this.buckets.fill(0);
    this.buckets[0] = k;
    return this.buckets;
  }

  /** Responses Traefik makes at once (404, 503, 502): latency zero. */
  private zeroLatency(code: number, k: number, entryPoint: RequestMetrics | null, router: RequestMetrics | null, method: number, stream: number): void {
    entryPoint?.recordMany(code, method, k, this.zeroBuckets(k), 0);
    router?.recordMany(code, method, k, this.zeroBuckets(k), 0);
    this.world.internals().streams[stream].stats.recordMany(code, k, ZERO);
  }

  // ---- outcomes at a pod ------------------------------------------------------

  /** k requests reach one pod with the caller's timeout. */
  private atPod(pod: Pod, k: number, timeout: number, sinks: Sinks): void {
    const bi = pod.behaviour;
    const b = this.world.internals().behaviours[bi];
    const q = this.queues[bi];
    this.world.requestsCreated += k;
    if (sinks.service !== null || sinks.entryPoint !== null) q.balanced += k;
    // A revision fault (abort, delay, slowdown) changes requests one by one: they take the per-request path, through the same hooks as exact mode.
    const faults = this.world.faults;
    if (b.deps.length === 0 && q.backlog === 0 && q.pWait < NEGLIGIBLE_WAIT && (faults === null || !faults.touches(bi))) {
      this.aggregate(pod, b, k, timeout, sinks);
      return;
    }
    for (let n = 0; n < k; n++) {
      this.sample(pod, timeout);
      this.deliverOne(b, this.sStatus, this.sLatency, sinks);
    }
  }

  private deliverOne(b: Behaviour, status: number, latency: number, sinks: Sinks): void {
    b.stats.record(status, latency);
    sinks.service?.record(status, sinks.method, latency);
    sinks.entryPoint?.record(status, sinks.method, latency);
    sinks.router?.record(status, sinks.method, latency);
    if (sinks.stream >= 0) this.world.internals().streams[sinks.stream].stats.record(status, latency);
  }

  /**
   * The latency CDF of a revision cut at the union of Traefik's and the
   * app's bucket bounds (so both histograms count the same draws), below and
   * above the timeout.
   */
  private table(pod: Pod, b: Behaviour, timeout: number): LatencyTable {
    const appBounds = b.app.metrics?.buckets ?? [];
    let tables = this.tables[pod.behaviour];
    if (pod.speed !== 1) {
      tables = this.podTables.get(pod.id) ?? new Map();
      this.podTables.set(pod.id, tables);
    }
    let t = tables.get(timeout);
    if (!t) {
      t = this.sharedTable(pod, b, timeout, appBounds);
      tables.set(timeout, t);
    }
    return t;
  }

  /** A table from the module's cache of tables by latency spec and parameters, else made and cached there. */
  private sharedTable(pod: Pod, b: Behaviour, timeout: number, appBounds: readonly number[]): LatencyTable {
    let bySpec = sharedTables.get(b.spec.latency);
    if (!bySpec) sharedTables.set(b.spec.latency, (bySpec = new Map()));
    const key = `${pod.speed}|${timeout}|${this.bounds.join(',')}|${appBounds.join(',')}`;
    let t = bySpec.get(key);
    if (!t) {
      t = this.makeTable(pod, b, timeout, appBounds);
      if (bySpec.size >= SHARED_TABLES_PER_SPEC) bySpec.clear();
      bySpec.set(key, t);
    }
    return t;
  }

  private makeTable(pod: Pod, b: Behaviour, timeout: number, appBounds: readonly number[]): LatencyTable {
    // Noise: a pod's speed factor scales the distribution; a latency tail is drawn per request (see aggregate), the cells are the body's.
    const sampler = pod.speed === 1 ? b.sampler : new Sampler(scaledSpec(b.spec.latency, pod.speed));
    const s = sampler.body;
    const edges = [...new Set([...this.bounds, ...appBounds])].sort((x, y) => x - y);
    const pm = s.partialMoments(timeout);
    const all = s.partialMoments(Infinity);
    const below = new Float64Array(edges.length);
    const above = new Float64Array(edges.length);
    let prev = 0;
    for (let i = 0; i < edges.length; i++) {
      const f = s.cdf(edges[i]);
      const fb = Math.min(f, pm.p);
      below[i] = pm.p > 0 ? Math.max(0, fb - Math.min(prev, pm.p)) / pm.p : 0;
      above[i] = pm.p < 1 ? Math.max(0, Math.max(f, pm.p) - Math.max(prev, pm.p)) / (1 - pm.p) : 0;
      prev = Math.max(prev, f);
    }
    const bucketOf = (bounds: readonly number[], v: number) => {
      const i = bounds.findIndex((x) => v <= x);
      return i < 0 ? bounds.length : i;
    };
    const mean = pm.p > 0 ? pm.m1 / pm.p : 0;
    const pAbove = 1 - pm.p;
    const meanAbove = pAbove > 0 ? (all.m1 - pm.m1) / pAbove : 0;
    return {
      sampler,
      pTimeout: pAbove,
      cellsBelow: below,
      cellsAbove: above,
      toTraefik: Int32Array.from([...edges, Infinity], (e) => bucketOf(this.bounds, e)),
      toApp: Int32Array.from([...edges, Infinity], (e) => bucketOf(appBounds, e)),
      timeoutBucket: bucketOf(this.bounds, timeout),
      mean,
      variance: pm.p > 0 ? Math.max(0, pm.m2 / pm.p - mean * mean) : 0,
      meanAbove,
      varianceAbove: pAbove > 0 ? Math.max(0, (all.m2 - pm.m2) / pAbove - meanAbove * meanAbove) : 0,
      points: latencyPoints((u) => s.quantile(u * pm.p)),
      timeoutPoint: singlePoint(timeout),
    };
  }

  /** Spreads cell counts over a bucket layout. */
  private toBuckets(cells: Float64Array, map: Int32Array, out: Float64Array): Float64Array {
    out.fill(0);
    for (let i = 0; i < map.length; i++) out[map[i]] += cells[i];
    return out;
  }

  /** A latency sum of m draws: its normal approximation, kept non-negative. */
  private sumOf(m: number, mean: number, variance: number): number {
    return Math.max(0, m * mean + Math.sqrt(m * variance) * this.rng.normal());
  }

  /**
   * The aggregate path: status counts from a multinomial over the status
   * mix; per status, timeouts from the CDF at the timeout and bucket counts
   * from multinomials over the CDF between bounds.
   */
  private aggregate(pod: Pod, b: Behaviour, k: number, timeout: number, sinks: Sinks): void {
    const tab = this.table(pod, b, timeout);
    const q = this.queues[pod.behaviour];
    if (tab.sampler.tailP > 0) {
      // Noise (latency tail): the tail's share, drawn one by one (heavy tails have no normal sum); the body below in aggregate.
      const nTail = binomial(this.rng, k, tab.sampler.tailP);
      for (let n = 0; n < nTail; n++) {
        const latency = tab.sampler.sampleTail(this.rng);
        const status = b.drawStatusWith(this.rng);
        q.arrivals++;
        q.serviceSum += latency;
        q.serviceSq += latency * latency;
        pod.metrics?.requests.record(status, 0, latency);
        this.finishSample(status, latency, timeout);
        this.deliverOne(b, this.sStatus, this.sLatency, sinks);
      }
      k -= nTail;
      if (k === 0) return;
    }
    q.arrivals += k;
    q.serviceSum += k * tab.mean; // in expectation; only feeds the queue model
    q.serviceSq += k * (tab.variance + tab.mean * tab.mean);
    const codes = b.codes;
    const counts = this.scratch.length > codes.length ? this.scratch : new Float64Array(codes.length + 1);
    multinomial(this.rng, k, b.probabilities, counts);
    const app = pod.metrics?.requests ?? null;
    const cells = this.cells.length >= tab.toTraefik.length ? this.cells : (this.cells = new Float64Array(tab.toTraefik.length));
    const appBuckets = this.appBuckets.length >= tab.toApp.length ? this.appBuckets : (this.appBuckets = new Float64Array(tab.toApp.length));
    for (let c = 0; c <= codes.length; c++) {
      const m = counts[c];
      if (m === 0) continue;
      const code = c < codes.length ? codes[c] : 200;
      const timedOut = timeout === Infinity ? 0 : binomial(this.rng, m, tab.pTimeout);
      const below = m - timedOut;
      if (below > 0) {
        multinomial(this.rng, below, tab.cellsBelow, cells);
        const sum = this.sumOf(below, tab.mean, tab.variance);
        this.toBuckets(cells, tab.toTraefik, this.buckets);
        this.deliverMany(b, code, below, sum, tab.points, sinks);
        app?.recordMany(code, 0, below, this.toBuckets(cells, tab.toApp, appBuckets), sum);
      }
      if (timedOut > 0) {
        // The caller gives up at the timeout (504); the pod still answers later with its own status.
        this.buckets.fill(0);
        this.buckets[tab.timeoutBucket] = timedOut;
        this.deliverMany(b, 504, timedOut, timedOut * timeout, tab.timeoutPoint, sinks);
        if (app) {
          multinomial(this.rng, timedOut, tab.cellsAbove, cells);
          app.recordMany(code, 0, timedOut, this.toBuckets(cells, tab.toApp, appBuckets), timedOut * timeout + this.sumOf(timedOut, tab.meanAbove - timeout, tab.varianceAbove));
        }
      }
    }
  }

  private deliverMany(b: Behaviour, status: number, m: number, sum: number, points: LatencyPoints, sinks: Sinks): void {
    b.stats.recordMany(status, m, points);
    sinks.service?.recordMany(status, sinks.method, m, this.buckets, sum);
    sinks.entryPoint?.recordMany(status, sinks.method, m, this.buckets, sum);
    sinks.router?.recordMany(status, sinks.method, m, this.buckets, sum);
    if (sinks.stream >= 0) this.world.internals().streams[sinks.stream].stats.recordMany(status, m, points);
  }

  /**
   * The per-request path: one request's queue wait, service time and
   * dependency calls at `pod`, without events. Leaves sStatus and sLatency
   * (as the caller sees them, after its timeout).
   */
  private sample(pod: Pod, timeout: number): void {
    const { behaviours, services, pods } = this.world.internals();
    const bi = pod.behaviour;
    const b = behaviours[bi];
    const q = this.queues[bi];
    const rng = this.rng;
    const wait = q.backlog + (q.pWait > 0 && rng.uniform() < q.pWait ? rng.exponential(q.theta) : 0);
    const qt = b.app.queueTimeout;
    if (wait > qt) {
      pod.metrics?.requests.record(503, 0, qt);
      this.finishSample(503, qt, timeout);
      return;
    }
    q.arrivals++;
    const faults = this.world.faults;
    let service = b.sampler.sample(rng) * pod.speed;
    if (faults !== null) service = faults.serviceTime(bi, pod, service, this.kernel.now);
    let latency = wait + service;
    let status = 0;
    for (let d = 0; d < b.deps.length && status === 0; d++) {
      const dep = b.deps[d];
      const svc = services[dep.service];
      for (let c = 0; c < dep.calls; c++) {
        svc.requests++;
        let cs: number;
        let cl: number;
        if (svc.count === 0) {
          svc.unavailable++;
          cs = 503;
          cl = 0;
        } else {
          this.world.requestsCreated++;
          const child = pods[svc.endpoints[Math.floor(rng.uniform() * svc.count)]];
          this.sample(child, dep.timeout);
          cs = this.sStatus;
          cl = this.sLatency;
          behaviours[child.behaviour].stats.record(cs, cl);
        }
        latency += cl;
        if (cs >= 500 && (dep.propagation >= 1 || rng.uniform() < dep.propagation)) {
          status = dep.failureStatus;
          break;
        }
      }
    }
    q.serviceSum += latency - wait;
    q.serviceSq += (latency - wait) * (latency - wait);
    if (status === 0) status = faults === null ? b.drawStatusWith(rng) : faults.status(bi, b.drawStatusWith(rng), this.kernel.now);
    pod.metrics?.requests.record(status, 0, latency);
    this.finishSample(status, latency, timeout);
  }

  private finishSample(status: number, latency: number, timeout: number): void {
    if (latency > timeout) {
      this.sStatus = 504;
      this.sLatency = timeout;
    } else {
      this.sStatus = status;
      this.sLatency = latency;
    }
  }

  // ---- queueing --------------------------------------------------------------

  /** Updates each revision's queue model from the interval just ended. */
  private updateQueues(dt: number): void {
    const { behaviours, pods } = this.world.internals();
    const ready = new Float64Array(behaviours.length);
    for (const p of pods) if (p.state === POD_READY) ready[p.behaviour]++;
    // Work done in the interval keeps the pods busy (utilisation in the summary).
    for (const p of pods) if (p.state === POD_READY) p.busyArea += this.queues[p.behaviour].serviceSum / ready[p.behaviour];
    for (let i = 0; i < behaviours.length; i++) {
      const q = this.queues[i];
      if (q.arrivals === 0 || ready[i] === 0) {
        q.pWait = 0;
        q.backlog = 0;
        q.lambda = 0;
        q.arrivals = 0;
        q.serviceSum = 0;
        q.serviceSq = 0;
        q.balanced = 0;
        continue;
      }
      const c = behaviours[i].app.concurrency;
      // The load the queue sees: smoothed, so that one busy interval's noise does not read as overload.
      q.lambda += (1 - Math.exp(-dt / QUEUE_MEMORY)) * (q.arrivals / dt / ready[i] - q.lambda);
      const lambda = q.lambda;
      const s = q.serviceSum / q.arrivals;
      const mu = c / s;
      // Allen–Cunneen: scale M/M/c waits by (ca² + cs²) / 2. Round-robin over n
      // pods gives each pod every n-th arrival (Erlang-n gaps, ca² = 1/n);
      // kube-proxy's random choice leaves them Poisson (ca² = 1).
      const share = q.balanced / q.arrivals;
      const ca2 = share / ready[i] + (1 - share);
      const cs2 = Math.max(0, (q.serviceSq / q.arrivals) / (s * s) - 1);
      const factor = Math.max(0.05, (ca2 + cs2) / 2);
      if (lambda < mu) {
        q.pWait = erlangC(c, lambda * s);
        q.theta = (mu - lambda) / factor;
        q.backlog = Math.max(0, q.backlog - ((mu - lambda) * dt) / mu);
      } else {
        q.pWait = 0;
        q.backlog += ((lambda - mu) * dt) / mu;
      }
      q.arrivals = 0;
      q.serviceSum = 0;
      q.serviceSq = 0;
      q.balanced = 0;
    }
  }
}

/** Erlang C: probability that an arrival waits in M/M/c with offered load a = λ/μ1 (per server μ1). */
export function erlangC(c: number, a: number): number {
  if (a <= 0) return 0;
  if (a >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}
