import type { Kernel } from '../kernel/kernel';
import type { RandomStreams, Rng } from '../kernel/random';
import { type MetricFamily, type MetricSeries, MetricsRegistry } from '../telemetry/registry';
import { RequestMetrics } from '../telemetry/request-metrics';
import { grown } from '../util/typed';
import { EdfBalancer } from './edf';
import { CircuitBreaker, parseBreakerExpression } from './middlewares/circuit-breaker';
import { RateLimiter } from './middlewares/rate-limit';
import { RetryPolicy } from './middlewares/retry';
import { MirrorSelector } from './mirroring';
import { type CompiledRule, compareRouters, parseRule, type RuleRequest } from './rule';
import type { LeafRef, MiddlewareSpec, RouterSpec, ServiceRef, TraefikServiceSpec, TraefikSpec } from './spec';

/** Status codes Traefik itself produces. */
export const STATUS_NOT_FOUND = 404;
export const STATUS_PAYLOAD_TOO_LARGE = 413;
export const STATUS_TOO_MANY_REQUESTS = 429;
export const STATUS_BAD_GATEWAY = 502;
export const STATUS_NO_SERVER = 503;

/** What the proxy needs from the simulated cluster. */
export interface ProxyUpstream {
  /** Pods behind a Kubernetes Service (namespace/name): ready ones, and terminating ones (fenced servers). */
  endpoints(service: string): { ready: readonly number[]; terminating: readonly number[] };
  /**
   * Connects to a pod and sends it the request. Returns false when the
   * connection is refused (the pod is gone or not listening): nothing reached
   * the backend. Otherwise the world later calls `upstreamResponded`.
   */
  dispatch(pod: number, proxySlot: number, proxyGen: number, timeout: number): boolean;
  /** The client got its response. */
  clientResponded(stream: number, status: number, latency: number): void;
}

/** A traffic stream entering through Traefik. */
export interface ProxyStream {
  name: string;
  entryPoint: string;
  request: RuleRequest;
  /** Per-attempt response timeout (Infinity: none); a timeout answers 504. */
  timeout: number;
  requestBytes: number;
  /** Distinct simulated clients (sticky cookies, rate-limit sources). */
  clients: number;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PRI', 'EXTENSION_METHOD'];
/** Traefik's method label (its index in METHODS): known methods as is, anything else EXTENSION_METHOD. */
export function methodIndex(method: string): number {
  const i = METHODS.indexOf(method);
  return i >= 0 && i < METHODS.length - 1 ? i : METHODS.length - 1;
}

// ---- per-replica metrics ----------------------------------------------------

/** One Traefik pod's /metrics. */
export class ReplicaMetrics {
  readonly registry = new MetricsRegistry();
  private readonly epRequests: MetricFamily;
  private readonly epDuration: MetricFamily;
  private readonly routerRequests: MetricFamily;
  private readonly routerDuration: MetricFamily;
  private readonly svcRequests: MetricFamily;
  private readonly svcDuration: MetricFamily;
  readonly reloads: MetricSeries;
  readonly lastReload: MetricSeries;
  private readonly services = new Map<string, RequestMetrics>();
  private readonly routers = new Map<string, RequestMetrics>();
  private readonly entryPoints = new Map<string, RequestMetrics>();
  /** Service labels that left the configuration: deleted after the next scrape. */
  private pendingDeletes = new Set<string>();

  constructor(private readonly spec: TraefikSpec) {
    const r = this.registry;
    const b = spec.metrics.buckets;
    this.epRequests = r.family('traefik_entrypoint_requests', 'counter', 'How many HTTP requests processed on an entrypoint, partitioned by status code, protocol, and method.', ['code', 'method', 'protocol', 'entrypoint']);
    this.epDuration = r.family('traefik_entrypoint_request_duration_seconds', 'histogram', 'How long it took to process the request on an entrypoint, partitioned by status code, protocol, and method.', ['code', 'method', 'protocol', 'entrypoint'], b);
    this.routerRequests = r.family('traefik_router_requests', 'counter', 'How many HTTP requests are processed on a router, partitioned by service, status code, protocol, and method.', ['code', 'method', 'protocol', 'router', 'service']);
    this.routerDuration = r.family('traefik_router_request_duration_seconds', 'histogram', 'How long it took to process the request on a router, partitioned by service, status code, protocol, and method.', ['code', 'method', 'protocol', 'router', 'service'], b);
    this.svcRequests = r.family('traefik_service_requests', 'counter', 'How many HTTP requests processed on a service, partitioned by status code, protocol, and method.', ['code', 'method', 'protocol', 'service']);
    this.svcDuration = r.family('traefik_service_request_duration_seconds', 'histogram', 'How long it took to process the request on a service, partitioned by status code, protocol, and method.', ['code', 'method', 'protocol', 'service'], b);
    this.reloads = r.family('traefik_config_reloads', 'counter', 'Config reloads', []).get([]);
    this.lastReload = r.family('traefik_config_last_reload_success', 'gauge', 'Last config reload success', []).get([]);
  }

  entryPoint(name: string): RequestMetrics | null {
    if (!this.spec.metrics.addEntryPointsLabels) return null;
    let m = this.entryPoints.get(name);
    if (!m) this.entryPoints.set(name, (m = new RequestMetrics(this.epRequests, this.epDuration, (code, method) => [code, METHODS[method], 'http', name])));
    return m;
  }

