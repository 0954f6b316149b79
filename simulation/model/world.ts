import type { Kernel } from '../kernel/kernel';
import type { RandomStreams, Rng } from '../kernel/random';
import { ArrivalProcess } from '../traffic/arrivals';
import { drawRandomBursts, RateProfile } from '../traffic/profile';
import { Sampler } from './distributions';
import { Ar1, drawPodSpeed, nextGap, uniformIn } from './noise';
import { type AppSpec, type BehaviourSpec, qualified, selectsWorkload, type Version, type WorldSpec } from './spec';
import { OutcomeStats, type OutcomeSummary } from './stats';
import { grown } from '../util/typed';
import { TraefikProxy, type ProxyUpstream } from '../routing/traefik';
import { AppMetrics } from '../telemetry/app-metrics';
import type { ScrapeTarget } from '../telemetry/scraper';
import { sha256Hex } from '../util/sha256';

/** Pod lifecycle states. */
export const POD_STARTING = 0;
export const POD_READY = 1;
export const POD_TERMINATING = 2;
export const POD_CRASHED = 3;
export const POD_GONE = 4;
export const POD_STATE_NAMES = ['starting', 'ready', 'terminating', 'crashed', 'gone'] as const;
export type PodStateName = (typeof POD_STATE_NAMES)[number];

/** Request slot states. */
const R_FREE = 0;
const R_QUEUED = 1;
const R_RUNNING = 2;
const R_WAITING = 3;
const R_EXPIRED = 4;
/** A call a network fault holds: delayed before it reaches the Service, or hanging (no answer ever comes). */
const R_HELD = 5;

/**
 * What a fault does to one in-cluster call (`RequestFaults.call` fills it in).
 * `pass`: nothing; `fail`: the caller gets `status` after `after` seconds;
 * `hang`: no answer (the caller's timeout ends it); `delay`: the call reaches
 * the Service `after` seconds late.
 */
export interface CallFault {
  action: 'pass' | 'fail' | 'hang' | 'delay';
  status: number;
  after: number;
}

/**
 * The fault hooks on the request path (simulation/faults implements them).
 * Called only when faults are present; each must be cheap.
 */
export interface RequestFaults {
  /** Service time of a request starting on `pod` (behaviour index `b`), given the revision's draw. */
  serviceTime(b: number, pod: Pod, base: number, now: number): number;
  /** The status a request finishing on a pod of behaviour `b` answers, given the revision's draw. */
  status(b: number, drawn: number, now: number): number;
  /** An in-cluster call from behaviour `from` (-1: a traffic stream or load generator) to Service `to`; fills `out`. */
  call(from: number, to: number, now: number, out: CallFault): void;
  /** Whether requests on behaviour `b` may be changed now (fast mode then draws them one by one through these hooks). */
  touches(b: number): boolean;
}

/** Status codes the simulator itself produces. */
export const STATUS_OK = 200;
export const STATUS_BAD_GATEWAY = 502; // connection to the pod lost (crash, kill)
export const STATUS_UNAVAILABLE = 503; // no ready endpoint, or queue timeout
export const STATUS_GATEWAY_TIMEOUT = 504; // the caller's timeout elapsed

export class Pod {
  state = POD_STARTING;
  gen = 0;
  busy = 0;
  queue = new Int32Array(16);
  qHead = 0;
  qLen = 0;
  lastChange = 0;
  busyArea = 0;
  readySince = -1;
  readySeconds = 0;
  restarts = 0;
  /** The pod template revision of its workload the pod was created from. */
  revision = 0;
  /** Noise (podVariation, slowPods): every service time on this pod is multiplied by this; 1 without them. */
  speed = 1;
  /** The container's own /metrics (the app's), and its scrape target handle. */
  metrics: AppMetrics | null = null;
  scrapeTarget: ScrapeTarget | null = null;
  scrapeHandle = -1;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly workload: number,
    readonly behaviour: number,
    readonly concurrency: number,
    readonly createdAt: number,
  ) {
    this.lastChange = createdAt;
  }

  enqueue(slot: number): void {
    if (this.qLen === this.queue.length) {
      const bigger = new Int32Array(this.queue.length * 2);
      for (let i = 0; i < this.qLen; i++) bigger[i] = this.queue[(this.qHead + i) % this.queue.length];
      this.queue = bigger;
      this.qHead = 0;
    }
    this.queue[(this.qHead + this.qLen) % this.queue.length] = slot;
    this.qLen++;
  }

  dequeue(): number {
    const slot = this.queue[this.qHead];
    this.qHead = (this.qHead + 1) % this.queue.length;
    this.qLen--;
    return slot;
  }

  /** Integrates busy workers over time; call before every change of `busy`. */
  account(now: number): void {
    this.busyArea += this.busy * (now - this.lastChange);
    this.lastChange = now;
  }

  readyTime(now: number): number {
    return this.readySeconds + (this.readySince >= 0 ? now - this.readySince : 0);
  }
}

export interface Dependency {
  service: number;
  calls: number;
  timeout: number;
  propagation: number;
  failureStatus: number;
}

/** One revision of one app at run time. */
export class Behaviour {
  readonly sampler: Sampler;
  readonly latencyRng: Rng;
  readonly statusRng: Rng;
  readonly propagationRng: Rng;
  readonly codes: Int32Array;
  readonly cumulative: Float64Array;
  /** Probability of each non-200 code (the rest is 200). */
  readonly probabilities: Float64Array;
  deps: Dependency[] = [];
  readonly stats = new OutcomeStats();
  queueWaitSum = 0;
  started = 0;
  /** Ever had pods or requests: reported in results. */
  used = false;

  // ---- noise (docs/noise.md); all null / unused when the revision has none ----
  /** Draws each new pod's speed factor (podVariation, slowPods). */
  readonly podRng: Rng | null = null;
  /** The error drift's AR(1) process and the error bursts' stream. */
  readonly drift: Ar1 | null = null;
  readonly burstRng: Rng | null = null;
  /** Error bursts: the current window ends at this time (-Infinity: none active). */
  burstUntil = -Infinity;
  /** The stated status probabilities, which the drift and bursts scale (5xx codes only). */
  private readonly baseProbabilities: Float64Array;

  constructor(
    readonly app: AppSpec,
    readonly version: Version,
    readonly spec: BehaviourSpec,
    streams: RandomStreams,
  ) {
    this.sampler = new Sampler(spec.latency);
    const key = `app/${app.name}/${version}`;
    this.latencyRng = streams.stream(`${key}/latency`);
    this.statusRng = streams.stream(`${key}/status`);
    this.propagationRng = streams.stream(`${key}/propagation`);
    // Error bursts need a 5xx code to raise: a revision without one gets 500 at probability 0.
    const codes = spec.errorBursts && !spec.statusCodes.some((s) => s.code >= 500) ? [...spec.statusCodes, { code: 500, probability: 0 }] : spec.statusCodes;
    this.codes = Int32Array.from(codes, (s) => s.code);
    this.probabilities = Float64Array.from(codes, (s) => s.probability);
    this.baseProbabilities = Float64Array.from(this.probabilities);
    let acc = 0;
    this.cumulative = Float64Array.from(codes, (s) => (acc += s.probability));
    // Noise streams exist only for the models the revision has (new names: other draws are unchanged).
    if ((spec.podVariation ?? 0) > 0 || spec.slowPods) this.podRng = streams.stream(`${key}/pod-speed`);
    if (spec.errorDrift && spec.errorDrift.sigma > 0) this.drift = new Ar1(spec.errorDrift.sigma, spec.errorDrift.phi, streams.stream(`${key}/error-drift`));
    if (spec.errorBursts && spec.errorBursts.ratePerHour > 0) this.burstRng = streams.stream(`${key}/error-bursts`);
    if (this.drift) this.applyErrorNoise(-Infinity);
  }

