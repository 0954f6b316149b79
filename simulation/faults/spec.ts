/**
 * Faults: what goes wrong, where, when. Types and parameters are named as
 * the chaos tools teams know name them (Chaos Mesh, Toxiproxy, LitmusChaos,
 * Istio's fault injection); docs/faults.md maps each.
 */

/** When a fault is active: from `at` for `for`, ramping in and out, repeated. Seconds of simulated time. */
export interface FaultSchedule {
  at: number;
  /** Infinity: until the end of the run (or cancelled). */
  for: number;
  /** Seconds over which the fault's intensity rises linearly from 0 to 1. */
  rampIn: number;
  /** Seconds before the end over which it falls back to 0. */
  rampOut: number;
  /** Repeat every `every` seconds (start to start), `times` occurrences in all. */
  repeat: { every: number; times: number } | null;
}

/** A service revision: requests its pods serve. */
export interface VersionTarget {
  kind: 'version';
  /** The app (Deployment name). */
  app: string;
  /** 'primary', 'canary', or both. */
  version: 'primary' | 'canary' | 'all';
}

/** Pods of a Deployment, chosen as Chaos Mesh selects them. */
export interface PodTarget {
  kind: 'pods';
  /** The workload (Deployment) name as running: `backend-primary`, `backend` (the canary)… */
  workload: string;
  /** Chaos Mesh's selector modes. */
  mode: 'one' | 'all' | 'fixed' | 'fixed-percent' | 'random-max-percent';
  /** Count for `fixed`, percent for the percent modes. */
  value: number;
}

/** Calls from one app to a Kubernetes Service (a dependency edge), or every call to that Service. */
export interface EdgeTarget {
  kind: 'edge';
  /** The calling app, or null for any caller. */
  from: string | null;
  /** The called Service, namespace/name. */
  to: string;
}

export interface StreamTarget {
  kind: 'stream';
  stream: string;
}

export interface ProviderTarget {
  kind: 'provider';
}

export interface ScrapeTarget {
  kind: 'scrape';
  /** Prometheus job: `traefik` or `kubernetes-pods`; null for every job. */
  job: string | null;
}

export interface RouterTarget {
  kind: 'router';
}

export type FaultTarget = VersionTarget | PodTarget | EdgeTarget | StreamTarget | ProviderTarget | ScrapeTarget | RouterTarget;

/** Every fault type with its parameters. Durations in seconds, rates per second, percentages 0–100. */
export type FaultParams =
  /** HTTP abort (Istio `abort`, Chaos Mesh HTTPChaos `abort`/`replace.code`, Litmus pod-http-status-code): answer `code` to `percent` of requests. */
  | { type: 'http-abort'; code: number; percent: number }
  /**
   * HTTP delay (Istio `delay.fixedDelay`, Chaos Mesh HTTPChaos `delay`, Litmus pod-http-latency): add `delay` ± `jitter` to
   * `percent` of requests; with `tailOnly`, only to requests slower than the revision's `tailQuantile` already.
   */
  | { type: 'http-delay'; delay: number; jitter: number; percent: number; tailOnly: boolean; tailQuantile: number }
  /** Latency distribution shift: every service time multiplied by `factor`. */
  | { type: 'latency-shift'; factor: number }
  /** Chaos Mesh PodChaos `pod-kill` (Litmus pod-delete): the pods are deleted; the Deployment replaces them. */
  | { type: 'pod-kill'; gracePeriod: number }
  /** Chaos Mesh PodChaos `pod-failure`: the pods stop serving for the fault's duration, then recover (container restart). */
  | { type: 'pod-failure' }
  /** A container that crashes `runFor` after each start; kubelet restarts it with back-off 10 s, 20 s, 40 s … 5 min. */
  | { type: 'crash-loop'; runFor: number }
  /** A slow memory leak: service time creeps up to `maxSlowdown` × over `timeToOom`, then the container is OOM-killed and restarts. */
  | { type: 'oom-leak'; timeToOom: number; maxSlowdown: number }
  /** Chaos Mesh StressChaos `cpu` (Litmus pod-cpu-hog): service times × `slowdown`. */
  | { type: 'cpu-stress'; slowdown: number }
  /** Saturation from reduced replicas: the Deployment runs `replicas` pods. */
  | { type: 'scale-down'; replicas: number }
  /** Toxiproxy `latency` (Chaos Mesh NetworkChaos `delay`): each call ± `jitter`, for `toxicity` % of calls. */
  | { type: 'network-latency'; latency: number; jitter: number; toxicity: number }
  /** Toxiproxy `bandwidth` (Chaos Mesh `bandwidth.rate`): `rate` KB/s for the response body of `responseBytes`. */
  | { type: 'network-bandwidth'; rate: number; responseBytes: number; toxicity: number }
  /** Toxiproxy `timeout`: the connection hangs (data dropped); with `timeout` > 0 it is closed after that long. */
  | { type: 'network-timeout'; timeout: number; toxicity: number }
  /** Toxiproxy `reset_peer`: the connection is reset (after `timeout`). */
  | { type: 'network-reset-peer'; timeout: number; toxicity: number }
  /** Toxiproxy `slow_close`: the callee's side closes `delay` late (the caller's response completes that much later). */
  | { type: 'network-slow-close'; delay: number; toxicity: number }
  /** Chaos Mesh NetworkChaos `loss`: `loss` % of packets lost; each lost round trip costs a retransmission timeout. */
  | { type: 'network-loss'; loss: number; rto: number }
  /** Chaos Mesh NetworkChaos `partition`: calls cannot connect at all. */
  | { type: 'network-partition' }
  /** A downstream returns errors (`code`, `percent`) or hangs. */
  | { type: 'dependency-failure'; code: number; percent: number; hang: boolean }
  /** A third-party quota: above `rate` requests per second the callee answers `code` (429). */
  | { type: 'quota'; rate: number; code: number }
  /** Chaos Mesh DNSChaos `error` (Litmus pod-dns-error): the name does not resolve; calls fail at once. */
  | { type: 'dns-failure' }
  /** A traffic spike or ramp at the entrypoint: the stream's rate × `multiplier` (ramps shape it). */
  | { type: 'traffic-spike'; multiplier: number }
  /** The metrics provider answers errors (`error`) or empty results (`no-data`). */
  | { type: 'metrics-outage'; mode: 'error' | 'no-data' }
  /** Scrapes fail (`up` 0, series go stale) with probability `percent`. */
  | { type: 'scrape-failure'; percent: number }
  /** Scrapes happen `delay` late (samples land late in Prometheus). */
  | { type: 'scrape-delay'; delay: number }
  /** Counters reset: Traefik restarts (its counters start from zero), or the target pods' containers restart. */
  | { type: 'counter-reset' }
  /** Flagger's router updates are rejected by the API server (weights cannot change). */
  | { type: 'router-reject'; message: string }
  /** Traefik reloads its configuration every `interval`: schedulers and circuit breakers start over. */
  | { type: 'reload-storm'; interval: number };