  router(name: string, service: string): RequestMetrics | null {
    if (!this.spec.metrics.addRoutersLabels) return null;
    let m = this.routers.get(name);
    if (!m) this.routers.set(name, (m = new RequestMetrics(this.routerRequests, this.routerDuration, (code, method) => [code, METHODS[method], 'http', name, service])));
    return m;
  }

  service(label: string): RequestMetrics | null {
    if (!this.spec.metrics.addServicesLabels) return null;
    let m = this.services.get(label);
    if (!m) this.services.set(label, (m = new RequestMetrics(this.svcRequests, this.svcDuration, (code, method) => [code, METHODS[method], 'http', label])));
    return m;
  }

  /** A configuration without these services was applied. */
  servicesRemoved(labels: Iterable<string>): void {
    for (const l of labels) this.pendingDeletes.add(l);
  }

  servicesAdded(labels: Iterable<string>): void {
    for (const l of labels) this.pendingDeletes.delete(l);
  }

  /** Called after a scrape: the removed services' series were exported once; now they go. */
  afterScrape(): void {
    if (this.pendingDeletes.size === 0) return;
    for (const label of this.pendingDeletes) {
      this.registry.deleteWhere('service', label);
      this.services.delete(label);
    }
    this.pendingDeletes = new Set();
  }
}

// ---- the built handler tree ---------------------------------------------------

const N_LEAF = 0;
const N_WEIGHTED = 1;
const N_MIRRORING = 2;

class LeafNode {
  readonly type = N_LEAF;
  constructor(
    readonly label: string,
    /** Pod ids: ready first, then terminating (fenced). */
    readonly servers: Int32Array,
    readonly balancer: EdfBalancer,
  ) {}
}

class WeightedNode {
  readonly type = N_WEIGHTED;
  constructor(
    readonly label: string,
    readonly children: Node[],
    readonly balancer: EdfBalancer,
    /** Sticky cookies: per client, the id of the child label it is pinned to (-1: none). */
    readonly cookies: Int32Array | null,
    /** Global label ids of the children (for cookies). */
    readonly childIds: Int32Array,
  ) {
    this.leavesOnly = cookies === null && children.every((c, i) => c.type === N_LEAF && children.indexOf(c) === i);
  }

  /** No cookies, and every child a distinct leaf: fast mode may pick for many requests at once (routeMany). */
  readonly leavesOnly: boolean;
}

class MirroringNode {
  readonly type = N_MIRRORING;
  readonly chosen: Uint8Array;
  constructor(
    readonly label: string,
    readonly main: Node,
    readonly mirrors: Node[],
    readonly selector: MirrorSelector,
    readonly maxBodySize: number,
    readonly mirrorBody: boolean,
  ) {
    this.chosen = new Uint8Array(mirrors.length);
  }
}

type Node = LeafNode | WeightedNode | MirroringNode;

const MW_RETRY = 0;
const MW_BREAKER = 1;
const MW_RATELIMIT = 2;
const MW_BUFFERING = 3;

interface BuiltMiddleware {
  type: number;
  spec: MiddlewareSpec;
  breaker: CircuitBreaker | null;
  limiter: RateLimiter | null;
  retry: RetryPolicy | null;
}

class BuiltRouter {
  constructor(
    readonly spec: RouterSpec,
    readonly rule: CompiledRule,
    readonly root: Node,
    readonly middlewares: BuiltMiddleware[],
  ) {}
}

/** One replica's handlers for one applied configuration. */
class Build {
  /** Per entrypoint, the routers that built, in Traefik's order. */
  readonly routersByEntryPoint = new Map<string, BuiltRouter[]>();
  /** Per stream, the router its requests match (cached: a stream's requests are alike); undefined: not looked up yet. */
  readonly routeOfStream: Array<BuiltRouter | null | undefined>;
  constructor(streams: number) {
    this.routeOfStream = new Array(streams).fill(undefined);
  }
}

/** Fast mode: requests routed to one leaf service, per server (pod) index. */
export interface LeafBatch {
  label: string;
  servers: Int32Array;
  counts: Float64Array;
  /** Mirrored copies per server (responses discarded). */
  mirrored: Float64Array;
}

function newBatch(leaf: LeafNode): LeafBatch {
  return { label: leaf.label, servers: leaf.servers, counts: new Float64Array(leaf.servers.length), mirrored: new Float64Array(leaf.servers.length) };
}

/** The state Flagger's router sets: weights of `<apex>-primary` and `<apex>-canary`. */
interface CanaryRouteState {
  label: string;
  primary: LeafRef;
  canary: LeafRef;
  primaryWeight: number;
  canaryWeight: number;
}

// Proxy request states.
const P_FREE = 0;
const P_ACTIVE = 1;
const P_MIRRORING = 2;

/** Why a configuration was applied or skipped (for the event log and tests). */
export interface ConfigApply {
  t: number;
  applied: boolean;
  services: number;
  routers: number;
  errors: string[];
}

/** The TraefikServices' part of a configuration signature, once per compiled spec (every run of a sweep shares it). */
const servicesSignatures = new WeakMap<readonly TraefikServiceSpec[], string>();
function servicesSignatureOf(services: readonly TraefikServiceSpec[]): string {
  let sig = servicesSignatures.get(services);
  if (sig === undefined) servicesSignatures.set(services, (sig = JSON.stringify(services)));
  return sig;
}

/**
 * Traefik in front of the cluster: entrypoints, routers matched by rule and
 * priority, router middlewares, and the service tree (weighted, mirroring,
 * servers load balancers) with Traefik's schedulers. Each replica has its
 * own handlers and metrics, rebuilt on every applied configuration change;
 * applies are throttled (providersThrottleDuration) with the latest state
 * winning, and an unchanged configuration is skipped.
 */
export class TraefikProxy {
  readonly replicas: ReplicaMetrics[] = [];
  private builds: Build[] = [];
  private readonly kernel: Kernel;
  private readonly lbRng: Rng;
  private readonly shuffleRngs: Rng[];
  private readonly retryRng: Rng;
  private readonly canaryRoutes = new Map<string, CanaryRouteState>();
  private readonly serviceSpecs = new Map<string, TraefikServiceSpec>();
  private readonly middlewareSpecs = new Map<string, MiddlewareSpec>();
  private readonly labelIds = new Map<string, number>();
  /** Sticky cookies per weighted service label, kept across rebuilds (they live in the clients). */
  private readonly cookieJars = new Map<string, Int32Array>();
  private readonly clientBase: Int32Array;
  private readonly totalClients: number;
  /** Method label index per stream. */
  private readonly methods: Int32Array;
  private lastApply = -Infinity;
  private applyPending = false;
  private lastSignature = '';
  /** Fault hook (reload-storm, a restart): the next apply rebuilds even when nothing changed. */
  private forceNext = false;
  private liveLeaves = new Set<string>();
  readonly applies: ConfigApply[] = [];