  /** A new pod's speed factor (1 without podVariation or slowPods). */
  podSpeed(): number {
    return this.podRng === null ? 1 : drawPodSpeed(this.podRng, this.spec.podVariation ?? 0, this.spec.slowPods ?? null);
  }

  /**
   * Sets the status probabilities from the noise state at `now`: each 5xx
   * probability times the drift factor; during an error burst, the 5xx
   * total is the burst's probability (split as the stated 5xx codes are);
   * the 5xx share is capped so that all codes add up to at most 1.
   */
  applyErrorNoise(now: number): void {
    const n = this.codes.length;
    const factor = this.drift ? this.drift.factor() : 1;
    let base5xx = 0;
    let other = 0;
    for (let i = 0; i < n; i++) {
      if (this.codes[i] >= 500) base5xx += this.baseProbabilities[i];
      else other += this.baseProbabilities[i];
    }
    let total5xx = base5xx * factor;
    if (this.spec.errorBursts && now < this.burstUntil) total5xx = this.spec.errorBursts.probability;
    total5xx = Math.min(total5xx, 1 - other);
    let count5xx = 0;
    for (let i = 0; i < n; i++) if (this.codes[i] >= 500) count5xx++;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      let p = this.baseProbabilities[i];
      if (this.codes[i] >= 500) p = base5xx > 0 ? (total5xx * p) / base5xx : total5xx / count5xx;
      this.probabilities[i] = p;
      this.cumulative[i] = acc += p;
    }
  }

  drawStatus(): number {
    return this.drawStatusWith(this.statusRng);
  }

  drawStatusWith(rng: Rng): number {
    const n = this.codes.length;
    if (n === 0) return STATUS_OK;
    const u = rng.uniform();
    for (let i = 0; i < n; i++) if (u < this.cumulative[i]) return this.codes[i];
    return STATUS_OK;
  }
}

export class K8sService {
  endpoints = new Int32Array(8);
  count = 0;
  rr = 0;
  requests = 0;
  unavailable = 0;
  constructor(
    readonly key: string,
    readonly workloads: number[],
    readonly rng: Rng,
  ) {}
}

export class Workload {
  pods: number[] = [];
  desired: number;
  /** The pod template's revision: pods of an older one belong to an old ReplicaSet. */
  revision = 0;
  /** The ReplicaSet's pod-template-hash in pod names. */
  templateHash: string;
  /** When the Deployment last made progress (a rollout or scale started, a new pod became ready), seconds. */
  lastProgress = 0;
  constructor(
    readonly name: string,
    readonly namespace: string,
    /** The behaviour (revision) the pod template runs. */
    public behaviour: number,
    readonly app: AppSpec,
    replicas: number,
    readonly services: number[],
    readonly labels: Readonly<Record<string, string>>,
    version: Version,
  ) {
    this.desired = replicas;
    this.templateHash = Workload.hashOf(namespace, name, version);
  }

  static hashOf(namespace: string, name: string, version: Version): string {
    return kubernetesSafe(sha256Hex(`${namespace}/${name}/${version}`), 10);
  }
}

/**
 * A Deployment's readiness as Flagger judges it (flagger.md §4.R): ready, or
 * the reason it is not and whether waiting can help.
 */
export type DeploymentReadiness = { ready: true } | { ready: false; reason: string; retriable: boolean };

/** Kubernetes' alphabet for generated name parts (no vowels, no look-alikes). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** n characters of Kubernetes' safe alphabet from hex digits. */
function kubernetesSafe(hex: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += SAFE[parseInt(hex.slice(2 * i, 2 * i + 2), 16) % SAFE.length];
  return out;
}

/** Where pods with /metrics become Prometheus scrape targets (service discovery). */
export interface PodTargets {
  add(target: ScrapeTarget): number;
  remove(handle: number): void;
}

export class Stream {
  readonly stats = new OutcomeStats();
  constructor(
    readonly name: string,
    readonly process: ArrivalProcess,
    /** Kubernetes Service called directly, or -1 when the stream comes in through Traefik. */
    readonly service: number,
    readonly timeout: number,
    /** Draws the client of each request (Traefik streams). */
    readonly clientRng: Rng | null,
  ) {}
}

/** A load generator's runs; `gen` invalidates a pending arrival when a run starts. */
interface LoadState {
  runs: Array<{ start: number; end: number; rate: number }>;
  gen: number;
  rng: Rng;
}

/** Marks a request slot whose caller is Traefik: rParent = PROXY_PARENT - proxySlot. */
const PROXY_PARENT = -2;

export interface SeriesPoint {
  t: number;
  /** Cumulative responses per series key (see World.seriesKeys). */
  requests: number[];
  /** Cumulative 5xx responses per series key. */
  errors: number[];
  /** Requests in pods (queued or in progress) per series key. */
  inflight: number[];
  /** Ready pods per series key. */
  readyPods: number[];
}

export interface VersionSummary extends OutcomeSummary {
  queueWait: { mean: number | null };
  utilisation: number | null;
  pods: Record<PodStateName, number>;
  restarts: number;
}

export interface WorldSummary {
  services: Record<string, Partial<Record<Version, VersionSummary>>>;
  streams: Record<string, OutcomeSummary>;
  kubernetesServices: Record<string, { requests: number; unavailable: number }>;
}

/**
 * The simulated system in exact mode: every request is simulated through
 * its Service, a pod's FIFO queue and workers, its service time and its
 * dependency calls. All state lives in typed arrays and preallocated objects;
 * the per-request path allocates nothing once warmed up.
 */
export class World implements ProxyUpstream {
  private readonly pods: Pod[] = [];
  private readonly behaviours: Behaviour[] = [];
  private readonly workloads: Workload[] = [];
  private readonly services: K8sService[] = [];
  private readonly streams: Stream[] = [];
  private readonly serviceIndex = new Map<string, number>();

  // Request slots.
  private cap = 0;
  private rStart = new Float64Array(0);
  private rEnq = new Float64Array(0);
  private rParent = new Int32Array(0);
  private rParentGen = new Int32Array(0);
  private rStream = new Int32Array(0);
  private rPod = new Int32Array(0);
  private rState = new Int8Array(0);
  private rResponded = new Int8Array(0);
  private rGen = new Int32Array(0);
  private rDep = new Int32Array(0);
  private rCall = new Int32Array(0);
  private rService = new Int32Array(0);
  private freeList = new Int32Array(0);
  private freeTop = 0;
  /** Requests created so far (external and dependency calls). */
  requestsCreated = 0;

  private readonly evArrival: number;
  private readonly evWorkDone: number;
  private readonly evQueueTimeout: number;
  private readonly evCallTimeout: number;
  private readonly evPodReady: number;
  private readonly evPodRestart: number;
  private readonly evPodKill: number;
  private readonly evScale: number;
  private readonly evRecord: number;

