import { Kernel } from '../../simulation/kernel/kernel';
import { RandomStreams } from '../../simulation/kernel/random';
import { DEFAULT_BUCKETS, type LeafRef, type MiddlewareSpec, type RouterSpec, type ServiceRef, type TraefikServiceSpec, type TraefikSpec } from '../../simulation/routing/spec';
import { type ProxyStream, type ProxyUpstream, TraefikProxy } from '../../simulation/routing/traefik';
import { kubernetesServiceLabel, traefikServiceLabel } from '../../simulation/routing/names';

/** A leaf reference to Service ns/name port 80. */
export const leaf = (name: string, ns = 'test'): LeafRef => ({ kind: 'service', service: `${ns}/${name}`, label: kubernetesServiceLabel(ns, name, 80) });
export const ts = (name: string, ns = 'test'): ServiceRef => ({ kind: 'traefik', label: traefikServiceLabel(ns, name) });

export const router = (service: ServiceRef, over: Partial<RouterSpec> = {}): RouterSpec => ({
  name: 'test-route@kubernetescrd',
  entryPoints: ['web'],
  rule: 'Host(`app.example.com`)',
  syntax: 'v3',
  priority: 24,
  middlewares: [],
  service,
  origin: 'test',
  ...over,
});

export const stream = (over: Partial<ProxyStream> = {}): ProxyStream => ({
  name: 's',
  entryPoint: 'web',
  request: { host: 'app.example.com', path: '/', method: 'GET', headers: {}, query: {}, clientIP: '203.0.113.1' },
  timeout: Infinity,
  requestBytes: 0,
  clients: 1,
  ...over,
});

export interface HarnessOptions {
  routers: RouterSpec[];
  services?: TraefikServiceSpec[];
  middlewares?: MiddlewareSpec[];
  canaryRoutes?: TraefikSpec['canaryRoutes'];
  replicas?: number;
  allowEmptyServices?: boolean;
  throttle?: number;
  /** Pods per Service (ns/name): pod ids. Pod ids must be unique across services. */
  pods: Record<string, { ready: number[]; terminating?: number[] }>;
  streams?: ProxyStream[];
  seed?: number;
}

/**
 * A Traefik proxy over a fake cluster: pods answer after `latency` with the
 * status `statusOf(pod)`; pods in `refused` refuse connections.
 */
export function harness(o: HarnessOptions) {
  const kernel = new Kernel();
  const spec: TraefikSpec = {
    replicas: o.replicas ?? 1,
    throttle: o.throttle ?? 2,
    allowEmptyServices: o.allowEmptyServices ?? false,
    entryPoints: ['web'],
    routers: o.routers,
    services: o.services ?? [],
    middlewares: o.middlewares ?? [],
    canaryRoutes: o.canaryRoutes ?? [],
    metrics: { buckets: DEFAULT_BUCKETS, addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: true },
  };
  const state = {
    pods: o.pods,
    refused: new Set<number>(),
    latency: 0.01,
    statusOf: (_pod: number) => 200,
    dispatched: [] as number[],
    client: [] as number[],
  };
  let proxy: TraefikProxy | null = null;
  const evRespond = kernel.register('fake-respond', (slot, gen) => {
    const pod = pending.get(`${slot}/${gen}`) as number;
    pending.delete(`${slot}/${gen}`);
    proxy?.upstreamResponded(slot, gen, state.statusOf(pod));
  });
  const pending = new Map<string, number>();
  const upstream: ProxyUpstream = {
    endpoints: (service) => ({ ready: state.pods[service]?.ready ?? [], terminating: state.pods[service]?.terminating ?? [] }),
    dispatch(pod, slot, gen) {
      if (state.refused.has(pod)) {
        state.dispatched.push(-pod - 1);
        return false;
      }
      state.dispatched.push(pod);
      pending.set(`${slot}/${gen}`, pod);
      kernel.at(kernel.now + state.latency, evRespond, slot, gen);
      return true;
    },
    clientResponded(_s, status) {
      state.client.push(status);
    },
  };
  proxy = new TraefikProxy(spec, o.streams ?? [stream()], upstream, kernel, new RandomStreams(o.seed ?? 1));
  const p = proxy;
  return {
    kernel,
    proxy: p,
    state,
    /** Sends n requests of stream s, one at a time, each answered before the next. */
    send(n: number, s = 0, client = 0) {
      for (let i = 0; i < n; i++) {
        p.arrive(s, client);
        kernel.runUntil(kernel.now + 1);
      }
    },
    /** Advances the clock to t, running pending events. */
    to(t: number) {
      kernel.runUntil(t);
    },
    /** Service-level requests_total per (service label, code), summed over replicas. */
    serviceCounts(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const r of p.replicas) {
        for (const f of r.registry.families) {
          if (f.name !== 'traefik_service_requests') continue;
          for (const s of f.series) out[`${s.labels.service} ${s.labels.code}`] = (out[`${s.labels.service} ${s.labels.code}`] ?? 0) + s.value;
        }
      }
      return out;
    },
    entryPointCounts(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const r of p.replicas) {
        for (const f of r.registry.families) {
          if (f.name !== 'traefik_entrypoint_requests') continue;
          for (const s of f.series) out[s.labels.code] = (out[s.labels.code] ?? 0) + s.value;
        }
      }
      return out;
    },
  };
}