  // Proxy request slots.
  private cap = 0;
  private pState = new Int8Array(0);
  private pGen = new Int32Array(0);
  private pStream = new Int32Array(0);
  private pClient = new Int32Array(0);
  private pReplica = new Int32Array(0);
  private pStart = new Float64Array(0);
  private pPos = new Int32Array(0);
  private pBreakers = new Int32Array(0);
  private pBreakerStart = new Float64Array(0);
  private pRetryPos = new Int32Array(0);
  private pAttempt = new Int32Array(0);
  private pAttemptStart = new Float64Array(0);
  private pRouter: Array<BuiltRouter | null> = [];
  private pLeaf: Array<LeafNode | null> = [];
  private pMirror: Array<MirroringNode | null> = [];
  private pMirrorNext = new Int32Array(0);
  private free = new Int32Array(0);
  private freeTop = 0;

  private readonly evApply: number;
  private readonly evContinue: number;

  constructor(
    readonly spec: TraefikSpec,
    readonly streams: readonly ProxyStream[],
    private readonly upstream: ProxyUpstream,
    kernel: Kernel,
    rng: RandomStreams,
    /** Unix seconds of simulated time 0 (for the last-reload timestamp gauge). */
    private readonly epochSeconds = 0,
  ) {
    this.kernel = kernel;
    this.lbRng = rng.stream('traefik/replica-choice');
    this.retryRng = rng.stream('traefik/retry-backoff');
    this.shuffleRngs = Array.from({ length: spec.replicas }, (_, i) => rng.stream(`traefik/${i}/shuffle`));
    for (let i = 0; i < spec.replicas; i++) this.replicas.push(new ReplicaMetrics(spec));
    this.methods = Int32Array.from(streams, (s) => methodIndex(s.request.method));
    for (const s of spec.services) this.serviceSpecs.set(s.label, s);
    for (const m of spec.middlewares) this.middlewareSpecs.set(m.label, m);
    for (const c of spec.canaryRoutes) this.canaryRoutes.set(c.canary, { label: c.label, primary: c.primary, canary: c.canaryLeaf, primaryWeight: 100, canaryWeight: 0 });
    this.clientBase = new Int32Array(streams.length);
    let clients = 0;
    streams.forEach((s, i) => {
      this.clientBase[i] = clients;
      clients += s.clients;
    });
    this.totalClients = clients;
    this.evApply = kernel.register('traefik-apply', () => this.apply());
    this.evContinue = kernel.register('traefik-continue', (slot, gen) => {
      if (this.pGen[slot] === gen && this.pState[slot] === P_ACTIVE) this.proceed(slot);
    });
    // Slots are made at the first request and double as needed (new ones are taken lowest first, so the slots
    // used do not depend on these sizes); fast mode's aggregated traffic may never need one.
    this.apply();
  }

  // ---- configuration -----------------------------------------------------------

  /** Something Traefik watches changed (endpoints, weights): apply it, throttled. */
  configChanged(): void {
    if (this.applyPending) return;
    this.applyPending = true;
    this.kernel.at(Math.max(this.kernel.now, this.lastApply + this.spec.throttle), this.evApply);
  }

  /**
   * Fault hook (reload-storm): Traefik reloads its configuration (throttled like any change) and
   * rebuilds every replica's handlers, schedulers and circuit breakers even when nothing changed.
   */
  forceReload(): void {
    this.forceNext = true;
    this.configChanged();
  }

  /**
   * Fault hook (counter-reset): Traefik's pods restart: each replica's /metrics starts from zero
   * (new registries: the caller points the scrape targets at them) and the configuration is
   * loaded again. Requests in flight are kept (a simplification: a real restart drops them).
   */
  restartReplicas(): void {
    for (let i = 0; i < this.replicas.length; i++) this.replicas[i] = new ReplicaMetrics(this.spec);
    this.forceReload();
  }