  readonly series: SeriesPoint[] = [];
  readonly seriesKeys: ReadonlyArray<{ app: string; version: Version }>;
  private readonly nameRng: Rng;
  /** Traefik, when the scenario routes traffic through it. */
  readonly proxy: TraefikProxy | null = null;

  /** Fault hooks on the request path; null when no fault is scheduled (the fast path). */
  faults: RequestFaults | null = null;
  private readonly callFault: CallFault = { action: 'pass', status: 0, after: 0 };

  /** Called before anything that changes where requests go (fast mode settles its traffic first). */
  beforeChange: (() => void) | null = null;

  // ---- fault hooks (simulation/faults/pods.ts, observability.ts); all null without such faults ----
  /** Pod faults: a container (re)started on `pod` (a new pod's first container, or a restart after a crash). */
  containerStarted: ((pod: Pod) => void) | null = null;
  /** Pod faults (scale-down): maps the replicas a scale asks for to the replicas applied. */
  scaleGuard: ((workloadName: string, replicas: number) => number) | null = null;
  /** Traffic faults (a dip): whether a stream's arrival is kept (false: thinned away). */
  arrivalFilter: ((streamIndex: number) => boolean) | null = null;

  constructor(
    readonly spec: WorldSpec,
    private readonly kernel: Kernel,
    rng: RandomStreams,
    /** 'events': every request is simulated; 'none': no arrivals (fast mode draws traffic in aggregate). */
    private readonly trafficMode: 'events' | 'none' = 'events',
    /** Prometheus' service discovery of pods that export metrics. */
    private readonly podTargets: PodTargets | null = null,
  ) {
    // Slots are made at the first request and double as needed (new ones are taken lowest first, so the slots
    // used do not depend on these sizes); fast mode's aggregated traffic may never need one.
    this.nameRng = rng.stream('pods/names');
    this.evArrival = kernel.register('arrival', (s) => this.onArrival(s));
    this.evWorkDone = kernel.register('work-done', (slot, gen) => this.onWorkDone(slot, gen));
    this.evQueueTimeout = kernel.register('queue-timeout', (slot, gen) => this.onQueueTimeout(slot, gen));
    this.evCallTimeout = kernel.register('call-timeout', (slot, gen) => this.onCallTimeout(slot, gen));
    this.evPodReady = kernel.register('pod-ready', (pod, gen) => this.onPodReady(pod, gen));
    this.evPodRestart = kernel.register('pod-restart', (pod, gen) => this.onPodRestart(pod, gen));
    this.evPodKill = kernel.register('pod-kill', (pod, gen) => this.onPodKill(pod, gen));
    this.evScale = kernel.register('scale', (i) => this.onScale(i));
    this.evRecord = kernel.register('record', () => this.onRecord());
    this.evLoadArrival = kernel.register('load-arrival', (i, gen) => this.onLoadArrival(i, gen));
    this.evHeldCall = kernel.register('held-call', (slot, gen) => this.onHeldCall(slot, gen));
    this.evErrorDrift = kernel.register('error-drift', (b) => this.onErrorDrift(b));
    this.evErrorBurst = kernel.register('error-burst', (b, end) => this.onErrorBurst(b, end));

    const appByName = new Map(spec.apps.map((a) => [a.name, a]));
    const behaviourIndex = new Map<string, number>();
    for (const app of spec.apps) {
      for (const version of ['primary', 'canary'] as const) {
        behaviourIndex.set(`${app.name}/${version}`, this.behaviours.length);
        this.behaviours.push(new Behaviour(app, version, app[version], rng));
      }
    }
    this.seriesKeys = this.behaviours.map((b) => ({ app: b.app.name, version: b.version }));

    for (const svc of spec.services) {
      const matched: number[] = [];
      spec.workloads.forEach((w, i) => {
        if (selectsWorkload(svc, w)) matched.push(i);
      });
      const key = qualified(svc.namespace, svc.name);
      this.serviceIndex.set(key, this.services.length);
      this.services.push(new K8sService(key, matched, rng.stream(`kube-proxy/${key}`)));
    }
    for (const w of spec.workloads) {
      const app = appByName.get(w.app);
      if (!app) throw new Error(`workload ${w.name}: unknown app ${w.app}`);
      const services: number[] = [];
      this.services.forEach((s, i) => {
        if (s.workloads.includes(this.workloads.length)) services.push(i);
      });
      const b = behaviourIndex.get(`${w.app}/${w.version}`) as number;
      this.workloads.push(new Workload(w.name, w.namespace, b, app, w.replicas, services, w.labels, w.version));
    }
    for (const b of this.behaviours) {
      b.deps = b.spec.dependencies.map((d) => ({
        service: this.requireService(d.service),
        calls: d.calls,
        timeout: d.timeout,
        propagation: d.failurePropagation,
        failureStatus: d.failureStatus,
      }));
    }
    for (const s of spec.streams) {
      // Random bursts (noise) are drawn once per run from their own stream.
      const profile = new RateProfile(s.rate, s.rate.randomBursts ? drawRandomBursts(s.rate.randomBursts, rng.stream(`traffic/${s.name}/random-bursts`)) : []);
      const process = new ArrivalProcess(
        profile,
        rng.stream(`traffic/${s.name}/arrivals`),
        s.overdispersion,
        s.overdispersion ? rng.stream(`traffic/${s.name}/dispersion`) : null,
      );
      const viaProxy = s.ingress !== null;
      this.streams.push(new Stream(s.name, process, viaProxy ? -1 : this.requireService(s.target as string), s.timeout, viaProxy ? rng.stream(`traffic/${s.name}/clients`) : null));
      this.loads.push(s.loadTest ? { runs: [], gen: 0, rng: rng.stream(`traffic/${s.name}/load`) } : null);
    }

    // Initial state: the starting replicas are ready at time zero.
    this.workloads.forEach((w, i) => {
      for (let k = 0; k < w.desired; k++) this.createPod(i, true);
    });
    for (let i = 0; i < this.services.length; i++) this.rebuildEndpoints(i);
    if (spec.traefik) {
      const ingress = spec.streams.flatMap((s, i) => (s.ingress ? [{ i, s, ing: s.ingress }] : []));
      this.proxyStreamOf = new Int32Array(spec.streams.length).fill(-1);
      ingress.forEach(({ i }, k) => (this.proxyStreamOf[i] = k));
      this.proxy = new TraefikProxy(
        spec.traefik,
        ingress.map(({ s, ing }) => ({ name: s.name, entryPoint: ing.entryPoint, request: ing.request, timeout: s.timeout, requestBytes: ing.requestBytes, clients: ing.clients })),
        this,
        kernel,
        rng,
        spec.scrape.startMs / 1000,
      );
      this.streamOfProxy = Int32Array.from(ingress, ({ i }) => i);
    }
    spec.scaleEvents.forEach((e, i) => kernel.at(e.at, this.evScale, i));
    // Noise: error drift steps and error bursts (no events without them).
    this.behaviours.forEach((b, i) => {
      if (b.drift) kernel.at((b.spec.errorDrift as { interval: number }).interval, this.evErrorDrift, i);
      if (b.burstRng) {
        const t = nextGap((b.spec.errorBursts as { ratePerHour: number }).ratePerHour, b.burstRng);
        if (t !== Infinity) kernel.at(t, this.evErrorBurst, i, 0);
      }
    });
    if (trafficMode === 'events') {
      this.streams.forEach((s, i) => {
        const t = s.process.next();
        if (t !== Infinity) kernel.at(t, this.evArrival, i);
      });
    }
    this.onRecord();
  }

