import type { DistributionSpec } from './distributions';
import type { ErrorBurstSpec, ErrorDriftSpec, SlowPodsSpec } from './noise';
import type { OverdispersionSpec } from '../traffic/arrivals';
import type { RuleRequest } from '../routing/rule';
import type { TraefikSpec } from '../routing/spec';
import type { AppMetricsSpec } from '../telemetry/app-metrics';
import type { ScrapeSpec } from '../telemetry/scraper';
import type { RateProfileSpec } from '../traffic/profile';

/**
 * The compiled, validated system a run simulates: plain immutable data,
 * built by the scenario compiler from the Scenario document and the
 * Kubernetes/Flagger/Traefik manifests. All times are in seconds.
 */
export type Version = 'primary' | 'canary';
export const VERSIONS: readonly Version[] = ['primary', 'canary'];

export interface DependencySpec {
  /** Kubernetes Service called (namespace/name). */
  service: string;
  /** Sequential calls per request. */
  calls: number;
  /** The caller gives up after this long (Infinity: never); the call then fails as 504. */
  timeout: number;
  /** Probability that a failed call (5xx) fails the caller's request too. */
  failurePropagation: number;
  /** Status the caller returns when a failure propagates. */
  failureStatus: number;
}

/** What one revision of an application does with a request. */
export interface BehaviourSpec {
  latency: DistributionSpec;
  /** Non-200 responses and their probabilities (the remainder is 200). */
  statusCodes: ReadonlyArray<{ code: number; probability: number }>;
  dependencies: ReadonlyArray<DependencySpec>;
  // Noise (docs/noise.md): absent means off (and no draws at all).
  /** σ of each pod's lognormal speed factor (median 1), drawn when the pod is created. */
  podVariation?: number;
  /** A chance that a new pod is slow (all its latencies × factor). */
  slowPods?: SlowPodsSpec;
  /** The 5xx probability drifts as exp of an AR(1) process. */
  errorDrift?: ErrorDriftSpec;
  /** Random windows of a raised 5xx probability. */
  errorBursts?: ErrorBurstSpec;
}

/** An application: the code behind one target Deployment, in both revisions. */
export interface AppSpec {
  name: string;
  namespace: string;
  /** Requests a pod works on at once; more wait in its FIFO queue. */
  concurrency: number;
  /** A request waiting longer than this in a pod's queue is rejected with 503. */
  queueTimeout: number;
  /** Time from pod creation to ready. */
  startupTime: number;
  /** Time a terminating pod may take to drain before it is killed. */
  terminationGracePeriod: number;
  /** Time a crashed container takes to restart (before startupTime). */
  restartDelay: number;
  primary: BehaviourSpec;
  canary: BehaviourSpec;
  /** The app's own /metrics on every pod, or null when it exports none. */
  metrics: AppMetricsSpec | null;
}

/** A Deployment as simulated: which app and revision its pods run. */
export interface WorkloadSpec {
  name: string;
  namespace: string;
  app: string;
  version: Version;
  /** Replicas at the start of the run. */
  replicas: number;
  /** Labels on its pods (for Service selectors). */
  labels: Readonly<Record<string, string>>;
}

/** A Kubernetes Service: selects the pods of matching workloads. */
export interface ServiceSpec {
  name: string;
  namespace: string;
  selector: Readonly<Record<string, string>>;
  /** Where this Service came from, for messages. */
  origin: 'manifest' | 'flagger' | 'implicit';
}

/** How a stream's requests enter through Traefik. */
export interface IngressSpec {
  entryPoint: string;
  /** What the router rules see. */
  request: RuleRequest;
  /** Distinct clients (sticky cookies, rate-limit sources); each request comes from one at random. */
  clients: number;
  requestBytes: number;
}

/**
 * A traffic stream: either clients outside the cluster coming in through a
 * Traefik entrypoint (`ingress`), or an in-cluster client calling a
 * Kubernetes Service directly through kube-proxy (`target`), like Flagger's
 * load tester.
 */
export interface StreamSpec {
  name: string;
  /** Target Service, namespace/name, for in-cluster streams; null when through Traefik. */
  target: string | null;
  ingress: IngressSpec | null;
  rate: RateProfileSpec;
  overdispersion: OverdispersionSpec | null;
  /** The client (or Traefik, per attempt) gives up after this long and answers 504 (Infinity: never). */
  timeout: number;
  /**
   * A load generator the run starts and stops (Flagger's load tester running
   * `hey` for a webhook): no arrivals of its own (its `rate` is zero); each
   * `World.startLoad` sends Poisson traffic at a rate for a duration.
   */
  loadTest?: boolean;
}

/** Scales a workload at a time (the canary revision is deployed at the rollout time). */
export interface ScaleEventSpec {
  at: number;
  workload: string;
  replicas: number;
  reason: string;
  /**
   * The event deploys a new pod template to a Deployment that Flagger
   * manages: the template changes (a new revision) and the replicas stay as
   * they are; Flagger's controller notices and scales the canary up itself.
   */
  deploy?: boolean;
}

export interface WorldSpec {
  apps: ReadonlyArray<AppSpec>;
  workloads: ReadonlyArray<WorkloadSpec>;
  services: ReadonlyArray<ServiceSpec>;
  streams: ReadonlyArray<StreamSpec>;
  scaleEvents: ReadonlyArray<ScaleEventSpec>;
  /** Interval at which the run records a series point. */
  recordInterval: number;
  /** Traefik in front of the cluster, when the scenario has IngressRoutes. */
  traefik: TraefikSpec | null;
  /** How Prometheus scrapes Traefik. */
  scrape: ScrapeSpec;
}

/**
 * Whether a Service selects a workload's pods: same namespace and every
 * selector label present on the pods (a Service without selector selects none).
 */
export function selectsWorkload(service: ServiceSpec, workload: WorkloadSpec): boolean {
  if (service.namespace !== workload.namespace) return false;
  const keys = Object.keys(service.selector);
  if (keys.length === 0) return false;
  for (const k of keys) if (workload.labels[k] !== service.selector[k]) return false;
  return true;
}

export function qualified(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