  /**
   * Flagger's router: sets the weights of the Canary's TraefikService
   * (`SetRoutes`): the primary, plus the canary only when its weight is > 0.
   */
  setRoutes(canary: string, primaryWeight: number, canaryWeight: number): void {
    const c = this.canaryRoutes.get(canary);
    if (!c) throw new Error(`no Traefik route for Canary ${canary}`);
    if (primaryWeight === 0 && canaryWeight === 0) throw new Error('RoutingRule has both primary and canary weights set to 0');
    if (c.primaryWeight === primaryWeight && c.canaryWeight === canaryWeight) return;
    c.primaryWeight = primaryWeight;
    c.canaryWeight = canaryWeight;
    this.configChanged();
  }

  /** Current weights Flagger set (GetRoutes). */
  getRoutes(canary: string): { primary: number; canary: number } {
    const c = this.canaryRoutes.get(canary);
    if (!c) throw new Error(`no Traefik route for Canary ${canary}`);
    return { primary: c.primaryWeight, canary: c.canaryWeight };
  }

  /** The TraefikService specs as the provider sees them now (Flagger's weights applied). */
  private currentServices(): Map<string, TraefikServiceSpec> {
    const out = new Map(this.serviceSpecs);
    for (const c of this.canaryRoutes.values()) {
      const children = [{ ref: c.primary as ServiceRef, weight: c.primaryWeight === 0 ? 1 : c.primaryWeight }];
      if (c.canaryWeight > 0) children.push({ ref: c.canary, weight: c.canaryWeight });
      out.set(c.label, { type: 'weighted', label: c.label, children, sticky: null });
    }
    return out;
  }

  /** Called before every configuration apply (fast mode settles its traffic first). */
  beforeApply: (() => void) | null = null;

  private apply(): void {
    this.beforeApply?.();
    const now = this.kernel.now;
    this.applyPending = false;
    this.lastApply = now;
    const services = this.currentServices();
    const endpoints = new Map<string, { ready: readonly number[]; terminating: readonly number[] }>();
    const leaves = new Set<string>();
    const visit = (ref: ServiceRef, seen: Set<string>) => {
      if (ref.kind === 'service') {
        leaves.add(ref.label);
        if (!endpoints.has(ref.service)) endpoints.set(ref.service, this.upstream.endpoints(ref.service));
        return;
      }
      const s = services.get(ref.label);
      if (!s || seen.has(ref.label)) return;
      seen.add(ref.label);
      if (s.type === 'weighted') for (const c of s.children) visit(c.ref, seen);
      else {
        visit(s.main, seen);
        for (const m of s.mirrors) visit(m.ref, seen);
      }
    };
    for (const r of this.spec.routers) visit(r.service, new Set());
    for (const s of services.values()) visit({ kind: 'traefik', label: s.label }, new Set());
    const signature = this.signatureOf(endpoints);
    const forced = this.forceNext;
    this.forceNext = false;
    if (signature === this.lastSignature && !forced) {
      this.applies.push({ t: now, applied: false, services: services.size, routers: this.spec.routers.length, errors: [] });
      return;
    }
    this.lastSignature = signature;
    const removed = [...this.liveLeaves].filter((l) => !leaves.has(l));
    const errors: string[] = [];
    this.builds = this.replicas.map((metrics, i) => {
      const b = this.build(i, services, endpoints, errors);
      metrics.reloads.inc();
      metrics.lastReload.set(this.epochSeconds + now);
      metrics.servicesRemoved(removed);
      metrics.servicesAdded(leaves);
      return b;
    });
    this.liveLeaves = leaves;
    this.applies.push({ t: now, applied: true, services: services.size, routers: this.spec.routers.length, errors: [...new Set(errors)] });
  }