  private readonly evErrorDrift: number;
  private readonly evErrorBurst: number;

  /** Noise: the error drift of behaviour `bi` takes its next step. */
  private onErrorDrift(bi: number): void {
    const b = this.behaviours[bi];
    const drift = b.drift as Ar1;
    // Fast mode draws the traffic so far with the old probabilities first.
    this.beforeChange?.();
    drift.step();
    b.applyErrorNoise(this.kernel.now);
    this.kernel.at(this.kernel.now + (b.spec.errorDrift as { interval: number }).interval, this.evErrorDrift, bi);
  }

  /** Noise: an error burst of behaviour `bi` starts (end = 0: and the next one is scheduled) or may end (end = 1). */
  private onErrorBurst(bi: number, end: number): void {
    const b = this.behaviours[bi];
    const spec = b.spec.errorBursts as NonNullable<BehaviourSpec['errorBursts']>;
    const rng = b.burstRng as Rng;
    const now = this.kernel.now;
    this.beforeChange?.();
    if (end === 1) {
      if (now >= b.burstUntil) b.applyErrorNoise(now);
      return;
    }
    const until = now + uniformIn(spec.duration, rng);
    if (until > b.burstUntil) {
      b.burstUntil = until;
      this.kernel.at(until, this.evErrorBurst, bi, 1);
    }
    b.applyErrorNoise(now);
    this.kernel.at(now + nextGap(spec.ratePerHour, rng), this.evErrorBurst, bi, 0);
  }

  /** Index of each stream among Traefik's streams (-1: in-cluster), and back. */
  private proxyStreamOf = new Int32Array(0);
  private streamOfProxy = new Int32Array(0);

  private requireService(key: string): number {
    const i = this.serviceIndex.get(key);
    if (i === undefined) throw new Error(`unknown Service ${key}`);
    return i;
  }

  // ---- request slots -------------------------------------------------------

  private growSlots(n: number): void {
    const old = this.cap;
    this.rStart = grown(this.rStart, n);
    this.rEnq = grown(this.rEnq, n);
    this.rParent = grown(this.rParent, n);
    this.rParentGen = grown(this.rParentGen, n);
    this.rStream = grown(this.rStream, n);
    this.rPod = grown(this.rPod, n);
    this.rState = grown(this.rState, n);
    this.rResponded = grown(this.rResponded, n);
    this.rGen = grown(this.rGen, n);
    this.rDep = grown(this.rDep, n);
    this.rCall = grown(this.rCall, n);
    this.rService = grown(this.rService, n);
    this.rHeld = grown(this.rHeld, n);
    const fl = new Int32Array(n);
    fl.set(this.freeList.subarray(0, this.freeTop));
    // New slots go on the free list so the lowest index is used first.
    for (let s = n - 1; s >= old; s--) fl[this.freeTop++] = s;
    this.freeList = fl;
    this.cap = n;
  }

  private allocSlot(): number {
    if (this.freeTop === 0) this.growSlots(Math.max(64, this.cap * 2));
    return this.freeList[--this.freeTop];
  }

  private freeSlot(slot: number): void {
    this.rState[slot] = R_FREE;
    this.rGen[slot]++;
    this.freeList[this.freeTop++] = slot;
  }

  // ---- request path --------------------------------------------------------

  /**
   * Starts a load generator's run now: Poisson arrivals at `rate` per second
   * for `duration` seconds. Like Flagger's load tester, a run that is still
   * going is not started twice: false then.
   */
  startLoad(streamIndex: number, rate: number, duration: number): boolean {
    const load = this.loads[streamIndex];
    if (!load) throw new Error(`stream ${this.streams[streamIndex]?.name} is not a load generator`);
    const now = this.kernel.now;
    const last = load.runs.at(-1);
    if (last && last.end > now) return false;
    this.beforeChange?.();
    load.runs.push({ start: now, end: now + duration, rate });
    load.gen++;
    if (this.trafficMode === 'events') this.nextLoadArrival(streamIndex, now);
    return true;
  }

  /** Expected arrivals of a load generator in [t0, t1) (fast mode draws them in aggregate). */
  loadExpected(streamIndex: number, t0: number, t1: number): number {
    let n = 0;
    for (const r of this.loads[streamIndex]?.runs ?? []) n += r.rate * Math.max(0, Math.min(t1, r.end) - Math.max(t0, r.start));
    return n;
  }

  private nextLoadArrival(streamIndex: number, from: number): void {
    const load = this.loads[streamIndex] as LoadState;
    const run = load.runs[load.runs.length - 1];
    const t = from + load.rng.exponential(run.rate);
    if (t < run.end) this.kernel.at(t, this.evLoadArrival, streamIndex, load.gen);
  }

  private onLoadArrival(streamIndex: number, gen: number): void {
    const load = this.loads[streamIndex] as LoadState;
    if (load.gen !== gen) return;
    this.arrive(streamIndex);
    this.nextLoadArrival(streamIndex, this.kernel.now);
  }

  /** A stream's request enters: through Traefik, or in-cluster to its Service. */
  private arrive(streamIndex: number): void {
    const stream = this.streams[streamIndex];
    if (stream.clientRng !== null) (this.proxy as TraefikProxy).arrive(this.proxyStreamOf[streamIndex], stream.clientRng.uniform());
    else this.send(stream.service, -1, streamIndex, stream.timeout, true);
  }

  private onArrival(streamIndex: number): void {
    const stream = this.streams[streamIndex];
    // Fault hook (traffic dip): the arrival is drawn as always, then maybe thinned away.
    if (this.arrivalFilter === null || this.arrivalFilter(streamIndex)) this.arrive(streamIndex);
    const t = stream.process.next();
    if (t !== Infinity) this.kernel.at(t, this.evArrival, streamIndex);
  }

  private newSlot(parent: number, parentGen: number, streamIndex: number, serviceIndex: number): number {
    const slot = this.allocSlot();
    this.requestsCreated++;
    this.rStart[slot] = this.kernel.now;
    this.rParent[slot] = parent;
    this.rParentGen[slot] = parentGen;
    this.rStream[slot] = streamIndex;
    this.rResponded[slot] = 0;
    this.rDep[slot] = 0;
    this.rCall[slot] = 0;
    this.rService[slot] = serviceIndex;
    return slot;
  }

  /**
   * Sends a request to a Service through kube-proxy: in-cluster calls
   * (dependencies, in-cluster streams) pick a ready endpoint at random
   * (`random`) or in rotation.
   */
  private send(serviceIndex: number, parent: number, streamIndex: number, timeout: number, random: boolean): void {
    const slot = this.newSlot(parent, parent >= 0 ? this.rGen[parent] : 0, streamIndex, serviceIndex);
    if (this.faults !== null) {
      const f = this.callFault;
      f.action = 'pass';
      this.faults.call(parent >= 0 ? this.pods[this.rPod[parent]].behaviour : -1, serviceIndex, this.kernel.now, f);
      if (f.action !== 'pass') {
        this.holdCall(slot, f, timeout);
        return;
      }
    }
    this.route(slot, serviceIndex, timeout, random);
  }