export type FaultType = FaultParams['type'];

/** Every fault type, in the order docs/faults.md lists them. */
export const FAULT_TYPES = [
  'http-abort',
  'http-delay',
  'latency-shift',
  'cpu-stress',
  'pod-kill',
  'pod-failure',
  'crash-loop',
  'oom-leak',
  'scale-down',
  'network-latency',
  'network-bandwidth',
  'network-timeout',
  'network-reset-peer',
  'network-slow-close',
  'network-loss',
  'network-partition',
  'dependency-failure',
  'quota',
  'dns-failure',
  'traffic-spike',
  'metrics-outage',
  'scrape-failure',
  'scrape-delay',
  'counter-reset',
  'router-reject',
  'reload-storm',
] as const satisfies readonly FaultType[];

// Every type of FaultParams is listed above (a compile error names a missing one).
const allListed: Record<Exclude<FaultType, (typeof FAULT_TYPES)[number]>, never> = {};
void allListed;

export interface FaultSpec {
  /** Unique name (the scenario's, or generated). */
  name: string;
  target: FaultTarget;
  schedule: FaultSchedule;
  params: FaultParams;
  /** Where it was declared, for messages (file:line, or "live"). */
  origin: string;
}

/** Seconds between intensity steps along a ramp. */
export const RAMP_STEP = 1;

/** Intensity in [0, 1] of a schedule at time t (0 outside its windows), with its ramps. */
export function intensity(s: FaultSchedule, t: number): number {
  const times = s.repeat ? s.repeat.times : 1;
  const every = s.repeat ? s.repeat.every : Infinity;
  if (t < s.at) return 0;
  const k = every === Infinity ? 0 : Math.min(times - 1, Math.floor((t - s.at) / every));
  const start = s.at + k * (every === Infinity ? 0 : every);
  const end = start + s.for;
  if (t < start || t >= end) return 0;
  // Ramps move in steps of RAMP_STEP, each at the level the ramp reaches by its end: a fault is in force from
  // `at` to its end, never at intensity 0 inside its window.
  let x = 1;
  if (s.rampIn > 0 && t < start + s.rampIn) x = Math.min(x, ((Math.floor((t - start) / RAMP_STEP) + 1) * RAMP_STEP) / s.rampIn);
  if (s.rampOut > 0 && end !== Infinity && t >= end - s.rampOut) x = Math.min(x, (Math.ceil((end - t) / RAMP_STEP) * RAMP_STEP) / s.rampOut);
  return Math.max(0, Math.min(1, x));
}

/** The [start, end) windows of a schedule within [0, horizon]. */
export function windows(s: FaultSchedule, horizon: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const times = s.repeat ? s.repeat.times : 1;
  for (let k = 0; k < times; k++) {
    const start = s.at + k * (s.repeat ? s.repeat.every : 0);
    if (start > horizon) break;
    out.push([start, start + s.for]);
  }
  return out;
}