  /**
   * What a configuration is built from, as text compared with the last applied one: the TraefikServices
   * (fixed but for the weights Flagger sets on its routes) and the endpoints they reach. Equal texts,
   * equal configurations.
   */
  private signatureOf(endpoints: Map<string, { ready: readonly number[]; terminating: readonly number[] }>): string {
    let sig = servicesSignatureOf(this.spec.services);
    for (const c of this.canaryRoutes.values()) sig += `|${c.label}=${c.primaryWeight === 0 ? 1 : c.primaryWeight}/${c.canaryWeight > 0 ? c.canaryWeight : 0}`; // as currentServices() builds them
    for (const [service, ep] of endpoints) sig += `|${JSON.stringify(service)}:${ep.ready.join(',')}/${ep.terminating.join(',')}`;
    return sig;
  }


  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) this.labelIds.set(label, (id = this.labelIds.size));
    return id;
  }

  private build(replica: number, services: Map<string, TraefikServiceSpec>, endpoints: Map<string, { ready: readonly number[]; terminating: readonly number[] }>, errors: string[]): Build {
    const shuffle = this.shuffleRngs[replica];
    // v3 builds each service once per configuration and shares it between routers.
    const cache = new Map<string, Node | string>();
    const make = (ref: ServiceRef, stack: string[]): Node | string => {
      const hit = cache.get(ref.label);
      if (hit !== undefined) return hit;
      let result: Node | string;
      if (ref.kind === 'service') {
        const ep = endpoints.get(ref.service) as { ready: readonly number[]; terminating: readonly number[] };
        const n = ep.ready.length + ep.terminating.length;
        if (n === 0 && !this.spec.allowEmptyServices) result = `no servers found for ${ref.service}`;
        else {
          const servers = Int32Array.from([...ep.ready, ...ep.terminating]);
          const balancer = new EdfBalancer(
            Array.from(servers, (p) => ({ name: String(p), weight: 1 })),
            shuffle,
          );
          for (let i = ep.ready.length; i < n; i++) balancer.setFenced(i, true);
          result = new LeafNode(ref.label, servers, balancer);
        }
      } else {
        const s = services.get(ref.label);
        if (!s) result = `service ${ref.label} does not exist`;
        else if (stack.includes(ref.label)) result = `service ${ref.label} refers to itself through ${stack.join(' → ')}`;
        else if (s.type === 'weighted') {
          const children: Node[] = [];
          let failed: string | null = null;
          for (const c of s.children) {
            const n = make(c.ref, [...stack, ref.label]);
            if (typeof n === 'string') {
              failed = n;
              break;
            }
            children.push(n);
          }
          if (failed !== null) result = failed;
          else {
            const balancer = new EdfBalancer(
              s.children.map((c) => ({ name: c.ref.label, weight: c.weight })),
              shuffle,
            );
            let cookies: Int32Array | null = null;
            if (s.sticky) {
              cookies = this.cookieJars.get(s.label) ?? null;
              if (!cookies) this.cookieJars.set(s.label, (cookies = new Int32Array(this.totalClients).fill(-1)));
            }
            result = new WeightedNode(s.label, children, balancer, cookies, Int32Array.from(s.children, (c) => this.labelId(c.ref.label)));
          }
        } else {
          const main = make(s.main, [...stack, ref.label]);
          const mirrors: Node[] = [];
          let failed: string | null = typeof main === 'string' ? main : null;
          for (const m of s.mirrors) {
            if (failed !== null) break;
            const n = make(m.ref, [...stack, ref.label]);
            if (typeof n === 'string') failed = n;
            else mirrors.push(n);
          }
          result =
            failed !== null
              ? failed
              : new MirroringNode(s.label, main as Node, mirrors, new MirrorSelector(s.mirrors.map((m) => m.percent)), s.maxBodySize, s.mirrorBody);
        }
      }
      cache.set(ref.label, result);
      return result;
    };
    const b = new Build(this.streams.length);
    const routers: BuiltRouter[] = [];
    for (const r of this.spec.routers) {
      const root = make(r.service, []);
      if (typeof root === 'string') {
        errors.push(`router ${r.name} not built: ${root}`);
        continue;
      }
      const parsed = parseRule(r.rule, r.syntax);
      if (!parsed.ok) {
        errors.push(`router ${r.name}: ${parsed.message}`);
        continue;
      }
      routers.push(new BuiltRouter(r, parsed.rule, root, r.middlewares.map((label) => this.buildMiddleware(label))));
    }
    routers.sort((x, y) => compareRouters({ priority: x.spec.priority, name: x.spec.name }, { priority: y.spec.priority, name: y.spec.name }));
    for (const ep of this.spec.entryPoints) {
      b.routersByEntryPoint.set(
        ep,
        routers.filter((r) => r.spec.entryPoints.length === 0 || r.spec.entryPoints.includes(ep)),
      );
    }
    return b;
  }

  private buildMiddleware(label: string): BuiltMiddleware {
    const spec = this.middlewareSpecs.get(label) as MiddlewareSpec;
    switch (spec.type) {
      case 'retry':
        return { type: MW_RETRY, spec, breaker: null, limiter: null, retry: new RetryPolicy({ attempts: spec.attempts, initialInterval: spec.initialInterval }) };
      case 'circuitBreaker': {
        const parsed = parseBreakerExpression(spec.expression);
        if (!parsed.ok) throw new Error(`middleware ${label}: ${parsed.message}`); // validated when the scenario loads
        const breaker = new CircuitBreaker({
          expression: parsed.expr,
          checkPeriod: spec.checkPeriod,
          fallbackDuration: spec.fallbackDuration,
          recoveryDuration: spec.recoveryDuration,
          responseCode: spec.responseCode,
        });
        return { type: MW_BREAKER, spec, breaker, limiter: null, retry: null };
      }
      case 'rateLimit':
        return { type: MW_RATELIMIT, spec, breaker: null, limiter: new RateLimiter({ average: spec.average, period: spec.period, burst: spec.burst }), retry: null };
      case 'buffering':
        return { type: MW_BUFFERING, spec, breaker: null, limiter: null, retry: null };
    }
  }

  // ---- request slots ---------------------------------------------------------

  private grow(n: number): void {
    const old = this.cap;
    this.pState = grown(this.pState, n);
    this.pGen = grown(this.pGen, n);
    this.pStream = grown(this.pStream, n);
    this.pClient = grown(this.pClient, n);
    this.pReplica = grown(this.pReplica, n);
    this.pStart = grown(this.pStart, n);
    this.pPos = grown(this.pPos, n);
    this.pBreakers = grown(this.pBreakers, n);
    this.pBreakerStart = grown(this.pBreakerStart, n);
    this.pRetryPos = grown(this.pRetryPos, n);
    this.pAttempt = grown(this.pAttempt, n);
    this.pAttemptStart = grown(this.pAttemptStart, n);
    this.pMirrorNext = grown(this.pMirrorNext, n);
    for (let i = old; i < n; i++) {
      this.pRouter.push(null);
      this.pLeaf.push(null);
      this.pMirror.push(null);
    }
    const fl = new Int32Array(n);
    fl.set(this.free.subarray(0, this.freeTop));
    for (let s = n - 1; s >= old; s--) fl[this.freeTop++] = s;
    this.free = fl;
    this.cap = n;
  }

  private release(slot: number): void {
    this.pState[slot] = P_FREE;
    this.pGen[slot]++;
    this.pRouter[slot] = null;
    this.pLeaf[slot] = null;
    this.pMirror[slot] = null;
    this.free[this.freeTop++] = slot;
  }

  /** Requests Traefik holds now (in flight, delayed, or mirroring). */
  active(): number {
    return this.cap - this.freeTop;
  }

  // ---- request path ----------------------------------------------------------

  /** A request of stream `s` arrives at Traefik. */
  arrive(s: number, clientDraw: number): void {
    if (this.freeTop === 0) this.grow(Math.max(16, this.cap * 2));
    const slot = this.free[--this.freeTop];
    const now = this.kernel.now;
    const stream = this.streams[s];
    const replica = this.spec.replicas === 1 ? 0 : Math.floor(this.lbRng.uniform() * this.spec.replicas);
    this.pState[slot] = P_ACTIVE;
    this.pStream[slot] = s;
    this.pClient[slot] = this.clientBase[s] + Math.min(stream.clients - 1, Math.floor(clientDraw * stream.clients));
    this.pReplica[slot] = replica;
    this.pStart[slot] = now;
    this.pPos[slot] = 0;
    this.pBreakers[slot] = 0;
    this.pRetryPos[slot] = -1;
    this.pAttempt[slot] = 0;
    this.pMirror[slot] = null;
    const router = this.routerOf(s, replica);
    if (router === null) {
      this.toClient(slot, STATUS_NOT_FOUND);
      return;
    }
    this.pRouter[slot] = router;
    this.proceed(slot);
  }

  /** Runs the router's middlewares from the slot's position, then the service. */
  private proceed(slot: number): void {
    const router = this.pRouter[slot] as BuiltRouter;
    const mws = router.middlewares;
    const now = this.kernel.now;
    while (this.pPos[slot] < mws.length) {
      const pos = this.pPos[slot];
      const mw = mws[pos];
      this.pPos[slot] = pos + 1;
      switch (mw.type) {
        case MW_RATELIMIT: {
          const delay = (mw.limiter as RateLimiter).reserve(now, this.pClient[slot]);
          if (delay < 0) {
            this.unwind(slot, STATUS_TOO_MANY_REQUESTS, pos, true);
            return;
          }
          if (delay > 0) {
            this.kernel.at(now + delay, this.evContinue, slot, this.pGen[slot]);
            return;
          }
          break;
        }
        case MW_BREAKER: {
          const breaker = mw.breaker as CircuitBreaker;
          if (!breaker.allow(now)) {
            this.unwind(slot, (mw.spec as { responseCode: number }).responseCode, pos, true);
            return;
          }
          if (this.pBreakers[slot] === 0) this.pBreakerStart[slot] = now;
          this.pBreakers[slot] |= 1 << pos;
          break;
        }
        case MW_RETRY:
          this.pRetryPos[slot] = pos;
          this.pAttempt[slot] = 1;
          break;
        case MW_BUFFERING: {
          const max = (mw.spec as { maxRequestBodyBytes: number }).maxRequestBodyBytes;
          if (max > 0 && this.streams[this.pStream[slot]].requestBytes > max) {
            this.unwind(slot, STATUS_PAYLOAD_TOO_LARGE, pos, true);
            return;
          }
          break;
        }
      }
    }
    this.toService(slot, router.root);
  }

  /** Walks the service tree to a server and sends the request there. */
  private toService(slot: number, root: Node): void {
    const stream = this.streams[this.pStream[slot]];
    const leaf = this.descend(root, this.pClient[slot], stream.requestBytes, true);
    const mirroring = this.mirrored;
    if (mirroring !== null && this.pMirror[slot] === null) {
      // Mirrors go out after the main response; remember which, in order.
      this.pMirror[slot] = mirroring;
      let mask = 0;
      for (let i = 0; i < mirroring.mirrors.length; i++) if (mirroring.chosen[i]) mask |= 1 << i;
      this.pMirrorNext[slot] = mask;
    }
    const i = leaf === null ? -1 : leaf.balancer.pick();
    if (leaf === null || i < 0) {
      this.unwind(slot, STATUS_NO_SERVER, (this.pRouter[slot] as BuiltRouter).middlewares.length, true);
      return;
    }
    this.pLeaf[slot] = leaf;
    this.pAttemptStart[slot] = this.kernel.now;
    if (!this.upstream.dispatch(leaf.servers[i], slot, this.pGen[slot], stream.timeout)) {
      // Connection refused: nothing reached the backend; the proxy answers 502.
      this.attemptDone(slot, STATUS_BAD_GATEWAY, false);
    }
  }

  /** Set by descend: the mirroring service whose mirrors take this request (null: none). */
  private mirrored: MirroringNode | null = null;

  /**
   * Walks from a service to the leaf a request goes to: weighted services by
   * their schedule (or a sticky cookie), mirroring services to their main
   * service. With `select`, a mirroring service counts the request and, when
   * it picks mirrors (and the body is not too large), is left in `mirrored`;
   * copies sent to mirrors walk without it (they mirror no further). Null
   * when a weighted service has no child to give.
   */
  private descend(root: Node, client: number, body: number, select: boolean): LeafNode | null {
    this.mirrored = null;
    let node = root;
    for (;;) {
      if (node.type === N_LEAF) return node;
      if (node.type === N_MIRRORING) {
        if (select && node.selector.select(node.chosen) > 0 && !(node.mirrorBody && node.maxBodySize >= 0 && body > node.maxBodySize) && this.mirrored === null) {
          this.mirrored = node;
        }
        node = node.main;
      } else {
        const c = this.pickChild(node, client);
        if (c < 0) return null;
        node = node.children[c];
      }
    }
  }

  /** EDF pick, or the child a sticky cookie names (the schedule is then not consulted). */
  private pickChild(node: WeightedNode, client: number): number {
    const cookies = node.cookies;
    if (cookies !== null) {
      const id = cookies[client];
      if (id >= 0) {
        for (let i = 0; i < node.childIds.length; i++) if (node.childIds[i] === id && node.balancer.isScheduled(i)) return i;
      }
      const i = node.balancer.pick();
      if (i >= 0) cookies[client] = node.childIds[i];
      return i;
    }
    return node.balancer.pick();
  }

  /** The world answers an attempt dispatched to a pod. */
  upstreamResponded(slot: number, gen: number, status: number): void {
    if (this.pGen[slot] !== gen) return;
    if (this.pState[slot] === P_MIRRORING) {
      this.recordService(slot, status);
      this.nextMirror(slot);
      return;
    }
    if (this.pState[slot] !== P_ACTIVE) return;
    this.attemptDone(slot, status, true);
  }

  private recordService(slot: number, status: number): void {
    const leaf = this.pLeaf[slot] as LeafNode;
    this.replicas[this.pReplica[slot]].service(leaf.label)?.record(status, this.methods[this.pStream[slot]], this.kernel.now - this.pAttemptStart[slot]);
  }

  private attemptDone(slot: number, status: number, reachedBackend: boolean): void {
    this.recordService(slot, status);
    this.pLeaf[slot] = null;
    this.unwind(slot, status, (this.pRouter[slot] as BuiltRouter).middlewares.length, reachedBackend);
  }

  /**
   * The response travels back out through the middlewares before `from`:
   * breakers it passed record it; a retry middleware may send it again.
   * Responses Traefik made itself (503 no server, 429, fallbacks) are not retried.
   */
  private unwind(slot: number, status: number, from: number, reachedBackend: boolean): void {
    const mws = (this.pRouter[slot] as BuiltRouter).middlewares;
    const now = this.kernel.now;
    for (let p = from - 1; p >= 0; p--) {
      const mw = mws[p];
      if (mw.type === MW_BREAKER && (this.pBreakers[slot] & (1 << p)) !== 0) {
        (mw.breaker as CircuitBreaker).record(now, status, now - this.pBreakerStart[slot]);
        this.pBreakers[slot] &= ~(1 << p);
      } else if (mw.type === MW_RETRY && this.pRetryPos[slot] === p) {
        const retry = mw.retry as RetryPolicy;
        const attempt = this.pAttempt[slot];
        if (!reachedBackend && retry.shouldRetry(attempt, false)) {
          this.pAttempt[slot] = attempt + 1;
          this.pPos[slot] = p + 1;
          const delay = retry.backoff(attempt, this.retryRng);
          if (delay > 0) this.kernel.at(now + delay, this.evContinue, slot, this.pGen[slot]);
          else this.proceed(slot);
          return;
        }
      }
    }
    this.toClient(slot, status);
  }

  /** The client gets its response: entrypoint and router metrics, then any mirrors. */
  private toClient(slot: number, status: number): void {
    const now = this.kernel.now;
    const s = this.pStream[slot];
    const stream = this.streams[s];
    const latency = now - this.pStart[slot];
    const metrics = this.replicas[this.pReplica[slot]];
    const method = this.methods[s];
    metrics.entryPoint(stream.entryPoint)?.record(status, method, latency);
    const router = this.pRouter[slot];
    if (router !== null) metrics.router(router.spec.name, router.spec.service.label)?.record(status, method, latency);
    this.upstream.clientResponded(s, status, latency);
    if (this.pMirror[slot] !== null) {
      this.pState[slot] = P_MIRRORING;
      this.nextMirror(slot);
    } else this.release(slot);
  }

  /** Mirrors are called one after the other, after the main response; their responses are discarded. */
  private nextMirror(slot: number): void {
    const node = this.pMirror[slot] as MirroringNode;
    for (;;) {
      const mask = this.pMirrorNext[slot];
      if (mask === 0) {
        this.release(slot);
        return;
      }
      const i = 31 - Math.clz32(mask & -mask);
      this.pMirrorNext[slot] = mask & (mask - 1);
      const target = this.descend(node.mirrors[i], this.pClient[slot], 0, false);
      if (target === null) continue;
      const k = target.balancer.pick();
      if (k < 0) continue;
      this.pLeaf[slot] = target;
      this.pAttemptStart[slot] = this.kernel.now;
      if (this.upstream.dispatch(target.servers[k], slot, this.pGen[slot], this.streams[this.pStream[slot]].timeout)) return;
      this.recordService(slot, STATUS_BAD_GATEWAY);
    }
  }

  // ---- fast mode: many requests at once ----------------------------------------

  /** The router a stream's requests take on a replica now (null: 404). */
  routerOf(s: number, replica: number): BuiltRouter | null {
    const build = this.builds[replica];
    let router = build.routeOfStream[s];
    if (router === undefined) {
      router = null;
      for (const r of build.routersByEntryPoint.get(this.streams[s].entryPoint) ?? []) {
        if (r.rule.match(this.streams[s].request)) {
          router = r;
          break;
        }
      }
      build.routeOfStream[s] = router;
    }
    return router;
  }

  /**
   * Fast mode: routes `n` requests of stream `s` through a replica's current
   * handlers at once, running the same schedulers (EDF picks, mirroring
   * counters) n times. Fills `out` with the requests per leaf server and
   * returns how many got Traefik's own 503 (no available server).
   */
  routeMany(s: number, n: number, replica: number, out: LeafBatch[]): number {
    out.length = 0;
    const router = this.routerOf(s, replica);
    if (router === null || n === 0) return 0;
    const root = router.root;
    if (root.type === N_LEAF) return this.pickLeaf(root, n, out);
    if (root.type === N_WEIGHTED && root.leavesOnly) return this.splitWeighted(root, n, out);
    return this.routeEach(router, s, n, out);
  }

  /** n requests to a leaf at once: returns how many got no server (all or none). */
  private pickLeaf(leaf: LeafNode, n: number, out: LeafBatch[]): number {
    const b = newBatch(leaf);
    if (!leaf.balancer.pickMany(n, b.counts, null)) return n;
    out.push(b);
    return 0;
  }

  /**
   * n requests to a weighted service over distinct leaves, without sticky
   * cookies: each balancer's picks are the same whether they interleave
   * with the others' or not, so the service's n picks are made at once, then
   * each child's. Batches come in the order of the first request each leaf
   * got, as the request-by-request walk creates them.
   */
  private splitWeighted(node: WeightedNode, n: number, out: LeafBatch[]): number {
    const k = node.children.length;
    if (this.childCounts.length < k) {
      this.childCounts = new Float64Array(k);
      this.childFirst = new Int32Array(k);
    }
    const counts = this.childCounts.fill(0, 0, k);
    const first = this.childFirst.fill(-1, 0, k);
    if (!node.balancer.pickMany(n, counts, first)) return n;
    let noServer = 0;
    const byFirst = this.childOrder;
    byFirst.length = 0;
    for (let c = 0; c < k; c++) if (counts[c] > 0) byFirst.push(c);
    byFirst.sort((a, b) => first[a] - first[b]);
    for (const c of byFirst) noServer += this.pickLeaf(node.children[c] as LeafNode, counts[c], out);
    return noServer;
  }

  private childCounts = new Float64Array(0);
  private childFirst = new Int32Array(0);
  private readonly childOrder: number[] = [];
  private readonly leafBatches = new Map<LeafNode, LeafBatch>();

  /** Any service tree (mirroring, nested weighted services): request by request, as a client would send them. */
  private routeEach(router: BuiltRouter, s: number, n: number, out: LeafBatch[]): number {
    const client = this.clientBase[s];
    let noServer = 0;
    const batches = this.leafBatches;
    batches.clear();
    const batchOf = (leaf: LeafNode): LeafBatch => {
      let b = batches.get(leaf);
      if (!b) {
        b = newBatch(leaf);
        batches.set(leaf, b);
        out.push(b);
      }
      return b;
    };
    const body = this.streams[s].requestBytes;
    for (let k = 0; k < n; k++) {
      const leaf = this.descend(router.root, client, body, true);
      const mirroring = this.mirrored;
      if (mirroring !== null) {
        for (let m = 0; m < mirroring.mirrors.length; m++) {
          if (!mirroring.chosen[m]) continue;
          const target = this.descend(mirroring.mirrors[m], client, 0, false);
          const i = target ? target.balancer.pick() : -1;
          if (target && i >= 0) batchOf(target).mirrored[i]++;
        }
      }
      const i = leaf ? leaf.balancer.pick() : -1;
      if (leaf === null || i < 0) noServer++;
      else batchOf(leaf).counts[i]++;
    }
    batches.clear();
    return noServer;
  }

  /** Metrics of a replica for a stream's router (fast mode records through these). */
  metricsFor(s: number, replica: number): { entryPoint: RequestMetrics | null; router: RequestMetrics | null; method: number } {
    const m = this.replicas[replica];
    const r = this.routerOf(s, replica);
    return { entryPoint: m.entryPoint(this.streams[s].entryPoint), router: r ? m.router(r.spec.name, r.spec.service.label) : null, method: this.methods[s] };
  }

  serviceMetrics(replica: number, label: string): RequestMetrics | null {
    return this.replicas[replica].service(label);
  }

  /**
   * What fast mode cannot aggregate: per-request middlewares and sticky
   * sessions (state per request and per client). Empty when fast mode applies.
   */
  static fastModeBlockers(spec: TraefikSpec): string[] {
    const out: string[] = [];
    for (const r of spec.routers) if (r.middlewares.length > 0) out.push(`router ${r.name} uses middlewares (${r.middlewares.join(', ')})`);
    for (const svc of spec.services) if (svc.type === 'weighted' && svc.sticky) out.push(`TraefikService ${svc.label} uses sticky cookies`);
    return out;
  }
}