  /** A fault holds a call: it fails (at once or later), hangs, or reaches its Service late. */
  private holdCall(slot: number, f: CallFault, timeout: number): void {
    const now = this.kernel.now;
    this.rPod[slot] = -1;
    if (f.action === 'fail' && f.after <= 0) {
      this.respond(slot, f.status);
      this.freeSlot(slot);
      return;
    }
    this.rState[slot] = R_HELD;
    this.rHeld[slot] = f.action === 'fail' ? f.status : f.action === 'delay' ? 0 : -1;
    if (timeout !== Infinity) this.kernel.at(now + timeout, this.evCallTimeout, slot, this.rGen[slot]);
    if (f.action !== 'hang') this.kernel.at(now + f.after, this.evHeldCall, slot, this.rGen[slot]);
  }

  private onHeldCall(slot: number, gen: number): void {
    if (this.rGen[slot] !== gen || this.rState[slot] !== R_HELD) return;
    if (this.rResponded[slot] !== 0) {
      // The caller gave up meanwhile: nothing left to do.
      this.freeSlot(slot);
      return;
    }
    const held = this.rHeld[slot];
    if (held > 0) {
      this.respond(slot, held);
      this.freeSlot(slot);
      return;
    }
    // A delayed call reaches its Service now, with what is left of the caller's timeout.
    this.route(slot, this.rService[slot], Infinity, true);
  }

  /** kube-proxy: a ready endpoint of the Service, or 503 when it has none. */
  private route(slot: number, serviceIndex: number, timeout: number, random: boolean): void {
    const svc = this.services[serviceIndex];
    svc.requests++;
    if (svc.count === 0) {
      svc.unavailable++;
      this.rPod[slot] = -1;
      this.respond(slot, STATUS_UNAVAILABLE);
      this.freeSlot(slot);
      return;
    }
    let e: number;
    if (svc.count === 1) e = 0;
    else if (random) e = Math.floor(svc.rng.uniform() * svc.count);
    else {
      e = svc.rr % svc.count;
      svc.rr = e + 1;
    }
    this.toPod(slot, this.pods[svc.endpoints[e]], timeout);
  }

  /** Traefik sends an attempt to a pod: refused unless the pod is running (ready or draining). */
  dispatch(podId: number, proxySlot: number, proxyGen: number, timeout: number): boolean {
    const pod = this.pods[podId];
    if (pod.state !== POD_READY && pod.state !== POD_TERMINATING) return false;
    const slot = this.newSlot(PROXY_PARENT - proxySlot, proxyGen, -1, -1);
    this.toPod(slot, pod, timeout);
    return true;
  }

  endpoints(service: string): { ready: number[]; terminating: number[] } {
    const svc = this.services[this.requireService(service)];
    const ready: number[] = [];
    const terminating: number[] = [];
    for (const wi of svc.workloads) {
      for (const p of this.workloads[wi].pods) {
        const st = this.pods[p].state;
        if (st === POD_READY) ready.push(p);
        else if (st === POD_TERMINATING) terminating.push(p);
      }
    }
    return { ready, terminating };
  }

  clientResponded(proxyStream: number, status: number, latency: number): void {
    this.streams[this.streamOfProxy[proxyStream]].stats.record(status, latency);
  }

  private toPod(slot: number, pod: Pod, timeout: number): void {
    const now = this.kernel.now;
    this.rPod[slot] = pod.id;
    if (timeout !== Infinity) this.kernel.at(now + timeout, this.evCallTimeout, slot, this.rGen[slot]);
    if (pod.busy < pod.concurrency) this.start(pod, slot);
    else {
      this.rState[slot] = R_QUEUED;
      this.rEnq[slot] = now;
      pod.enqueue(slot);
      const qt = this.behaviours[pod.behaviour].app.queueTimeout;
      if (qt !== Infinity) this.kernel.at(now + qt, this.evQueueTimeout, slot, this.rGen[slot]);
    }
  }

  private start(pod: Pod, slot: number): void {
    const now = this.kernel.now;
    pod.account(now);
    pod.busy++;
    const b = this.behaviours[pod.behaviour];
    b.started++;
    if (this.rState[slot] === R_QUEUED) b.queueWaitSum += now - this.rEnq[slot];
    this.rState[slot] = R_RUNNING;
    // pod.speed is 1 without podVariation/slowPods (x × 1 is x exactly).
    let serviceTime = b.sampler.sample(b.latencyRng) * pod.speed;
    if (this.faults !== null) serviceTime = this.faults.serviceTime(pod.behaviour, pod, serviceTime, now);
    this.kernel.at(now + serviceTime, this.evWorkDone, slot, this.rGen[slot]);
  }

  private onWorkDone(slot: number, gen: number): void {
    if (this.rGen[slot] !== gen || this.rState[slot] !== R_RUNNING) return;
    this.nextCall(slot);
  }

  /** Makes the next dependency call, or finishes the request. */
  private nextCall(slot: number): void {
    const pod = this.pods[this.rPod[slot]];
    const b = this.behaviours[pod.behaviour];
    const deps = b.deps;
    let d = this.rDep[slot];
    while (d < deps.length && this.rCall[slot] >= deps[d].calls) {
      d++;
      this.rCall[slot] = 0;
    }
    this.rDep[slot] = d;
    if (d >= deps.length) {
      const drawn = b.drawStatus();
      this.finish(slot, this.faults === null ? drawn : this.faults.status(pod.behaviour, drawn, this.kernel.now));
      return;
    }
    this.rCall[slot]++;
    this.rState[slot] = R_WAITING;
    this.send(deps[d].service, slot, -1, deps[d].timeout, true);
  }

  /** A dependency call made by `parent` got its response. */
  private childResponded(parent: number, parentGen: number, status: number): void {
    if (this.rGen[parent] !== parentGen || this.rState[parent] !== R_WAITING) return;
    if (status >= 500) {
      const b = this.behaviours[this.pods[this.rPod[parent]].behaviour];
      const dep = b.deps[this.rDep[parent]];
      if (dep.propagation >= 1 || b.propagationRng.uniform() < dep.propagation) {
        this.finish(parent, dep.failureStatus);
        return;
      }
    }
    this.rState[parent] = R_RUNNING;
    this.nextCall(parent);
  }

  /** The pod is done with the request: free its worker, answer, release the slot. */
  private finish(slot: number, status: number): void {
    const pod = this.pods[this.rPod[slot]];
    pod.metrics?.requests.record(status, 0, this.kernel.now - this.rStart[slot]);
    this.releaseWorker(pod);
    if (this.rResponded[slot] === 0) this.respond(slot, status);
    this.freeSlot(slot);
    this.afterRelease(pod);
  }

  private releaseWorker(pod: Pod): void {
    pod.account(this.kernel.now);
    pod.busy--;
    while (pod.qLen > 0 && pod.busy < pod.concurrency) {
      const next = pod.dequeue();
      if (this.rState[next] === R_EXPIRED) this.freeSlot(next);
      else this.start(pod, next);
    }
  }

  private afterRelease(pod: Pod): void {
    if (pod.state === POD_TERMINATING && pod.busy === 0 && pod.qLen === 0) this.podGone(pod);
  }

  /** The caller receives its response now. */
  private respond(slot: number, status: number): void {
    this.rResponded[slot] = 1;
    const latency = this.kernel.now - this.rStart[slot];
    const podId = this.rPod[slot];
    if (podId >= 0) this.behaviours[this.pods[podId].behaviour].stats.record(status, latency);
    const parent = this.rParent[slot];
    if (parent >= 0) this.childResponded(parent, this.rParentGen[slot], status);
    else if (parent <= PROXY_PARENT) (this.proxy as TraefikProxy).upstreamResponded(PROXY_PARENT - parent, this.rParentGen[slot], status);
    else this.streams[this.rStream[slot]].stats.record(status, latency);
  }

  private onQueueTimeout(slot: number, gen: number): void {
    if (this.rGen[slot] !== gen || this.rState[slot] !== R_QUEUED) return;
    this.rState[slot] = R_EXPIRED;
    this.pods[this.rPod[slot]].metrics?.requests.record(STATUS_UNAVAILABLE, 0, this.kernel.now - this.rStart[slot]);
    if (this.rResponded[slot] === 0) this.respond(slot, STATUS_UNAVAILABLE);
  }

  private onCallTimeout(slot: number, gen: number): void {
    if (this.rGen[slot] !== gen || this.rResponded[slot] !== 0) return;
    this.respond(slot, STATUS_GATEWAY_TIMEOUT);
    // A hanging call has nothing else to finish it.
    if (this.rState[slot] === R_HELD && this.rHeld[slot] < 0) this.freeSlot(slot);
  }

  // ---- pods ----------------------------------------------------------------

  private createPod(workloadIndex: number, readyNow: boolean): Pod {
    const w = this.workloads[workloadIndex];
    const now = this.kernel.now;
    // Named as the ReplicaSet names pods: <deployment>-<pod-template-hash>-<5 random characters>.
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += SAFE[Math.floor(this.nameRng.uniform() * SAFE.length)];
    const pod = new Pod(this.pods.length, `${w.name}-${w.templateHash}-${suffix}`, workloadIndex, w.behaviour, w.app.concurrency, now);
    pod.revision = w.revision;
    // Noise: the pod's speed factor, drawn when it is created (kept across container restarts: it is the node's).
    const beh = this.behaviours[w.behaviour];
    if (beh.podRng !== null) pod.speed = beh.podSpeed();
    this.pods.push(pod);
    w.pods.push(pod.id);
    if (w.app.metrics && this.podTargets) {
      pod.metrics = new AppMetrics(w.app.metrics);
      const labels: Record<string, string> = {};
      // The kubernetes-pods job's relabelling: every pod label (labelmap), then namespace and pod, in both naming conventions.
      for (const [k, v] of Object.entries(w.labels)) labels[k.replace(/[^a-zA-Z0-9_]/g, '_')] = v;
      Object.assign(labels, { namespace: w.namespace, pod: pod.name, kubernetes_namespace: w.namespace, kubernetes_pod_name: pod.name });
      pod.scrapeTarget = {
        job: 'kubernetes-pods',
        instance: `${pod.name}:8080`,
        labels,
        registry: pod.metrics.registry,
        reachable: () => pod.state === POD_READY || pod.state === POD_TERMINATING,
      };
      pod.scrapeHandle = this.podTargets.add(pod.scrapeTarget);
    }
    this.behaviours[w.behaviour].used = true;
    if (readyNow) this.setReady(pod);
    else this.kernel.at(now + w.app.startupTime, this.evPodReady, pod.id, pod.gen);
    this.containerStarted?.(pod);
    return pod;
  }

  private setReady(pod: Pod): void {
    pod.state = POD_READY;
    pod.readySince = this.kernel.now;
    pod.lastChange = this.kernel.now;
  }

  private leaveReady(pod: Pod): void {
    if (pod.readySince >= 0) {
      pod.readySeconds += this.kernel.now - pod.readySince;
      pod.readySince = -1;
    }
  }

  private onPodReady(podId: number, gen: number): void {
    const pod = this.pods[podId];
    if (pod.gen !== gen || pod.state !== POD_STARTING) return;
    this.setReady(pod);
    this.endpointsChanged(pod);
    const w = this.workloads[pod.workload];
    if (pod.revision === w.revision) w.lastProgress = this.kernel.now;
    this.progressRollout(pod.workload);
  }

  private onPodRestart(podId: number, gen: number): void {
    const pod = this.pods[podId];
    if (pod.gen !== gen || pod.state !== POD_CRASHED) return;
    this.restartContainer(pod);
  }

  /** Fault hook: restarts a crashed container now (e.g. when a pod-failure ends); false when it is not crashed. */
  restartNow(podId: number): boolean {
    const pod = this.pods[podId];
    if (pod.state !== POD_CRASHED) return false;
    this.restartContainer(pod);
    return true;
  }

  private restartContainer(pod: Pod): void {
    pod.state = POD_STARTING;
    pod.restarts++;
    // A new container process: its counters start again from zero.
    if (pod.metrics && pod.scrapeTarget) {
      pod.metrics = new AppMetrics(pod.metrics.spec);
      pod.scrapeTarget.registry = pod.metrics.registry;
    }
    this.kernel.at(this.kernel.now + this.workloads[pod.workload].app.startupTime, this.evPodReady, pod.id, pod.gen);
    this.containerStarted?.(pod);
  }

  private onPodKill(podId: number, gen: number): void {
    const pod = this.pods[podId];
    if (pod.gen !== gen || pod.state !== POD_TERMINATING) return;
    this.dropRequests(pod, STATUS_BAD_GATEWAY);
    this.podGone(pod);
  }

  private podGone(pod: Pod): void {
    this.beforeChange?.();
    this.leaveReady(pod);
    pod.account(this.kernel.now);
    pod.state = POD_GONE;
    pod.gen++;
    const w = this.workloads[pod.workload];
    w.pods = w.pods.filter((p) => p !== pod.id);
    if (pod.scrapeHandle >= 0) this.podTargets?.remove(pod.scrapeHandle);
    if (w.services.length > 0) this.proxy?.configChanged();
    this.progressRollout(pod.workload);
  }

  /** Fails every request queued or in progress on the pod (connection lost). */
  private dropRequests(pod: Pod, status: number): void {
    const now = this.kernel.now;
    pod.account(now);
    while (pod.qLen > 0) {
      const slot = pod.dequeue();
      if (this.rState[slot] !== R_EXPIRED && this.rResponded[slot] === 0) this.respond(slot, status);
      this.freeSlot(slot);
    }
    for (let slot = 0; slot < this.cap; slot++) {
      const st = this.rState[slot];
      if ((st === R_RUNNING || st === R_WAITING) && this.rPod[slot] === pod.id) {
        if (this.rResponded[slot] === 0) this.respond(slot, status);
        this.freeSlot(slot);
      }
    }
    pod.busy = 0;
  }

  /**
   * Crashes a pod's container: its requests fail with 502; it restarts after the app's restartDelay
   * (`restartDelay` Infinity: not until `restartNow`, as a fault that holds the container down).
   */
  crashPod(podId: number, restartDelay?: number): void {
    const pod = this.pods[podId];
    if (pod.state === POD_GONE || pod.state === POD_CRASHED) return;
    const wasReady = pod.state === POD_READY;
    this.leaveReady(pod);
    pod.state = POD_CRASHED;
    pod.gen++;
    // Out of the endpoints first, so callers that react to the failures cannot pick it again.
    if (wasReady) this.endpointsChanged(pod);
    this.dropRequests(pod, STATUS_BAD_GATEWAY);
    const delay = restartDelay ?? this.workloads[pod.workload].app.restartDelay;
    if (delay !== Infinity) this.kernel.at(this.kernel.now + delay, this.evPodRestart, pod.id, pod.gen);
  }

  /** Starts terminating a pod: out of the endpoints at once, drains, then is gone (killed after the grace period: the app's, or `gracePeriod`). */
  terminatePod(podId: number, gracePeriod?: number): void {
    const pod = this.pods[podId];
    if (pod.state === POD_GONE || pod.state === POD_TERMINATING) return;
    const wasReady = pod.state === POD_READY;
    this.leaveReady(pod);
    pod.state = POD_TERMINATING;
    pod.gen++;
    if (wasReady) this.endpointsChanged(pod);
    if (pod.busy === 0 && pod.qLen === 0) this.podGone(pod);
    else this.kernel.at(this.kernel.now + (gracePeriod ?? this.workloads[pod.workload].app.terminationGracePeriod), this.evPodKill, pod.id, pod.gen);
  }

  /**
   * Fault hook (pod-kill): the pod is deleted (terminating with `gracePeriod`) and its ReplicaSet
   * replaces it at once: new pods of the current template start until the Deployment has its desired
   * live (not terminating) pods again; a rolling update in progress then takes its next step.
   */
  deletePod(podId: number, gracePeriod: number): void {
    const pod = this.pods[podId];
    if (pod.state === POD_GONE || pod.state === POD_TERMINATING) return;
    const wi = pod.workload;
    this.terminatePod(podId, gracePeriod);
    const w = this.workloads[wi];
    const live = w.pods.filter((p) => this.pods[p].state !== POD_TERMINATING && this.pods[p].state !== POD_GONE).length;
    for (let k = live; k < w.desired; k++) this.createPod(wi, false);
    this.progressRollout(wi);
  }

  private workloadIndex(name: string): number {
    const wi = this.workloads.findIndex((w) => w.name === name);
    if (wi < 0) throw new Error(`unknown workload ${name}`);
    return wi;
  }

  /** Sets a workload's replicas: new pods start; surplus pods (not-ready first, then newest) terminate. */
  scale(workloadName: string, replicas: number): void {
    const wi = this.workloadIndex(workloadName);
    const w = this.workloads[wi];
    // Fault hook (scale-down): a fault may hold the replica count while it is active.
    if (this.scaleGuard !== null) replicas = this.scaleGuard(workloadName, replicas);
    if (replicas !== w.desired) w.lastProgress = this.kernel.now;
    w.desired = replicas;
    const live = w.pods.filter((p) => this.pods[p].state !== POD_TERMINATING);
    for (let k = live.length; k < replicas; k++) this.createPod(wi, false);
    if (live.length > replicas) {
      const order = [...live].sort((a, b) => {
        const ra = this.pods[a].state === POD_READY ? 1 : 0;
        const rb = this.pods[b].state === POD_READY ? 1 : 0;
        return ra - rb || b - a;
      });
      for (const p of order.slice(0, live.length - replicas)) this.terminatePod(p);
    }
  }

  /**
   * Changes a Deployment's pod template to run `version` of its app (what
   * Flagger's promotion does to the primary) and rolls it out as Kubernetes'
   * RollingUpdate strategy does with its defaults: at most 25 % more pods
   * than desired (rounded up) and at most 25 % unavailable (rounded down; 1
   * when both round to 0). Old pods go once enough new ones are ready.
   */
  updateTemplate(workloadName: string, version: Version): void {
    const wi = this.workloadIndex(workloadName);
    const w = this.workloads[wi];
    const behaviour = this.behaviours.findIndex((b) => b.app.name === w.app.name && b.version === version);
    if (behaviour < 0) throw new Error(`no ${version} behaviour for ${w.app.name}`);
    this.beforeChange?.();
    w.behaviour = behaviour;
    w.revision++;
    w.templateHash = Workload.hashOf(w.namespace, w.name, version);
    w.lastProgress = this.kernel.now;
    this.behaviours[behaviour].used = true;
    this.progressRollout(wi);
  }

  /** One step of a rolling update: start new pods within the surge, retire old ones within the unavailability budget. */
  private progressRollout(wi: number): void {
    // Terminating an idle pod removes it at once, which calls back here: finish this step first, then look again.
    if (this.rolling) {
      this.rollAgain = true;
      return;
    }
    this.rolling = true;
    // Like the Deployment controller's repeated syncs: step until nothing more can be done now.
    let changed: boolean;
    do {
      this.rollAgain = false;
      changed = this.rolloutStep(wi);
    } while (changed || this.rollAgain);
    this.rolling = false;
  }

  /** Load generators' runs, per stream (null for ordinary streams). */
  private readonly loads: Array<LoadState | null> = [];
  private readonly evLoadArrival: number;
  private readonly evHeldCall: number;
  /** Per slot held by a fault: the status to answer when released (0: send it on to the Service). */
  private rHeld = new Int32Array(0);

  private rolling = false;
  private rollAgain = false;

  /** Whether it started or retired a pod. */
  private rolloutStep(wi: number): boolean {
    const w = this.workloads[wi];
    const live = w.pods.filter((p) => this.pods[p].state !== POD_TERMINATING && this.pods[p].state !== POD_GONE);
    const old = live.filter((p) => this.pods[p].revision !== w.revision);
    if (old.length === 0) return false;
    let changed = false;
    const maxSurge = Math.ceil(w.desired * 0.25);
    let maxUnavailable = Math.floor(w.desired * 0.25);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const fresh = live.length - old.length;
    const room = w.desired + maxSurge - live.length;
    for (let k = 0; k < Math.min(room, w.desired - fresh); k++) {
      this.createPod(wi, false);
      changed = true;
    }
    // Old pods that are not ready cost no availability: they go first.
    for (const p of old) {
      if (this.pods[p].state === POD_READY) continue;
      this.terminatePod(p);
      changed = true;
    }
    const ready = w.pods.filter((p) => this.pods[p].state === POD_READY);
    let removable = ready.length - (w.desired - maxUnavailable);
    for (const p of old) {
      if (removable <= 0) break;
      if (this.pods[p].state !== POD_READY) continue;
      this.terminatePod(p);
      changed = true;
      removable--;
    }
    return changed;
  }

  /**
   * A Deployment's readiness as Flagger's deployment controller judges it
   * (flagger.md §4.R, for a Deployment whose generation is always observed):
   * every replica updated to the current template, no old replicas left, and
   * enough of the updated ones available. Without progress for
   * `deadlineSeconds` the rollout has exceeded its progress deadline, which
   * waiting cannot fix.
   */
  readiness(workloadName: string, thresholdPercent: number, deadlineSeconds: number): DeploymentReadiness {
    const w = this.workloads[this.workloadIndex(workloadName)];
    const live = w.pods.filter((p) => this.pods[p].state !== POD_TERMINATING && this.pods[p].state !== POD_GONE).map((p) => this.pods[p]);
    const updated = live.filter((p) => p.revision === w.revision);
    const available = updated.filter((p) => p.state === POD_READY).length;
    const needed = Math.floor((updated.length * thresholdPercent) / 100);
    let reason: string | null = null;
    if (updated.length < w.desired) reason = `waiting for rollout to finish: ${updated.length} out of ${w.desired} new replicas have been updated`;
    else if (live.length > updated.length) reason = `waiting for rollout to finish: ${live.length - updated.length} old replicas are pending termination`;
    else if (available < needed) reason = `waiting for rollout to finish: ${available} of ${needed} (readyThreshold ${thresholdPercent}%) updated replicas are available`;
    if (reason === null) return { ready: true };
    if (this.kernel.now - w.lastProgress > deadlineSeconds) return { ready: false, reason: `deployment "${w.name}" exceeded its progress deadline`, retriable: false };
    return { ready: false, reason, retriable: true };
  }

  private onScale(i: number): void {
    const e = this.spec.scaleEvents[i];
    if (e.deploy) this.deploy(e.workload);
    else this.scale(e.workload, e.replicas);
  }

  /**
   * A new revision of a Deployment's pod template is applied (`kubectl
   * apply` of a new image): its running pods, if any, are rolled to it. The
   * template runs the app's canary behaviour.
   */
  deploy(workloadName: string): void {
    this.updateTemplate(workloadName, 'canary');
  }

  /** The Deployment's pod-template identity, as Flagger hashes it to detect a new revision. */
  templateOf(workloadName: string): string {
    const w = this.workloads[this.workloadIndex(workloadName)];
    return `${w.templateHash}/${w.revision}`;
  }

  /** Desired replicas of a Deployment. */
  desiredReplicas(workloadName: string): number {
    return this.workloads[this.workloadIndex(workloadName)].desired;
  }

  private endpointsChanged(pod: Pod): void {
    this.beforeChange?.();
    const services = this.workloads[pod.workload].services;
    for (const s of services) this.rebuildEndpoints(s);
    if (services.length > 0) this.proxy?.configChanged();
  }

  private rebuildEndpoints(serviceIndex: number): void {
    const svc = this.services[serviceIndex];
    let n = 0;
    for (const wi of svc.workloads) {
      for (const p of this.workloads[wi].pods) {
        if (this.pods[p].state !== POD_READY) continue;
        if (n === svc.endpoints.length) {
          const bigger = new Int32Array(n * 2);
          bigger.set(svc.endpoints);
          svc.endpoints = bigger;
        }
        svc.endpoints[n++] = p;
      }
    }
    svc.count = n;
  }

  // ---- recording -----------------------------------------------------------

  private onRecord(): void {
    this.beforeChange?.();
    const now = this.kernel.now;
    const n = this.behaviours.length;
    const point: SeriesPoint = { t: now, requests: new Array(n), errors: new Array(n), inflight: new Array(n).fill(0), readyPods: new Array(n).fill(0) };
    for (let i = 0; i < n; i++) {
      point.requests[i] = this.behaviours[i].stats.requests;
      point.errors[i] = this.behaviours[i].stats.errors;
    }
    for (const pod of this.pods) {
      if (pod.state === POD_GONE) continue;
      point.inflight[pod.behaviour] += pod.busy + pod.qLen;
      if (pod.state === POD_READY) point.readyPods[pod.behaviour]++;
    }
    this.series.push(point);
    this.kernel.at(now + this.spec.recordInterval, this.evRecord);
  }

  // ---- inspection ----------------------------------------------------------

  /** The live model, for fast mode's aggregate traffic (simulation layer only). */
  internals() {
    return (this._internals ??= { pods: this.pods, behaviours: this.behaviours, services: this.services, streams: this.streams, workloads: this.workloads, proxyStreamOf: this.proxyStreamOf });
  }

  private _internals: {
    pods: Pod[];
    behaviours: Behaviour[];
    services: K8sService[];
    streams: Stream[];
    workloads: Workload[];
    proxyStreamOf: Int32Array;
  } | null = null;

  /** How many pods the run has created (ids 0…n−1; pods are never forgotten, a gone pod keeps its id). */
  get podCount(): number {
    return this.pods.length;
  }

  /** A pod's name and its workload's name. */
  podIdentity(id: number): { name: string; workload: string } {
    const p = this.pods[id];
    return { name: p.name, workload: this.workloads[p.workload].name };
  }

  /** Pods with their state, for tests and views. */
  podList(): Array<{ id: number; name: string; workload: string; state: PodStateName; busy: number; queued: number; restarts: number }> {
    return this.pods.map((p) => ({
      id: p.id,
      name: p.name,
      workload: this.workloads[p.workload].name,
      state: POD_STATE_NAMES[p.state],
      busy: p.busy,
      queued: p.qLen,
      restarts: p.restarts,
    }));
  }

  summary(): WorldSummary {
    const now = this.kernel.now;
    const services: WorldSummary['services'] = {};
    const perBehaviour = this.behaviours.map(() => ({ busyArea: 0, readySeconds: 0, concurrency: 0, pods: emptyPodCounts(), restarts: 0 }));
    for (const pod of this.pods) {
      const acc = perBehaviour[pod.behaviour];
      acc.busyArea += pod.busyArea + (pod.state !== POD_GONE ? pod.busy * (now - pod.lastChange) : 0);
      acc.readySeconds += pod.readyTime(now) * pod.concurrency;
      acc.pods[POD_STATE_NAMES[pod.state]]++;
      acc.restarts += pod.restarts;
    }
    this.behaviours.forEach((b, i) => {
      if (!b.used && b.stats.requests === 0) return;
      const acc = perBehaviour[i];
      const entry: VersionSummary = {
        ...b.stats.toJSON(),
        queueWait: { mean: b.started > 0 ? b.queueWaitSum / b.started : null },
        utilisation: acc.readySeconds > 0 ? acc.busyArea / acc.readySeconds : null,
        pods: acc.pods,
        restarts: acc.restarts,
      };
      (services[b.app.name] ??= {})[b.version] = entry;
    });
    const streams: WorldSummary['streams'] = {};
    for (const s of this.streams) streams[s.name] = s.stats.toJSON();
    const kubernetesServices: WorldSummary['kubernetesServices'] = {};
    for (const s of this.services) kubernetesServices[s.key] = { requests: s.requests, unavailable: s.unavailable };
    return { services, streams, kubernetesServices };
  }

  /** Requests in the system now (queued, in progress, or abandoned by their caller but still worked on). */
  activeRequests(): number {
    return this.cap - this.freeTop;
  }

  /** Fault hook (traffic spike): one more arrival of stream `streamIndex` now, as its arrival process would make it. */
  injectArrival(streamIndex: number): void {
    this.arrive(streamIndex);
  }

  /** Total external requests answered so far. */
  externalResponses(): number {
    let n = 0;
    for (const s of this.streams) n += s.stats.requests;
    return n;
  }
}

function emptyPodCounts(): Record<PodStateName, number> {
  return { starting: 0, ready: 0, terminating: 0, crashed: 0, gone: 0 };
}
